/**
 * The `Thread` a `Codex` hands out: a thread id bound to the client.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type * as Schema from "effect/Schema"
import type * as AppServerClient from "../AppServerClient.ts"
import * as Errors from "../Errors.ts"
import type * as Inputs from "../Inputs.ts"
import type * as Thread from "../Thread.ts"
import * as Turn from "../Turn.ts"
import * as Collect from "./collect.ts"
import * as Params from "./params.ts"
import * as ThreadTools from "./threadTools.ts"

/** Makes an effect interruptible again inside an `Effect.uninterruptibleMask`. */
type Restore = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/**
 * Sends `turn/start`; to be run inside an `Effect.uninterruptibleMask`, so that the turn, once
 * started, reaches the caller's next step without a gap. A caller interrupted while waiting for
 * the reply (the turn may already run on the server) still gets the turn stopped: the reply is
 * awaited (at most the interrupt grace) and the turn interrupted, uninterruptibly.
 */
const startTurn = (
  client: AppServerClient.Service,
  threadId: string,
  params: Parameters<AppServerClient.Service["startTurn"]>[0],
  restore: Restore
) =>
  Effect.flatMap(Effect.forkDetach(client.startTurn(params)), (fiber) =>
    restore(Fiber.join(fiber)).pipe(
      Effect.onInterrupt(() =>
        Fiber.join(fiber).pipe(
          Effect.timeout(Collect.interruptGrace),
          Effect.flatMap((started) =>
            Effect.andThen(started.subscription.close, Collect.stopTurn(client, threadId, started.turn.id))
          ),
          Effect.ignore
        )
      )
    ))

/** A handle on an existing thread id (no request is sent). */
export const make = (client: AppServerClient.Service, id: string): Thread.Thread => {
  /** Checks the options (interruptibly), then starts the turn; run inside `Effect.uninterruptibleMask`. */
  const start = Effect.fnUntraced(function*(restore: Restore, input: Inputs.RunInput, options: Thread.TurnOptions) {
    const params = yield* restore(Params.turnStartParams(client, id, input, options))
    const idleTimeout = yield* Params.duration("idleTimeout", options.idleTimeout)
    ThreadTools.setMode(client, id, options.approvalMode)
    const started = yield* startTurn(client, id, params, restore)
    return Collect.makeStoppableHandle(client, id, started.turn.id, started.subscription, { idleTimeout })
  })
  const turn = Effect.fn("Thread.turn")(function*(input: Inputs.RunInput, options: Thread.TurnOptions = {}) {
    return yield* Effect.uninterruptibleMask((restore) => Effect.map(start(restore, input, options), (s) => s.handle))
  })
  const run = Effect.fn("Thread.run")(function*(input: Inputs.RunInput, options: Thread.TurnOptions = {}) {
    // one uninterruptible region from the start to the collection: no gap where an interruption
    // would drop a started turn
    const result = yield* Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(
        start(restore, input, options),
        ({ handle, stop }) => restore(handle.run).pipe(Effect.onInterrupt(() => stop))
      )
    )
    return Params.isEffectSchema(options.outputSchema)
      ? yield* Turn.decodeOutput(result, options.outputSchema as Schema.Codec<unknown, unknown, never>)
      : result
  })
  return {
    id,
    run: run as Thread.Thread["run"],
    turn,
    read: Effect.fn("Thread.read")(function*(options?: { readonly includeTurns?: boolean | undefined }) {
      return yield* client.request("thread/read", { threadId: id, includeTurns: options?.includeTurns ?? false })
    }),
    setName: Effect.fn("Thread.setName")(function*(name: string) {
      if (typeof name !== "string") {
        return yield* new Errors.InvalidOptionError({ option: "name", message: "name must be a string" })
      }
      return yield* client.request("thread/name/set", { threadId: id, name })
    }),
    compact: client.request("thread/compact/start", { threadId: id }).pipe(Effect.withSpan("Thread.compact"))
  }
}
