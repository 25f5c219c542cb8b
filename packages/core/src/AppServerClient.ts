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
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberSet from "effect/FiberSet"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as ApprovalHandler from "./ApprovalHandler.ts"
import * as Errors from "./Errors.ts"
import type * as Protocol from "./generated/Protocol.ts"
import type * as Schemas from "./generated/Schemas.ts"
import * as ClientOptions from "./internal/clientOptions.ts"
import * as Diagnostics from "./internal/diagnostics.ts"
import * as Incoming from "./internal/incoming.ts"
import * as Metadata_ from "./internal/metadata.ts"
import * as NotificationHub from "./internal/notificationHub.ts"
import * as Outgoing from "./internal/outgoing.ts"
import * as PendingRequests from "./internal/pendingRequests.ts"
import * as ServerRequests from "./internal/serverRequests.ts"
import * as ToolRegistry from "./internal/toolRegistry.ts"
import * as TurnAdmission from "./internal/turnAdmission.ts"
import * as TurnRouter from "./internal/turnRouter.ts"
import * as TurnSubscriptions from "./internal/turnSubscriptions.ts"
import type * as Notification from "./Notification.ts"
import { Transport } from "./Transport.ts"

// =============================================================================
// Models
// =============================================================================

/** The initialize response, validated: `serverInfo` is always filled (from `userAgent` if the server left it out). */
export interface Metadata extends Schemas.InitializeResponse {
  readonly serverInfo: { readonly name: string; readonly version: string }
}

/** Errors a request can fail with. */
export type RequestError = Errors.RequestError

/** Per-request options. */
export interface RequestOptions {
  /**
   * The deadline of this request, from the moment it is written (default: the client's
   * `requestTimeout`); `Duration.infinity` waits for ever.
   */
  readonly timeout?: Duration.Input | undefined
}

/** The events of one turn, from the moment of subscription; the stream ends after `turn/completed`. */
export interface TurnSubscription {
  readonly turnId: string
  readonly events: Stream.Stream<Notification.Notification, Errors.TransportClosedError>
  /** Stops routing to this subscription and drops what it buffered. */
  readonly close: Effect.Effect<void>
}

/**
 * The default in-flight window: 64 outstanding requests per client.
 *
 * Why 64: the app-server (codex-rs `app-server/src/transport`, 0.169.0) reads each connection
 * into a bounded channel of `CHANNEL_CAPACITY = 128` messages and writes through another one of
 * 128. When the incoming channel is full it answers a request with -32001 "Server overloaded" —
 * but only with `try_send` on the outgoing channel: when that one is full too, the overload reply
 * is dropped (a warning in its log), and the caller never hears back. A burst of cheap requests
 * fills both (the replies queue up behind the requests still being read), so without a window
 * 1,000 concurrent `thread/list` lost 14 % of their replies and 5,000 lost 49 %. With at most 64
 * requests outstanding the incoming channel never holds more than half its capacity in requests,
 * which leaves the other half for our notifications and our answers to the server's own requests
 * (approvals), and the outgoing channel never holds more than 64 replies. 64 is also far above what
 * the server can use: it serves requests of one connection one after another, so a deeper pipe
 * only adds queueing on its side instead of ours (ours is fair and bounded by our memory).
 */
export const defaultMaxInFlight = 64

/**
 * The default admission limit of turn starts: 2 turns "starting" at once per client.
 *
 * Why: the app-server spends ~130 ms of its CPU on a turn before the model request leaves (and
 * ~0 while it waits on the model), and serves a burst head-of-line: 500 turns started at once
 * (model answering after 2 s) all completed together at ~39 s, none early. Measured with a raw
 * driver on a 2-core machine (100 turns, 2 s model latency; p10 / p50 / throughput): no admission
 * 11.8 s / 12.0 s / 7.35 turns/s; limit 1 3.2 / 8.1 / 7.65; limit 2 3.1 / 5.8 / 11.3; limit 4
 * 4.0 / 6.5 / 10.7; limit 8 4.1 / 7.7 / 9.6. One turn at a time leaves the server idle between
 * turns (the reply and the next write cross the pipe); two keep it busy without letting a burst
 * pile up inside it; more only brings the head-of-line effect back. See bench/RESULTS.md
 * ("Turn admission") for the 500-turn burst.
 */
export const defaultMaxStartingTurns = 2

