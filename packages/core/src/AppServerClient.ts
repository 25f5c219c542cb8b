/**
 * The JSON-RPC client of the app-server: request/response correlation, typed requests and
 * results, server notifications, per-turn routing, and dispatch of server → client requests to
 * the `ApprovalHandler`. It sits on a `Transport` and knows nothing about processes.
 *
 * Building it (`make` / `layer`) performs the handshake: `initialize` with `clientInfo` and
 * `capabilities.experimentalApi`, then the `initialized` notification.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { AppServerClient } from "@effect-codex/core"
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* AppServerClient.AppServerClient
 *   const { thread } = yield* client.request("thread/start", { cwd: "/tmp" })
 *   return thread.id
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberSet from "effect/FiberSet"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as ApprovalHandler from "./ApprovalHandler.ts"
import * as Errors from "./Errors.ts"
import * as Protocol from "./generated/Protocol.ts"
import type * as Schemas from "./generated/Schemas.ts"
import * as FlatStruct from "./internal/flatStruct.ts"
import { Transport } from "./Transport.ts"

// =============================================================================
// Models
// =============================================================================

/** A notification whose method this SDK version does not know (or whose params did not decode). */
export class UnknownNotification {
  readonly _tag = "UnknownNotification"
  readonly method: string
  readonly params: unknown
  constructor(method: string, params: unknown) {
    this.method = method
    this.params = params
  }
}

/**
 * A server notification: a typed `{ method, params }` for every known method, or an
 * `UnknownNotification`. Narrow unknown ones out with `"_tag" in n` (or `isUnknown`), then switch
 * on `method`.
 */
export type Notification = Protocol.ServerNotification | UnknownNotification

/** Whether a notification is an `UnknownNotification`. */
export const isUnknown = (n: Notification): n is UnknownNotification => "_tag" in n

/** The initialize response, validated: `serverInfo` is always filled (from `userAgent` if the server left it out). */
export interface Metadata extends Schemas.InitializeResponse {
  readonly serverInfo: { readonly name: string; readonly version: string }
}

/** Errors a request can fail with. */
export type RequestError =
  | Errors.RpcError
  | Errors.RetryLimitExceededError
  | Errors.TransportClosedError
  | Errors.ProtocolError
  | Errors.TimeoutError
  | Errors.InvalidOptionError

/** Per-request options. */
export interface RequestOptions {
  /** Fail with `TimeoutError` when no response arrives in time (none by default). */
  readonly timeout?: Duration.Input | undefined
}

/** The events of one turn, from the moment of subscription; the stream ends after `turn/completed`. */
export interface TurnSubscription {
  readonly turnId: string
  readonly events: Stream.Stream<Notification, Errors.TransportClosedError>
  /** Stops routing to this subscription and drops what it buffered. */
  readonly close: Effect.Effect<void>
}

/** Options of the client. */
export interface Options {
  readonly clientInfo?: {
    readonly name: string
    readonly title?: string | null | undefined
    readonly version: string
  } | undefined
  /** Opt into experimental methods and fields (default `true`, as the Python SDK). */
  readonly experimentalApi?: boolean | undefined
  /** Notification methods the server should not send at all. */
  readonly optOutNotificationMethods?: ReadonlyArray<string> | undefined
  /** Default timeout of every request except `turn/start` (none by default). */
  readonly requestTimeout?: Duration.Input | undefined
  /** Timeout of the `initialize` handshake (default 30 seconds). */
  readonly initializeTimeout?: Duration.Input | undefined
}

