/**
 * 10 · Steer or interrupt a running turn.
 *
 * A `TurnHandle` controls a turn while it runs: `handle.steer(input)` adds input to it (the model
 * picks up the new direction in the same turn), `handle.interrupt` stops it (the turn completes
 * with status `interrupted`). The turn's events are collected on a child fiber while the main
 * fiber waits for the first answer delta, then steers or interrupts.
 *
 *     node examples/10-steer-and-interrupt.ts
 */
import { AppServerClient, Codex, Turn } from "@effect-codex/core"
import * as Notification from "@effect-codex/core/Notification"
import { FakeModel } from "@effect-codex/testing"
import { NodeRuntime } from "@effect/platform-node"
import * as Console from "effect/Console"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as Backend from "./_backend.ts"

/**
 * Collects a turn on a child fiber, waits until the model starts answering (or the turn ends),
 * then runs `control` on the handle. Returns the turn's result.
 */
const whileAnswering = <A, E>(handle: Turn.TurnHandle, control: (handle: Turn.TurnHandle) => Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const answering = yield* Deferred.make<void>()
    const events = handle.stream.pipe(
      Stream.tap((event) =>
        !Notification.isUnknown(event) &&
          (event.method === "item/agentMessage/delta" || event.method === "turn/completed")
          ? Deferred.succeed(answering, undefined)
          : Effect.void
      )
    )
    const collecting = yield* Turn.collect(handle.id, handle.threadId, events).pipe(Effect.forkChild)
    yield* Deferred.await(answering)
    yield* control(handle)
    return yield* Fiber.join(collecting)
  })

const program = Effect.gen(function*() {
  const codex = yield* Codex.Codex
  const thread = yield* codex.threadStart()

  // Steer: change direction while the model is answering.
  const essay = yield* thread.turn("Write a long essay about the history of typography.")
  const steered = yield* whileAnswering(
    essay,
    (handle) =>
      handle.steer("Actually, just one sentence about Gutenberg, please.").pipe(
        Effect.tap(() => Console.log("Steered the turn.")),
        Effect.catchTag("InvalidRequestError", (error) => Console.log(`Could not steer: ${error.message}`))
      )
  )
  yield* Console.log(`Steered turn: ${steered.status}: ${steered.finalResponse}`)

  // Interrupt: stop a turn that is taking too long.
  const counting = yield* thread.turn("Count slowly from one to one million.")
  const interrupted = yield* whileAnswering(counting, (handle) =>
    handle.interrupt.pipe(
      Effect.tap(() => Console.log("Interrupted the turn.")),
      Effect.catchTag("InvalidRequestError", (error) => Console.log(`Could not interrupt: ${error.message}`))
    ))
  yield* Console.log(`Interrupted turn: ${interrupted.status}`)
})

program.pipe(
  Effect.provide(Backend.layer({
    script: [
      FakeModel.stall({ text: "Typography begins with", deltas: 1 }),
      FakeModel.message("Gutenberg's movable type press, around 1450, made printed books affordable across Europe."),
      FakeModel.stall({ text: "One, two, three", deltas: 1 })
    ]
  })),
  NodeRuntime.runMain
)
