/**
 * The embedded cluster (SingleRunner + a SQLite file) on the REAL `codex app-server` against a
 * FakeModel: a thread by key runs turns, streams numbered chunks, is steered and interrupted while
 * its turn streams, dedupes a turn by idempotency key, and keeps its history and persisted replies
 * when the cluster is rebuilt on a fresh app-server (a new CODEX_HOME) over the same database.
 */
import * as ClusterErrors from "@effect-codex/cluster/ClusterErrors"
import * as CodexCluster from "@effect-codex/cluster/CodexCluster"
import * as Turn from "@effect-codex/core/Turn"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import * as FakeModelRequest from "@effect-codex/testing/FakeModelRequest"
import * as NodeCrypto from "@effect/platform-node/NodeCrypto"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { assert, describe, it } from "@effect/vitest"
import * as SingleRunner from "effect/cluster/SingleRunner"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

/** A fresh database file in a temporary directory, removed with the scope. */
const tempDb = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "cluster-embedded-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
).pipe(Effect.map((dir) => path.join(dir, "cluster.db")))

/** The embedded cluster on a fresh real app-server (its own CODEX_HOME) and FakeModel, over `file`. */
const embedded = (file: string) => {
  const codex = CodexTest.layer()
  const codexHome = Effect.gen(function*() {
    return (yield* CodexTest.CodexTest).codexHome
  })
  return CodexCluster.layerEmbedded({ file, codex, runner: { codexHome } }).pipe(Layer.provideMerge(codex))
}

/** A runner that serves no `CodexThread` entity: messages to threads are never answered. */
const SingleRunnerOnly = (file: string) =>
  SingleRunner.layer({ shardingConfig: CodexCluster.shardingDefaults }).pipe(
    Layer.provide([SqliteClient.layer({ filename: file }), NodeCrypto.layerDigest])
  )

const withCluster = <A, E>(file: string, body: Effect.Effect<A, E, CodexCluster.CodexCluster | FakeModel.FakeModel>) =>
  Effect.scoped(Effect.provide(body, embedded(file)))

/** `body` on a fresh embedded cluster (its own database). */
const inFreshCluster = <A, E>(body: Effect.Effect<A, E, CodexCluster.CodexCluster | FakeModel.FakeModel>) =>
  Effect.scoped(Effect.flatMap(tempDb, (file) => withCluster(file, body)))

