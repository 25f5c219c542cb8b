/**
 * An in-memory app-server: a `Transport` whose requests are answered by scripted handlers, and a
 * control service to emit notifications, server requests, raw lines, or a crash. For fast unit
 * tests of code built on the SDK, with no process and no model.
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import * as Layer from "effect/Layer"
 * import { AppServerClient } from "@effect-codex/core"
 * import { FakeAppServer } from "@effect-codex/testing"
 *
 * const Test = AppServerClient.layer().pipe(
 *   Layer.provideMerge(FakeAppServer.layer({
 *     handlers: { "thread/start": () => Effect.succeed({ thread: { id: "t1" } }) }
 *   }))
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Errors from "@effect-codex/core/Errors"
import { Transport } from "@effect-codex/core/Transport"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"

/** A JSON-RPC error a handler can fail with; it is sent as the response's `error`. */
export interface RpcFailure {
  readonly code: number
  readonly message: string
  readonly data?: unknown
}

/** A request handler: the result to answer with, or an `RpcFailure`. */
export type Handler = (
  params: unknown,
  request: { readonly id: unknown; readonly method: string; readonly server: Service }
) => Effect.Effect<unknown, RpcFailure>

/** Options of the fake. */
export interface Options {
  /** Handlers by method. `initialize` has a default answer; other unknown methods get -32601. */
  readonly handlers?: Readonly<Record<string, Handler>> | undefined
  /** The `initialize` result (default: a valid codex-cli 0.171.0 answer). */
  readonly initialize?: unknown
}

/** A message the client wrote. */
export type Received = Readonly<Record<string, unknown>>

/** The control side of the fake. */
export interface Service {
  /** Sends a message to the client (a notification, a response, a server request). */
  readonly emit: (message: object) => Effect.Effect<void>
  /** Sends a raw line (it need not be JSON). */
  readonly emitRaw: (line: string) => Effect.Effect<void>
  /** Sends a notification. */
  readonly notify: (method: string, params: unknown) => Effect.Effect<void>
  /** Sends a server → client request and waits for the client's answer (`result` or `error`). */
  readonly serverRequest: (method: string, params: unknown) => Effect.Effect<Received>
  /** Every message the client wrote, in order. */
  readonly received: Effect.Effect<ReadonlyArray<Received>>
  /** Waits for the first message (already received or future) that satisfies the predicate. */
  readonly waitFor: (predicate: (message: Received) => boolean) => Effect.Effect<Received>
  /** Simulates the process dying: the transport's incoming stream fails with this error. */
  readonly crash: (error?: Errors.TransportClosedError) => Effect.Effect<void>
}

/** The `FakeAppServer` control service. */
export class FakeAppServer extends Context.Service<FakeAppServer, Service>()("@effect-codex/testing/FakeAppServer") {}

/** A valid `initialize` result. */
export const defaultInitialize = {
  userAgent: "effect_codex/0.171.0 (Fake; test) fake (effect_codex; 0.1.0)",
  codexHome: "/tmp/fake-codex-home",
  platformFamily: "unix",
  platformOs: "linux",
  serverInfo: { name: "codex-cli", version: "0.171.0" }
}

/**
 * A valid `Thread` for handler answers (`thread/start`, `thread/read`, …), with `overrides` on top.
 *
 * @example
 * ```ts
 * FakeAppServer.layer({ handlers: { "thread/read": () => Effect.succeed({ thread: FakeAppServer.thread("t1") }) } })
 * ```
 */
export const thread = (id: string, overrides: Readonly<Record<string, unknown>> = {}) => ({
  id,
  cliVersion: "0.171.0",
  createdAt: 1,
  cwd: "/tmp",
  ephemeral: false,
  modelProvider: "mock",
  preview: "",
  projectId: null,
  sessionId: "session",
  source: "appServer",
  status: { type: "idle" },
  turns: [],
  updatedAt: 1,
  ...overrides
})