/**
 * The default safety deadline of a starting turn (5 seconds from the `turn/start` write): past it
 * the permit is released even if the server never said the start-up was done. Start-up takes
 * ~0.1–1 s under load; the deadline only bounds the damage of a server that never emits the marker
 * (the gate then still lets a turn in every 5 s per permit).
 */
export const defaultStartingTurnTimeout: Duration.Duration = Duration.seconds(5)

/** The default deadline of a request (60 seconds). */
export const defaultRequestTimeout: Duration.Duration = Duration.seconds(60)

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
  /**
   * The deadline of every request, `turn/start`'s reply included (not the turn: a turn may run for
   * hours, see `idleTimeout`), counted from the moment the request is written: time spent queued
   * behind the in-flight window does not count. Default 60 seconds; `Duration.infinity` disables it.
   * A request past its deadline fails with `TimeoutError` naming the method and the request id; a
   * reply that comes later is dropped.
   */
  readonly requestTimeout?: Duration.Input | undefined
  /** Timeout of the `initialize` handshake (default 30 seconds). */
  readonly initializeTimeout?: Duration.Input | undefined
  /**
   * The most requests outstanding at once (default {@link defaultMaxInFlight}); the others wait
   * in a FIFO queue. Notifications and answers to server requests never wait. `Infinity` disables it.
   */
  readonly maxInFlight?: number | undefined
  /**
   * Admission of turn starts: at most this many turns are "starting" at once (sent with
   * `turn/start`, their start-up on the server not done yet); other `startTurn` calls wait in a
   * FIFO queue (interruptibly). A turn stops starting at the `item/completed` of its user message
   * (the last event before the server sends the model request), its `turn/completed`, the
   * failure of its `turn/start`, the connection closing, or `startingTurnTimeout`. Only the
   * start-up is limited: any number of turns run at once. Default {@link defaultMaxStartingTurns};
   * `Infinity` turns admission off.
   */
  readonly maxStartingTurns?: number | undefined
  /** The safety deadline of a starting turn's permit (default {@link defaultStartingTurnTimeout}). */
  readonly startingTurnTimeout?: Duration.Input | undefined
  /** How many undecodable lines are logged one by one before only a periodic count is (default 10). */
  readonly maxDiagnosticLogs?: number | undefined
}

/** The client service. */
export interface Service {
  /** The validated `initialize` response. */
  readonly metadata: Metadata
  /** The server's version (`serverInfo.version`), used to gate newer options. */
  readonly serverVersion: string
  /**
   * Sends a typed request: `params` are encoded with the method's schema first (bad params, or a
   * string that is not well-formed UTF-16, fail with `InvalidOptionError` and nothing is sent),
   * the result is decoded with its schema.
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
  readonly notify: (
    method: string,
    params?: unknown
  ) => Effect.Effect<void, Errors.TransportClosedError | Errors.InvalidOptionError>
  /** Every server notification from the moment the stream starts. */
  readonly notifications: Stream.Stream<Notification.Notification, Errors.TransportClosedError>
  /**
   * Subscribes to every notification now; the subscription lives as long as the scope. Use it when
   * no event between now and the consumption of the stream may be lost (e.g. around a login).
   */
  readonly subscribe: Effect.Effect<
    Stream.Stream<Notification.Notification, Errors.TransportClosedError>,
    never,
    Scope.Scope
  >
  /** Lines that could not be understood (not JSON, not an object, params that do not match their schema). */
  readonly diagnostics: Stream.Stream<Errors.ProtocolError>
  /**
   * Starts a turn (`turn/start`) and subscribes to its events with no loss: events that arrive
   * before the response are kept for it. The reply has the request deadline; the turn does not.
   * The request first waits (FIFO, interruptibly) for admission: see `Options.maxStartingTurns`.
   */
  readonly startTurn: (
    params: Protocol.ClientRequestParams<"turn/start">,
    options?: RequestOptions
  ) => Effect.Effect<{ readonly turn: Schemas.Turn; readonly subscription: TurnSubscription }, RequestError>
  /** Subscribes to the events of a turn from now on (a late subscriber sees events from this point). */
  readonly subscribeTurn: (turnId: string) => Effect.Effect<TurnSubscription>
}

/**
 * The `AppServerClient` service.
 */
export class AppServerClient extends Context.Service<AppServerClient, Service>()(
  "@effect-codex/core/AppServerClient"
) {}

