/**
 * The `CodexThread` entity on effect's in-memory `TestRunner` (memory message storage, thread
 * records in an in-memory SQLite), on the REAL `codex app-server` against a FakeModel: one Codex
 * thread per key, opened once; named, compacted and read through the entity; a turn asked again
 * by its key is read back (`Result`) instead of run twice; two keys are two threads.
 */
import * as CodexCluster from "@effect-codex/cluster/CodexCluster"
import * as CodexThread from "@effect-codex/cluster/CodexThread"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { assert, describe, it } from "@effect/vitest"
import * as TestRunner from "effect/cluster/TestRunner"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"

const codex = CodexTest.layer()
const codexHome = Effect.gen(function*() {
  return (yield* CodexTest.CodexTest).codexHome
})
const Live = Layer.merge(CodexCluster.layer(), CodexThread.layer({ codexHome })).pipe(
  Layer.provide(codex),
  Layer.provide(TestRunner.layer),
  Layer.provide(SqliteClient.layer({ filename: ":memory:" })),
  Layer.provideMerge(codex)
)

describe("CodexThread on TestRunner", () => {
  it.live("one Codex thread per key: open, name, read, compact; two keys are two threads", () =>
    Effect.gen(function*() {
      const one = yield* CodexCluster.thread("unit-1")
      const id = yield* one.open
      assert.strictEqual(yield* one.open, id)
      yield* one.setName("the first one")
      const read = yield* one.read()
      assert.strictEqual(read.thread.id, id)
      assert.strictEqual(read.thread.name, "the first one")
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.message("hello"), FakeModel.message("a summary"))
      yield* one.run("hi")
      yield* one.compact
      yield* model.waitForRequests(2)
      const other = yield* CodexCluster.thread("unit-2")
      assert.notStrictEqual(yield* other.open, id)
    }).pipe(Effect.provide(Live)))

  it.live("a turn asked again by its key is read back: its chunks are not replayed, its result is the last chunk", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.message("computed once"))
      const thread = yield* CodexCluster.thread("unit-3")
      const first = yield* Stream.runCollect(thread.stream("compute", { idempotencyKey: "k-1" }))
      const again = yield* Stream.runCollect(thread.stream("compute", { idempotencyKey: "k-1" }))
      assert.deepStrictEqual(again.map((c) => c._tag), ["Completed"])
      const [last] = again
      const firstLast = first[first.length - 1]!
      assert.strictEqual(last!._tag, "Completed")
      if (last!._tag === "Completed" && firstLast._tag === "Completed") {
        assert.strictEqual(last!.result.id, firstLast.result.id)
        assert.strictEqual(last!.result.finalResponse, "computed once")
      }
      // a handle on the same key: its result at once, the same turn id
      const handle = yield* thread.turn("compute", { idempotencyKey: "k-1" })
      const result = yield* handle.run
      assert.strictEqual(handle.id, result.id)
      assert.strictEqual(result.finalResponse, "computed once")
      assert.strictEqual(yield* model.requestCount, 1)
    }).pipe(Effect.provide(Live)))

  it.live("a failed turn fails the caller with TurnFailedError; steer without a turn is NoActiveTurnError", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.failed("the model broke"))
      const thread = yield* CodexCluster.thread("unit-4")
      const failure = yield* Effect.flip(thread.run("try"))
      assert.strictEqual(failure._tag, "TurnFailedError")
      const steer = yield* Effect.flip(thread.steer("more"))
      assert.strictEqual(steer._tag, "NoActiveTurnError")
    }).pipe(Effect.provide(Live)))
})
