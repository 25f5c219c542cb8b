/**
 * Interruption reaches the server (issue 11.4), on the REAL `codex app-server` against a stalling
 * FakeModel: when the consumer of a running turn gives up (`Effect.timeout` around `thread.run`,
 * an interrupted fiber consuming `turn.stream`, an interrupted `turn.run`), the SDK sends
 * `turn/interrupt` and waits for the turn to complete, so that `thread/read` reports the turn
 * `interrupted`, not `inProgress`. Ending a stream early by choice (`Stream.take`) leaves the
 * turn running.
 */
import * as Codex from "@effect-codex/core/Codex"
import type * as Thread from "@effect-codex/core/Thread"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import { startThread } from "./helpers.ts"

/** The status `thread/read` reports for a turn. */
const statusOf = (thread: Thread.Thread, turnId: string) =>
  Effect.map(thread.read({ includeTurns: true }), (r) => r.thread.turns.find((t) => t.id === turnId)?.status)

/** The only turn of a thread, as `thread/read` reports it. */
const onlyTurn = (thread: Thread.Thread) =>
  Effect.map(thread.read({ includeTurns: true }), (r) => {
    assert.strictEqual(r.thread.turns.length, 1)
    return r.thread.turns[0]!
  })

describe("interruption reaches the server", () => {
  it.live("thread.run under Effect.timeout: the turn ends interrupted on the server", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.stall({ text: "thinking slowly", deltas: 1 }))
      const thread = yield* startThread()
      const exit = yield* thread.run("answer slowly").pipe(
        // the model request has left: the turn is in progress on the server when the timeout fires
        Effect.timeout("1 second"),
        Effect.exit
      )
      assert.isTrue(exit._tag === "Failure" && Cause.hasFails(exit.cause), "the run timed out")
      assert.strictEqual((yield* model.requests).length, 1)
      // Effect.timeout returns after the interrupted run's finalizer, which waited for turn/completed
      const turn = yield* onlyTurn(thread)
      assert.strictEqual(turn.status, "interrupted")
      // the thread is idle again and takes the next turn
      yield* model.enqueue(FakeModel.message("next"))
      assert.strictEqual((yield* thread.run("next")).finalResponse, "next")
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("a timeout that fires while turn/start awaits its reply still interrupts the turn", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.message("warm"), FakeModel.stall())
      const thread = yield* startThread()
      yield* thread.run("warm up") // the thread exists on disk: thread/read with turns works
      // 1 ms: the timeout fires before the turn/start reply is back (or even before it is sent)
      const exit = yield* thread.run("slow").pipe(Effect.timeout("1 millis"), Effect.exit)
      assert.strictEqual(exit._tag, "Failure")
      const read = yield* thread.read({ includeTurns: true })
      assert.isAtLeast(read.thread.turns.length, 1)
      for (const turn of read.thread.turns) assert.notStrictEqual(turn.status, "inProgress", turn.id)
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("interrupting the fiber that consumes turn.stream interrupts the turn", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.stall({ text: "partial", deltas: 2 }))
      const thread = yield* startThread()
      const handle = yield* thread.turn("stream slowly")
      let seen = 0
      const consumer = yield* handle.stream.pipe(
        Stream.runForEach(() => Effect.sync(() => seen++)),
        Effect.forkChild({ startImmediately: true })
      )
      yield* model.waitForRequests(1)
      assert.strictEqual(yield* statusOf(thread, handle.id), "inProgress")
      yield* Fiber.interrupt(consumer)
      assert.isAbove(seen, 0)
      assert.strictEqual(yield* statusOf(thread, handle.id), "interrupted")
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("interrupting handle.run interrupts the turn, and run then returns at once", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.stall())
      const thread = yield* startThread()
      const handle = yield* thread.turn("run slowly")
      const running = yield* Effect.forkChild(handle.run, { startImmediately: true })
      yield* model.waitForRequests(1)
      yield* Fiber.interrupt(running)
      assert.strictEqual(yield* statusOf(thread, handle.id), "interrupted")
      // the handle's later subscribers see the turn done; the server rejects a second interrupt
      const again = yield* Effect.flip(handle.interrupt)
      assert.strictEqual(again._tag, "InvalidRequestError")
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("ending a stream early by choice (Stream.take) leaves the turn running", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.stall({ text: "one two three", deltas: 2 }))
      const thread = yield* startThread()
      const handle = yield* thread.turn("keep going")
      const first = yield* handle.stream.pipe(Stream.take(1), Stream.runCollect)
      assert.strictEqual(first.length, 1)
      yield* model.waitForRequests(1)
      assert.strictEqual(yield* statusOf(thread, handle.id), "inProgress")
      // an explicit interrupt still ends it
      yield* handle.interrupt
      const result = yield* handle.run
      assert.strictEqual(result.status, "interrupted")
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("a consumer interrupted after the turn completed sends nothing", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const codex = yield* Codex.Codex
      yield* model.enqueue(FakeModel.message("done"), FakeModel.message("second"))
      const thread = yield* startThread()
      const handle = yield* thread.turn("quick")
      const result = yield* handle.run
      assert.strictEqual(result.status, "completed")
      // a second thread turn runs while a consumer of the first handle is interrupted: the first
      // handle knows its turn is done and must not interrupt anything
      const second = yield* thread.turn("second")
      const consumer = yield* handle.stream.pipe(Stream.runDrain, Effect.forkChild({ startImmediately: true }))
      yield* Fiber.interrupt(consumer)
      const secondResult = yield* second.run
      assert.strictEqual(secondResult.status, "completed")
      assert.strictEqual(secondResult.finalResponse, "second")
      assert.strictEqual((yield* codex.client.request("thread/read", { threadId: thread.id })).thread.id, thread.id)
    }).pipe(Effect.provide(CodexTest.layer())))
})