/** The client service. */
export interface Service {
  /** The validated `initialize` response. */
  readonly metadata: Metadata
  /** The server's version (`serverInfo.version`), used to gate newer options. */
  readonly serverVersion: string
  /**
   * Sends a typed request: `params` are encoded with the method's schema first (bad params fail
   * with `InvalidOptionError` and nothing is sent), the result is decoded with its schema.
   */
  readonly request: <M extends Protocol.ClientRequestMethod>(
    method: M,
    params: Protocol.ClientRequestParams<M>,
    options?: RequestOptions
  ) => Effect.Effect<Protocol.ClientRequestResult<M>, RequestError>
  /** Sends a request without schemas (for methods newer than this SDK). */
  readonly requestUnknown: (
    method: string,
    params: unknown,
    options?: RequestOptions
  ) => Effect.Effect<unknown, RequestError>
  /** Sends a notification. */
  readonly notify: (method: string, params?: unknown) => Effect.Effect<void, Errors.TransportClosedError>
  /** Every server notification from the moment the stream starts. */
  readonly notifications: Stream.Stream<Notification, Errors.TransportClosedError>
  /**
   * Subscribes to every notification now; the subscription lives as long as the scope. Use it when
   * no event between now and the consumption of the stream may be lost (e.g. around a login).
   */
  readonly subscribe: Effect.Effect<Stream.Stream<Notification, Errors.TransportClosedError>, never, Scope.Scope>
  /** Lines that could not be understood (not JSON, not an object, params that do not match their schema). */
  readonly diagnostics: Stream.Stream<Errors.ProtocolError>
  /**
   * Starts a turn (`turn/start`) and subscribes to its events with no loss: events that arrive
   * before the response are kept for it. No timeout unless one is given.
   */
  readonly startTurn: (
    params: Protocol.ClientRequestParams<"turn/start">,
    options?: RequestOptions
  ) => Effect.Effect<{ readonly turn: Schemas.Turn; readonly subscription: TurnSubscription }, RequestError>
  /** Subscribes to the events of a turn from now on (a late subscriber sees events from this point). */
  readonly subscribeTurn: (turnId: string) => Effect.Effect<TurnSubscription>
  /** Fails every pending call and stream with this error, as if the connection closed. */
  readonly shutdown: (error: Errors.TransportClosedError) => Effect.Effect<void>
}

/**
 * The `AppServerClient` service.
 */
export class AppServerClient extends Context.Service<AppServerClient, Service>()(
  "@effect-codex/core/AppServerClient"
) {}

// =============================================================================
// Metadata
// =============================================================================

/** Splits a user agent such as `"codex-cli/0.169.0 (Linux)"` into name and version. */
export const splitUserAgent = (userAgent: string): readonly [string | undefined, string | undefined] => {
  const ua = userAgent.trim()
  if (ua === "") return [undefined, undefined]
  const slash = ua.indexOf("/")
  if (slash >= 0) {
    const name = ua.slice(0, slash).trim()
    const version = ua.slice(slash + 1).trim().split(/\s+/)[0] ?? ""
    return [name || undefined, version || undefined]
  }
  const parts = ua.split(/\s+/)
  return parts.length >= 2 ? [parts[0], parts[1]] : [ua, undefined]
}

/**
 * Validates the initialize response as the Python SDK does: `userAgent` is required, and the
 * server name and version come from `serverInfo` or else from the user agent.
 */
export const validateMetadata = (
  response: Schemas.InitializeResponse & { readonly serverInfo?: unknown }
): Effect.Effect<Metadata, Errors.ProtocolError> => {
  const info = (typeof response.serverInfo === "object" && response.serverInfo !== null ? response.serverInfo : {}) as {
    readonly name?: unknown
    readonly version?: unknown
  }
  const str = (u: unknown) => (typeof u === "string" && u.trim() !== "" ? u.trim() : undefined)
  const [uaName, uaVersion] = splitUserAgent(response.userAgent ?? "")
  const name = str(info.name) ?? uaName
  const version = str(info.version) ?? uaVersion
  if (!str(response.userAgent) || !name || !version) {
    return Effect.fail(
      new Errors.ProtocolError({
        message: `initialize response missing required metadata (userAgent=${
          JSON.stringify(response.userAgent)
        }, serverName=${JSON.stringify(name)}, serverVersion=${JSON.stringify(version)})`,
        method: "initialize"
      })
    )
  }
  return Effect.succeed({ ...response, serverInfo: { name, version } })
}

// =============================================================================
// Implementation
// =============================================================================

const InitializeResponseWithInfo = Schema.Struct({
  ...(Protocol.ClientRequests.initialize.result as unknown as Schema.Struct<{
    readonly userAgent: Schema.String
  }>).fields,
  serverInfo: Schema.optional(Schema.Unknown)
})

type Subscriber = Queue.Queue<Notification, Errors.TransportClosedError | Cause.Done>