describe("CodexCluster.layerEmbedded", () => {
  it.live("runs a turn by thread key, streams numbered chunks, reads the thread", () =>
    inFreshCluster(Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.message("first answer"), FakeModel.message("second answer", { deltas: 3 }))
      const thread = yield* CodexCluster.thread("task-1")
      const result = yield* thread.run("first question")
      assert.strictEqual(result.status, "completed")
      assert.strictEqual(result.finalResponse, "first answer")

      const chunks = yield* Stream.runCollect(thread.stream("second question"))
      assert.deepStrictEqual(chunks.map((c) => c.seq), chunks.map((_, i) => i + 1))
      assert.strictEqual(chunks[0]!._tag, "Started")
      const last = chunks[chunks.length - 1]!
      assert.strictEqual(last._tag, "Completed")
      if (last._tag === "Completed") assert.strictEqual(last.result.finalResponse, "second answer")
      const deltas = chunks.flatMap((c) =>
        c._tag === "Event" && Turn.isTextDelta(c.event) ? [c.event.params.delta] : []
      )
      assert.strictEqual(deltas.join(""), "second answer")

      const read = yield* thread.read({ includeTurns: true })
      assert.deepStrictEqual(read.thread.turns.map((t) => t.status), ["completed", "completed"])
      const requests = yield* model.requests
      assert.strictEqual(FakeModelRequest.lastUserText(requests[1]!), "second question")
    })))

  it.live("the same idempotency key is the same turn: the stored result, no second model request", () =>
    inFreshCluster(Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.message("only once"))
      const thread = yield* CodexCluster.thread("task-dedupe")
      const first = yield* thread.run("do it", { idempotencyKey: "job-7" })
      const again = yield* thread.run("do it", { idempotencyKey: "job-7" })
      assert.strictEqual(again.id, first.id)
      assert.strictEqual(again.finalResponse, "only once")
      assert.strictEqual(yield* model.requestCount, 1)
    })))

  it.live("steer and interrupt reach a thread whose turn is streaming", () =>
    inFreshCluster(Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.stall({ text: "thinking", deltas: 1 }))
      const thread = yield* CodexCluster.thread("task-steer")
      const idle = yield* Effect.exit(thread.interrupt)
      assert.isTrue(Exit.isFailure(idle))
      if (Exit.isFailure(idle)) {
        assert.include(String(idle.cause), "NoActiveTurnError")
      }
      const handle = yield* thread.turn("take your time")
      // the model request has left: the turn streams on the server
      yield* model.waitForRequests(1)
      const steered = yield* thread.steer("also mention the tests")
      assert.strictEqual(steered.turnId, handle.id)
      yield* handle.interrupt
      const result = yield* handle.run
      assert.strictEqual(result.status, "interrupted")
    })))

  it.live("blank keys and bad input fail before anything is sent", () =>
    inFreshCluster(Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const blank = yield* Effect.flip(CodexCluster.thread("  "))
      assert.strictEqual(blank.option, "threadKey")
      const thread = yield* CodexCluster.thread("task-input")
      const badKey = yield* Effect.flip(thread.run("hi", { idempotencyKey: "" }))
      assert.strictEqual(badKey._tag, "InvalidOptionError")
      const badInput = yield* Effect.flip(thread.run({ _tag: "Nonsense" } as never))
      assert.strictEqual(badInput._tag, "InvalidOptionError")
      const badIdle = yield* Effect.flip(thread.run("hi", { idleTimeout: -1 }))
      assert.strictEqual(badIdle._tag, "InvalidOptionError")
      assert.strictEqual(yield* model.requestCount, 0)
    })))

  it.live("history and persisted replies survive a rebuild on a fresh app-server over the same database", () =>
    Effect.gen(function*() {
      const file = yield* tempDb
      const first = yield* withCluster(
        file,
        Effect.gen(function*() {
          const model = yield* FakeModel.FakeModel
          yield* model.enqueue(FakeModel.message("noted: PINEAPPLE"))
          const thread = yield* CodexCluster.thread("task-restart")
          return yield* thread.run("remember the word PINEAPPLE", { idempotencyKey: "restart-1" })
        })
      )
      yield* withCluster(
        file,
        Effect.gen(function*() {
          const model = yield* FakeModel.FakeModel
          yield* model.enqueue(FakeModel.message("it was PINEAPPLE"))
          const thread = yield* CodexCluster.thread("task-restart")
          // the persisted reply: no model request
          const stored = yield* thread.run("remember the word PINEAPPLE", { idempotencyKey: "restart-1" })
          assert.strictEqual(stored.id, first.id)
          assert.strictEqual(yield* model.requestCount, 0)
          // the history: restored from the database into the new app-server
          const read = yield* thread.read({ includeTurns: true })
          assert.deepStrictEqual(read.thread.turns.map((t) => t.id), [first.id])
          const next = yield* thread.run("which word?")
          assert.strictEqual(next.finalResponse, "it was PINEAPPLE")
          const [request] = yield* model.requests
          assert.include(FakeModelRequest.userTexts(request!).join("\n"), "PINEAPPLE")
        })
      )
    }))

  it.live("a failed turn is stored too: a fresh app-server over the same database has it", () =>
    Effect.gen(function*() {
      const file = yield* tempDb
      const failure = yield* withCluster(
        file,
        Effect.gen(function*() {
          const model = yield* FakeModel.FakeModel
          yield* model.enqueue(FakeModel.failed("the model broke"))
          const thread = yield* CodexCluster.thread("task-failed")
          return yield* Effect.flip(thread.run("try once"))
        })
      )
      assert.strictEqual(failure._tag, "TurnFailedError")
      const turns = yield* withCluster(
        file,
        Effect.gen(function*() {
          const thread = yield* CodexCluster.thread("task-failed")
          return (yield* thread.read({ includeTurns: true })).thread.turns
        })
      )
      assert.deepStrictEqual(turns.map((t) => t.status), ["failed"])
    }).pipe(Effect.scoped))

  it.live("a call no runner answers fails typed within its deadline", () =>
    Effect.gen(function*() {
      const file = yield* tempDb
      const error = yield* Effect.flip(
        Effect.scoped(Effect.provide(
          Effect.gen(function*() {
            const thread = yield* CodexCluster.thread("task-unavailable")
            return yield* thread.read()
          }),
          // a cluster whose runner serves no CodexThread entity: messages wait for ever
          CodexCluster.layer({ requestTimeout: "1 second" }).pipe(
            Layer.provide(SingleRunnerOnly(file))
          )
        ))
      )
      assert.instanceOf(error, ClusterErrors.ClusterUnavailableError)
      assert.strictEqual(error.threadKey, "task-unavailable")
      assert.strictEqual(error.operation, "read")
    }))
})