// =============================================================================
// Implementation
// =============================================================================

/**
 * Builds the client on the `Transport` in context and performs the handshake. The reading fiber
 * and every handler fiber live in the current scope.
 */
export const make = Effect.fnUntraced(function*(options: Options = {}) {
  const transport = yield* Transport
  const approvals = yield* ApprovalHandler.ApprovalHandler
  const scope = yield* Effect.scope

  const maxInFlight = yield* ClientOptions.limit("maxInFlight", options.maxInFlight, defaultMaxInFlight)
  const maxStartingTurns = yield* ClientOptions.limit(
    "maxStartingTurns",
    options.maxStartingTurns,
    defaultMaxStartingTurns
  )
  const startingTurnTimeout = yield* ClientOptions.timeout(
    "startingTurnTimeout",
    options.startingTurnTimeout,
    defaultStartingTurnTimeout
  )
  const requestTimeout = yield* ClientOptions.timeout("requestTimeout", options.requestTimeout, defaultRequestTimeout)
  const initializeTimeout = yield* ClientOptions.timeout(
    "initializeTimeout",
    options.initializeTimeout,
    Duration.seconds(30)
  )

  let closed: Errors.TransportClosedError | undefined
  const hub = NotificationHub.make()
  const diagnostics = Diagnostics.make(options.maxDiagnosticLogs ?? 10)
  const diagnose = diagnostics.diagnose
  const router = TurnRouter.make()
  const turns = TurnSubscriptions.make(router)
  const admission = TurnAdmission.make({ maxStartingTurns, startingTurnTimeout, scope })
  const pending = PendingRequests.make({ send: transport.send, maxInFlight, timeout: requestTimeout })
  const tools = ToolRegistry.make({ experimentalApi: options.experimentalApi ?? true, approvals })

  // ---------------------------------------------------------------------------
  // Outgoing
  // ---------------------------------------------------------------------------

  const { write, call, requestWith, request, requestUnknown, notify } = Outgoing.make({
    send: transport.send,
    pending,
    closed: () => closed
  })

  // ---------------------------------------------------------------------------
  // Subscriptions and turns
  // ---------------------------------------------------------------------------

  const notifications = Stream.unwrap(hub.subscribe)

  /** `turn/start` through admission, subscribed with no loss of the events before its reply. */
  const startTurn = (params: Protocol.ClientRequestParams<"turn/start">, requestOptions?: RequestOptions) => {
    const send = (beforeSend: () => void) => requestWith("turn/start", params, requestOptions, beforeSend)
    return admission.admit(params.threadId, (onSend) => turns.start(params.threadId, onSend, send)).pipe(
      Effect.withSpan("AppServerClient.startTurn", undefined, Outgoing.traceOptions)
    )
  }

  // ---------------------------------------------------------------------------
  // Incoming
  // ---------------------------------------------------------------------------

  const onLines = Incoming.make({
    onNotification: (method, rawParams, notification) => {
      hub.publish(notification)
      router.route(method, rawParams, notification)
      admission.onEvent(method, rawParams)
      if (method === "turn/completed") tools.turnCompleted((rawParams as { turn: { id: string } }).turn.id)
    },
    onServerRequest: ServerRequests.make({
      approvals,
      tools,
      write,
      diagnose,
      fibers: yield* FiberSet.make<unknown, never>()
    }),
    onResponse: pending.onResponse,
    diagnose
  })

  const failAll = (error: Errors.TransportClosedError) =>
    Effect.sync(() => {
      if (closed) return
      closed = error
      pending.failAll(error)
      admission.close(error)
      hub.fail(error)
      router.failAll(error)
      diagnostics.close()
    })

  const reader = yield* transport.incoming.pipe(
    Stream.runForEachArray(onLines),
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
  const metadata = yield* call("initialize", initParams, { timeout: initializeTimeout }).pipe(
    Effect.flatMap(Metadata_.fromInitializeResult)
  )
  yield* notify("initialized")

  const service = AppServerClient.of({
    metadata,
    serverVersion: metadata.serverInfo.version,
    request,
    requestUnknown,
    notify,
    notifications,
    subscribe: hub.subscribe,
    diagnostics: diagnostics.stream,
    startTurn,
    subscribeTurn: turns.subscribe
  })
  ToolRegistry.attach(service, tools)
  return service
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