interface TurnState {
  threadId: string | undefined
  /** Usually one; an array is cheaper than a Set to walk on every event. */
  readonly subscribers: Array<Subscriber>
  /** Events kept while a `turn/start` is pending on the thread and nobody subscribed yet. */
  buffer: Array<Notification> | undefined
  completed: boolean
}

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** The turn id a notification belongs to, if any. */
export const turnIdOf = (params: unknown): string | undefined => {
  if (!isObject(params)) return undefined
  if (typeof params.turnId === "string") return params.turnId
  const turn = params.turn
  return isObject(turn) && typeof turn.id === "string" ? turn.id : undefined
}

/** The thread id a notification belongs to, if any. */
export const threadIdOf = (params: unknown): string | undefined =>
  isObject(params) && typeof params.threadId === "string" ? params.threadId : undefined

const traceparent = Effect.map(Effect.option(Effect.currentSpan), (span) => {
  if (Option.isNone(span)) return undefined
  const { spanId, traceId, sampled } = span.value
  if (!/^[0-9a-f]{32}$/.test(traceId) || !/^[0-9a-f]{16}$/.test(spanId)) return undefined
  return `00-${traceId}-${spanId}-${sampled ? "01" : "00"}`
})

const RECENTLY_COMPLETED = 1024

/** Lines handled before the reader yields, so that subscribers consume a big batch as it is routed. */
const LINES_PER_SLICE = 512

interface NotificationDecoder {
  /** The flat-struct fast path (deltas), when the schema allows one: the value, or `undefined` to run `decode`. */
  readonly fast: ((input: unknown) => object | undefined) | undefined
  readonly decode: (input: unknown) => Exit.Exit<unknown, Schema.SchemaError>
}

interface RequestCodec {
  readonly encodeParams: (params: unknown) => Effect.Effect<unknown, Schema.SchemaError>
  readonly decodeResult: (result: unknown) => Effect.Effect<unknown, Schema.SchemaError>
}

const requestCodecs = new Map<string, RequestCodec | null>()

/** The params encoder and result decoder of a client request method, built once per method. */
const requestCodec = (method: string): RequestCodec | undefined => {
  let codec = requestCodecs.get(method)
  if (codec === undefined) {
    const entry = (Protocol.ClientRequests as Record<
      string,
      { readonly params: Schema.Top; readonly result: Schema.Top } | undefined
    >)[
      method
    ]
    codec = entry === undefined ? null : {
      encodeParams: Schema.encodeUnknownEffect(entry.params as Schema.Codec<unknown>),
      decodeResult: Schema.decodeUnknownEffect(entry.result as Schema.Codec<unknown>)
    }
    requestCodecs.set(method, codec)
  }
  return codec ?? undefined
}

/**
 * Span options of the client's own spans: no stack trace capture (it costs an `Error` per request,
 * and the frame it records would be this module, not the caller).
 */
const traceOptions = { captureStackTrace: false } as const

const notificationDecoders = new Map<string, NotificationDecoder | null>()

/**
 * The params decoder of a server notification method (`null`: a method this SDK does not know),
 * built once per method (`Schema.decodeUnknownExit(schema)` allocates a new parser per call).
 */
const notificationDecoder = (method: string): NotificationDecoder | null => {
  let decoder = notificationDecoders.get(method)
  if (decoder === undefined) {
    const entry = (Protocol.ServerNotifications as Record<string, { readonly params: Schema.Top } | undefined>)[method]
    decoder = entry === undefined ? null : {
      fast: FlatStruct.compile(
        entry.params.ast,
        (Protocol.ServerNotificationCopies as Record<string, FlatStruct.Copy | undefined>)[method]
      ),
      decode: Schema.decodeUnknownExit(entry.params as Schema.Codec<unknown>)
    }
    notificationDecoders.set(method, decoder)
  }
  return decoder
}

/**
 * Builds the client on the `Transport` in context and performs the handshake. The reading fiber
 * and every handler fiber live in the current scope.
 */
