/**
 * Building blocks of the fault tests on the real app-server, over stdio (integration/faults) and
 * over the socket transports (transports/faults): a turn the model keeps open, and the check that a
 * fiber failed because the connection dropped.
 */
import * as Codex from "@effect-codex/core/Codex"
import type * as Errors from "@effect-codex/core/Errors"
import * as Notification from "@effect-codex/core/Notification"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import { assert } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"

const isDelta = Notification.is("item/agentMessage/delta")

/**
 * Starts a turn whose model stalls after its first delta, and returns once that delta arrived:
 * the thread, the turn's handle, and the fiber draining the turn's stream (the first run of
 * `handle.stream`, which replays from the start of the turn; it ends only when the turn fails).
 */
export const stalledTurn = Effect.gen(function*() {
  const codex = yield* Codex.Codex
  const model = yield* FakeModel.FakeModel
  const { workspace } = yield* CodexTest.CodexTest
  yield* model.enqueue(FakeModel.stall({ text: "Thinking forever", deltas: 1 }))
  const thread = yield* codex.threadStart({ cwd: workspace })
  const handle = yield* thread.turn("take your time")
  const firstDelta = yield* Deferred.make<void>()
  const stream = yield* handle.stream.pipe(
    Stream.tap((e) => (isDelta(e) ? Deferred.succeed(firstDelta, undefined) : Effect.void)),
    Stream.runDrain,
    Effect.forkChild({ startImmediately: true })
  )
  yield* Deferred.await(firstDelta)
  return { thread, handle, stream }
})

/**
 * Checks that `fiber` fails with a `TransportClosedError` within 20 s (after the server was
 * killed), and returns that error; `what` names the fiber in the failure messages.
 */
export const expectTransportClosed = Effect.fnUntraced(function*(fiber: Fiber.Fiber<unknown, unknown>, what: string) {
  const result = yield* Fiber.join(fiber).pipe(
    Effect.result,
    Effect.timeoutOrElse({
      duration: "20 seconds",
      orElse: () => Effect.die(`${what} hung after the server was killed`)
    })
  )
  if (Result.isSuccess(result)) return assert.fail(`${what} succeeded after the server was killed`)
  const error = result.failure as { readonly _tag?: unknown } | undefined
  assert.strictEqual(error?._tag, "TransportClosedError", `${what}: ${String(error)}`)
  return error as Errors.TransportClosedError
})