/** A valid `Turn` (default status `inProgress`, no items), with `overrides` on top. */
export const turn = (id: string, overrides: Readonly<Record<string, unknown>> = {}) => ({
  id,
  items: [],
  status: "inProgress",
  error: null,
  startedAt: null,
  completedAt: null,
  durationMs: null,
  ...overrides
})

interface Waiter {
  readonly predicate: (message: Received) => boolean
  readonly deferred: Deferred.Deferred<Received>
}

/** Builds the fake: its control service and the `Transport` the client uses. */
export const make = Effect.fn("FakeAppServer.make")(function*(options: Options = {}) {
  const incoming = yield* Queue.unbounded<string, Errors.TransportClosedError | Cause.Done>()
  const received: Array<Received> = []
  const waiters = new Set<Waiter>()
  const serverPending = new Map<number, Deferred.Deferred<Received>>()
  let nextServerId = 0
  let crashed: Errors.TransportClosedError | undefined

  const emitRaw = (line: string) => Effect.asVoid(Queue.offer(incoming, line))
  const emit = (message: object) => emitRaw(JSON.stringify(message))

  const answer = (message: Received) => {
    const method = message.method as string
    const handler = options.handlers?.[method] ??
      (method === "initialize" ? () => Effect.succeed(options.initialize ?? defaultInitialize) : undefined)
    const run: Effect.Effect<unknown, RpcFailure> = handler
      ? handler(message.params, { id: message.id, method, server: control })
      : Effect.fail({ code: -32601, message: `method not found: ${method}` })
    return run.pipe(
      Effect.matchEffect({
        onFailure: (error) => emit({ id: message.id, error }),
        onSuccess: (result) => emit({ id: message.id, result })
      })
    )
  }

  const send = (line: string): Effect.Effect<void, Errors.TransportClosedError> =>
    Effect.suspend(() => {
      if (crashed) return Effect.fail(crashed)
      const message = JSON.parse(line) as Received
      received.push(message)
      for (const w of waiters) {
        if (w.predicate(message)) {
          waiters.delete(w)
          Deferred.doneUnsafe(w.deferred, Effect.succeed(message))
        }
      }
      if (typeof message.method === "string" && "id" in message) {
        return Effect.forkDetach(answer(message)).pipe(Effect.asVoid)
      }
      if (!("method" in message) && typeof message.id === "number") {
        const d = serverPending.get(message.id)
        if (d) {
          serverPending.delete(message.id)
          Deferred.doneUnsafe(d, Effect.succeed(message))
        }
      }
      return Effect.void
    })

  const waitFor = (predicate: (message: Received) => boolean) =>
    Effect.suspend(() => {
      const found = received.find(predicate)
      if (found) return Effect.succeed(found)
      const deferred = Deferred.makeUnsafe<Received>()
      waiters.add({ predicate, deferred })
      return Deferred.await(deferred)
    })

  const serverRequest = (method: string, params: unknown) =>
    Effect.suspend(() => {
      const id = nextServerId++
      const deferred = Deferred.makeUnsafe<Received>()
      serverPending.set(id, deferred)
      return emit({ id, method, params }).pipe(Effect.andThen(Deferred.await(deferred)))
    })

  const crash = (error?: Errors.TransportClosedError) =>
    Effect.suspend(() => {
      crashed = error ?? new Errors.TransportClosedError({ reason: "the fake app-server crashed", exitCode: 1 })
      return Queue.failCause(incoming, Cause.fail(crashed))
    }).pipe(Effect.asVoid)

  const control = FakeAppServer.of({
    emit,
    emitRaw,
    notify: (method, params) => emit({ method, params }),
    serverRequest,
    received: Effect.sync(() => [...received]),
    waitFor,
    crash
  })
  const transport = Transport.of({ send, incoming: Stream.fromQueue(incoming) })
  return { control, transport }
})

/**
 * A layer providing both the in-memory `Transport` and the `FakeAppServer` control service.
 */
export const layer = (options?: Options): Layer.Layer<FakeAppServer | Transport> =>
  Layer.effectContext(
    Effect.map(make(options), ({ control, transport }) =>
      Context.make(FakeAppServer, control).pipe(Context.add(Transport, transport)))
  )