export const make = Effect.fnUntraced(function*(options: Options = {}) {
  const transport = yield* Transport
  const approvals = yield* ApprovalHandler.ApprovalHandler
  const scope = yield* Effect.scope
  const handlerFibers = yield* FiberSet.make<unknown, never>()

  let nextId = 1
  let closed: Errors.TransportClosedError | undefined
  /** Pending requests by id, with their method (so that an error names it). */
  const pending = new Map<
    number,
    { readonly deferred: Deferred.Deferred<unknown, RequestError>; readonly method: string }
  >()
  const listeners = new Set<Subscriber>()
  const diagnosticListeners = new Set<Queue.Queue<Errors.ProtocolError, Cause.Done>>()
  const turns = new Map<string, TurnState>()
  /** The last turn an event was routed to (a stream of deltas is one turn over and over); reset when `turns` shrinks. */
  let lastTurnId: string | undefined
  let lastTurn: TurnState | undefined
  const recentlyCompleted = new Set<string>()
  const pendingStarts = new Map<string, number>()

  // ---------------------------------------------------------------------------
  // Outgoing
  // ---------------------------------------------------------------------------

  const write = (message: object) => closed ? Effect.fail(closed) : transport.send(JSON.stringify(message))

  const diagnose = (error: Errors.ProtocolError) =>
    Effect.suspend(() => {
      for (const q of diagnosticListeners) Queue.offerUnsafe(q, error)
      return Effect.logWarning(`effect-codex: ${error.message}`)
    })

  const requestEncoded = (
    method: string,
    params: unknown,
    requestOptions: RequestOptions | undefined,
    beforeSend?: () => void
  ): Effect.Effect<unknown, RequestError> =>
    Effect.suspend(() => {
      if (closed) return Effect.fail(closed)
      const id = nextId++
      const deferred = Deferred.makeUnsafe<unknown, RequestError>()
      const timeout = requestOptions?.timeout ?? (method === "turn/start" ? undefined : options.requestTimeout)
      const wait = Deferred.await(deferred)
      return traceparent.pipe(
        Effect.flatMap((trace) => {
          pending.set(id, { deferred, method })
          beforeSend?.()
          return write({
            id,
            method,
            ...(params === undefined ? {} : { params }),
            ...(trace ? { trace: { traceparent: trace } } : {})
          })
        }),
        Effect.andThen(
          timeout === undefined ? wait : wait.pipe(
            Effect.timeoutOrElse({
              duration: timeout,
              orElse: () =>
                Effect.fail(
                  new Errors.TimeoutError({
                    message: `no response to ${method} within ${Duration.format(Duration.fromInputUnsafe(timeout))}`,
                    method
                  })
                )
            })
          )
        ),
        Effect.ensuring(Effect.sync(() => pending.delete(id)))
      )
    })

  const encodeParams = (method: string, codec: RequestCodec | undefined, params: unknown) => {
    if (codec === undefined) return Effect.succeed(params)
    if (params === undefined || params === null) return Effect.succeed(undefined)
    return codec.encodeParams(params).pipe(
      Effect.mapError((error) =>
        new Errors.InvalidOptionError({ option: "params", message: `invalid params for ${method}: ${error.message}` })
      )
    )
  }

  const decodeResult = (method: string, codec: RequestCodec | undefined, result: unknown) =>
    codec === undefined ? Effect.succeed(result) : codec.decodeResult(result).pipe(
      Effect.mapError((error) =>
        new Errors.ProtocolError({ message: `unexpected result of ${method}: ${error.message}`, method })
      )
    )

  const requestUnknown = (method: string, params: unknown, requestOptions?: RequestOptions) =>
    requestEncoded(method, params, requestOptions).pipe(
      Effect.withSpan(`AppServerClient.request ${method}`, undefined, traceOptions)
    )

  const requestWith = <M extends Protocol.ClientRequestMethod>(
    method: M,
    params: Protocol.ClientRequestParams<M>,
    requestOptions: RequestOptions | undefined,
    beforeSend?: () => void
  ): Effect.Effect<Protocol.ClientRequestResult<M>, RequestError> => {
    const codec = requestCodec(method)
    return encodeParams(method, codec, params).pipe(
      Effect.flatMap((encoded) => requestEncoded(method, encoded, requestOptions, beforeSend)),
      Effect.flatMap((result) => decodeResult(method, codec, result))
    ) as Effect.Effect<Protocol.ClientRequestResult<M>, RequestError>
  }

  const request = <M extends Protocol.ClientRequestMethod>(
    method: M,
    params: Protocol.ClientRequestParams<M>,
    requestOptions?: RequestOptions
  ) =>
    requestWith(method, params, requestOptions).pipe(
      Effect.withSpan(`AppServerClient.request ${method}`, undefined, traceOptions)
    )

  const notify = (method: string, params?: unknown) => write(params === undefined ? { method } : { method, params })

  // ---------------------------------------------------------------------------
  // Subscriptions
  // ---------------------------------------------------------------------------

  const newSubscriber = () => Queue.unbounded<Notification, Errors.TransportClosedError | Cause.Done>()

  const subscribe = Effect.gen(function*() {
    const q = yield* newSubscriber()
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        if (closed) Queue.failCauseUnsafe(q, Cause.fail(closed))
        else listeners.add(q)
      }),
      () => Effect.sync(() => listeners.delete(q))
    )
    return Stream.fromQueue(q)
  })

  const notifications = Stream.unwrap(subscribe)

  const diagnostics = Stream.callback<Errors.ProtocolError>((q) =>
    Effect.acquireRelease(
      Effect.sync(() => diagnosticListeners.add(q)),
      () => Effect.sync(() => diagnosticListeners.delete(q))
    )
  )

  /** Forgets a turn nobody watches, unless it keeps events for a pending `turn/start`. */
  const releaseTurn = (turnId: string, state: TurnState) => {
    if (state.subscribers.length > 0) return
    if (state.buffer !== undefined && isPendingThread(state.threadId)) return
    if (turns.get(turnId) === state) {
      turns.delete(turnId)
      lastTurnId = lastTurn = undefined
    }
  }

  const isPendingThread = (threadId: string | undefined) =>
    threadId === undefined ? pendingStarts.size > 0 : pendingStarts.has(threadId)

  /** Registers a subscriber for a turn, replaying what was buffered for it. Synchronous. */
  const attachTurn = (turnId: string, q: Subscriber, replay: boolean): TurnSubscription => {
    if (closed) Queue.failCauseUnsafe(q, Cause.fail(closed))
    else {
      let state = turns.get(turnId)
      if (state === undefined && recentlyCompleted.has(turnId)) Queue.endUnsafe(q)
      else {
        if (state === undefined) {
          state = { threadId: undefined, subscribers: [], buffer: undefined, completed: false }
          turns.set(turnId, state)
        }
        if (replay && state.buffer) Queue.offerAllUnsafe(q, state.buffer)
        state.buffer = undefined
        if (state.completed) {
          Queue.endUnsafe(q)
          releaseTurn(turnId, state)
        } else state.subscribers.push(q)
      }
    }
    const close = Effect.sync(() => {
      const state = turns.get(turnId)
      if (state) {
        const i = state.subscribers.indexOf(q)
        if (i >= 0) state.subscribers.splice(i, 1)
        releaseTurn(turnId, state)
      }
      Queue.endUnsafe(q)
    })
    return { turnId, events: Stream.fromQueue(q).pipe(Stream.ensuring(close)), close }
  }

  const subscribeTurn = (turnId: string) =>
    Effect.flatMap(newSubscriber(), (q) => Effect.sync(() => attachTurn(turnId, q, false)))

  const startTurn = (params: Protocol.ClientRequestParams<"turn/start">, requestOptions?: RequestOptions) =>
    Effect.gen(function*() {
      const threadId = params.threadId
      const q = yield* newSubscriber()
      let marked = false
      const unmark = Effect.sync(() => {
        if (!marked) return
        marked = false
        const n = (pendingStarts.get(threadId) ?? 1) - 1
        if (n <= 0) pendingStarts.delete(threadId)
        else pendingStarts.set(threadId, n)
        for (const [id, state] of turns) {
          if (state.threadId === threadId || state.threadId === undefined) {
            if (state.subscribers.length === 0 && !isPendingThread(state.threadId)) {
              state.buffer = undefined
              releaseTurn(id, state)
            }
          }
        }
      })
      const response = yield* requestWith("turn/start", params, requestOptions, () => {
        marked = true
        pendingStarts.set(threadId, (pendingStarts.get(threadId) ?? 0) + 1)
      }).pipe(Effect.onError(() => unmark))
      const subscription = attachTurn(response.turn.id, q, true)
      const state = turns.get(response.turn.id)
      if (state && state.threadId === undefined) state.threadId = threadId
      yield* unmark
      return { turn: response.turn, subscription }
    }).pipe(Effect.withSpan("AppServerClient.startTurn", undefined, traceOptions))

  // ---------------------------------------------------------------------------
  // Incoming
  // ---------------------------------------------------------------------------

  const routeTurnEvent = (turnId: string, threadId: string | undefined, n: Notification, completed: boolean) => {
    // comparing with the last id is cheaper than hashing a fresh string for the map
    let state = turnId === lastTurnId ? lastTurn : turns.get(turnId)
    if (state === undefined) {
      if (!isPendingThread(threadId)) {
        if (completed) remember(turnId)
        return
      }
      state = { threadId, subscribers: [], buffer: undefined, completed: false }
      turns.set(turnId, state)
    }
    lastTurnId = turnId
    lastTurn = state
    if (state.threadId === undefined) state.threadId = threadId
    const subscribers = state.subscribers
    if (subscribers.length === 1) Queue.offerUnsafe(subscribers[0]!, n)
    else if (subscribers.length > 1) {
      // a copy: offering can wake a consumer that closes its subscription (and splices the array)
      for (const q of subscribers.slice()) Queue.offerUnsafe(q, n)
    } else if (isPendingThread(state.threadId)) {
      ;(state.buffer ??= []).push(n)
    }
    if (completed) {
      state.completed = true
      remember(turnId)
      for (const q of subscribers.splice(0)) Queue.endUnsafe(q)
      releaseTurn(turnId, state)
    }
  }

  let lastMethod: string | undefined
  let lastDecoder: NotificationDecoder | null = null

  const remember = (turnId: string) => {
    recentlyCompleted.add(turnId)
    if (recentlyCompleted.size > RECENTLY_COMPLETED) {
      recentlyCompleted.delete(recentlyCompleted.values().next().value as string)
    }
  }

  /** Decodes and routes a notification; returns the effect still to run (a diagnostic), if any. */
  const onNotification = (method: string, rawParams: unknown): Effect.Effect<void> | undefined => {
    // a stream of deltas is one method over and over: skip the map lookup
    let decoder: NotificationDecoder | null
    if (method === lastMethod) decoder = lastDecoder
    else {
      decoder = notificationDecoder(method)
      lastMethod = method
      lastDecoder = decoder
    }
    let n: Notification
    let diagnostic: Errors.ProtocolError | undefined
    const fast = decoder === null || decoder.fast === undefined ? undefined : decoder.fast(rawParams)
    if (decoder === null) n = new UnknownNotification(method, rawParams)
    else if (fast !== undefined) n = { method, params: fast } as Notification
    else {
      const exit = decoder.decode(rawParams)
      if (Exit.isSuccess(exit)) n = { method, params: exit.value } as Notification
      else {
        n = new UnknownNotification(method, rawParams)
        diagnostic = new Errors.ProtocolError({
          message: `notification ${method} does not match its schema: ${Cause.pretty(exit.cause)}`,
          method
        })
      }
    }
    if (listeners.size > 0) { for (const q of listeners) Queue.offerUnsafe(q, n) }
    if (typeof rawParams === "object" && rawParams !== null) {
      const p = rawParams as Record<string, unknown>
      // the deltas carry `turnId`, `turn/*` events carry `turn.id`
      const turnId = typeof p.turnId === "string" ? p.turnId : turnIdOf(p)
      if (turnId !== undefined) {
        routeTurnEvent(turnId, typeof p.threadId === "string" ? p.threadId : undefined, n, method === "turn/completed")
      }
    }
    return diagnostic ? diagnose(diagnostic) : undefined
  }

  /** Completes the pending request; returns the effect still to run (a debug log), if any. */
  const onResponse = (message: Record<string, unknown>): Effect.Effect<void> | undefined => {
    const id = message.id
    const entry = typeof id === "number" ? pending.get(id) : undefined
    if (entry === undefined) {
      return Effect.logDebug(`effect-codex: dropped a response for unknown id ${JSON.stringify(id)}`)
    }
    pending.delete(id as number)
    const { deferred, method } = entry
    const error = message.error
    if (error !== undefined) {
      if (isObject(error)) {
        const code = typeof error.code === "number" ? error.code : -32000
        const text = typeof error.message === "string" ? error.message : "unknown"
        Deferred.doneUnsafe(
          deferred,
          Effect.fail(Errors.fromRpcError({ code, message: text, data: error.data }, method))
        )
      } else {
        Deferred.doneUnsafe(
          deferred,
          Effect.fail(
            new Errors.ProtocolError({ message: "Malformed JSON-RPC error response", ...(method ? { method } : {}) })
          )
        )
      }
    } else Deferred.doneUnsafe(deferred, Effect.succeed(message.result))
    return undefined
  }

  const reply = (id: unknown, exit: Exit.Exit<unknown, unknown>) =>
    Exit.isSuccess(exit)
      ? write({ id, result: exit.value })
      : write({
        id,
        error: {
          code: -32603,
          message: `client handler failed: ${Cause.pretty(exit.cause).split("\n")[0]}`
        }
      })

  const onServerRequest = (id: unknown, method: string, params: unknown): Effect.Effect<void> => {
    const entry = (Protocol.ServerRequests as Record<
      string,
      { readonly params: Schema.Top; readonly result: Schema.Top } | undefined
    >)[method]
    const handle: Effect.Effect<unknown, unknown> = Effect.gen(function*() {
      if (entry === undefined) {
        if (approvals.unknown) return yield* approvals.unknown(method, params)
        return yield* write({ id, error: { code: -32601, message: `client does not handle ${method}` } }).pipe(
          Effect.andThen(Effect.logWarning(`effect-codex: answered unknown server request ${method} with an error`)),
          Effect.andThen(Effect.interrupt)
        )
      }
      const decoded = yield* Schema.decodeUnknownEffect(entry.params as Schema.Codec<unknown>)(params).pipe(
        Effect.tapError((error) =>
          diagnose(
            new Errors.ProtocolError({
              message: `server request ${method} does not match its schema: ${error.message}`,
              method
            })
          )
        )
      )
      const handler = (approvals.handlers as Record<string, ApprovalHandler.Handler<never> | undefined>)[method] ??
        (ApprovalHandler.defaults as unknown as Record<string, ApprovalHandler.Handler<never>>)[method]!
      const result = yield* handler(decoded as never, { method: method as never, id: id as string | number })
      return yield* Schema.encodeUnknownEffect(entry.result as Schema.Codec<unknown>)(result)
    })
    return FiberSet.run(
      handlerFibers,
      handle.pipe(
        Effect.exit,
        Effect.flatMap((exit) =>
          Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause) ? Effect.void : Effect.tap(
            reply(id, exit),
            () =>
              Exit.isFailure(exit)
                ? Effect.logWarning(`effect-codex: handler for ${method} failed`, exit.cause)
                : Effect.void
          )
        ),
        Effect.ignore,
        Effect.withSpan(`ApprovalHandler ${method}`)
      )
    ).pipe(Effect.asVoid)
  }

  /**
   * Handles one line synchronously (responses and notifications, the hot path, need no effect);
   * returns the effect still to run (a diagnostic, a server request, a log), if any.
   */
  const onLine = (line: string): Effect.Effect<void> | undefined => {
    // a JSON-RPC message starts with "{"; only other lines need the whitespace check
    if (line.charCodeAt(0) !== 123 && line.trim() === "") return undefined
    let message: unknown
    try {
      message = JSON.parse(line)
    } catch (cause) {
      return diagnose(
        new Errors.ProtocolError({ message: "invalid JSON-RPC line (not JSON)", line: line.slice(0, 1000), cause })
      )
    }
    if (!isObject(message)) {
      return diagnose(
        new Errors.ProtocolError({ message: "invalid JSON-RPC payload (not an object)", line: line.slice(0, 1000) })
      )
    }
    const method = message.method
    if (typeof method === "string") {
      return "id" in message
        ? onServerRequest(message.id, method, message.params)
        : onNotification(method, message.params)
    }
    if ("id" in message && ("result" in message || "error" in message)) return onResponse(message)
    return diagnose(new Errors.ProtocolError({ message: "unknown JSON-RPC message shape", line: line.slice(0, 1000) }))
  }

  const failAll = (error: Errors.TransportClosedError) =>
    Effect.sync(() => {
      if (closed) return
      closed = error
      for (const { deferred } of pending.values()) Deferred.doneUnsafe(deferred, Effect.fail(error))
      pending.clear()
      for (const q of listeners) Queue.failCauseUnsafe(q, Cause.fail(error))
      listeners.clear()
      for (const state of turns.values()) {
        // spliced out first: failing a queue can run its consumer's `close`, which edits the array
        for (const q of state.subscribers.splice(0)) Queue.failCauseUnsafe(q, Cause.fail(error))
      }
      turns.clear()
      lastTurnId = lastTurn = undefined
      for (const q of diagnosticListeners) Queue.endUnsafe(q)
    })

  /** Handles a batch of lines in order, running an effect only for the lines that return one. */
  const onLines = (lines: ReadonlyArray<string>, from = 0): Effect.Effect<void> => {
    const end = Math.min(lines.length, from + LINES_PER_SLICE)
    for (let i = from; i < end; i++) {
      const effect = onLine(lines[i]!)
      if (effect !== undefined) {
        return i + 1 < lines.length ? Effect.flatMap(effect, () => onLines(lines, i + 1)) : effect
      }
    }
    // a big batch: let the subscribers drain what was routed so far before going on
    return end < lines.length ? Effect.flatMap(Effect.yieldNow, () => onLines(lines, end)) : Effect.void
  }

  const reader = yield* transport.incoming.pipe(
    Stream.runForEachArray((lines) => onLines(lines)),
    Effect.matchEffect({
      onFailure: failAll,
      onSuccess: () => failAll(new Errors.TransportClosedError({ reason: "the app-server closed its output" }))
    }),
    Effect.forkIn(scope)
  )
  yield* Effect.addFinalizer(() =>
    failAll(new Errors.TransportClosedError({ reason: "the client was closed" })).pipe(
      Effect.andThen(Fiber.interrupt(reader))
    )
  )

  // ---------------------------------------------------------------------------
  // Handshake
  // ---------------------------------------------------------------------------

  const clientInfo = options.clientInfo ?? { name: "effect_codex", title: "Effect Codex SDK", version: "0.1.0" }
  const initParams = {
    clientInfo: { name: clientInfo.name, title: clientInfo.title ?? null, version: clientInfo.version },
    capabilities: {
      experimentalApi: options.experimentalApi ?? true,
      ...(options.optOutNotificationMethods ? { optOutNotificationMethods: options.optOutNotificationMethods } : {})
    }
  }
  const initResult = yield* requestEncoded("initialize", initParams, {
    timeout: options.initializeTimeout ?? Duration.seconds(30)
  }).pipe(
    Effect.flatMap((result) =>
      Schema.decodeUnknownEffect(InitializeResponseWithInfo)(result).pipe(
        Effect.mapError((error) =>
          new Errors.ProtocolError({
            message: `unexpected result of initialize: ${error.message}`,
            method: "initialize"
          })
        )
      )
    )
  )
  const metadata = yield* validateMetadata(initResult as Schemas.InitializeResponse & { readonly serverInfo?: unknown })
  yield* notify("initialized")

  return AppServerClient.of({
    metadata,
    serverVersion: metadata.serverInfo.version,
    request,
    requestUnknown,
    notify,
    notifications,
    subscribe,
    diagnostics,
    startTurn,
    subscribeTurn,
    shutdown: failAll
  })
})

/**
 * A layer building the client on the `Transport` in context (the handshake runs when it is built).
 *
 * @example
 * ```ts
 * const Live = AppServerClient.layer({ clientInfo: { name: "my_app", version: "1.0.0" } })
 * ```
 */
export const layer = (options?: Options): Layer.Layer<AppServerClient, RequestError, Transport> =>
  Layer.effect(AppServerClient, make(options))
