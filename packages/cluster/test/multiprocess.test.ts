/**
 * The cluster across real processes: a throwaway PostgreSQL, two runner processes
 * (`fixtures/runner.ts`: NodeClusterSocket + the real codex app-server each) and this test process
 * as a client-only member. The runner that owns a thread is SIGKILLed (with its app-server) in the
 * middle of a streaming turn: the caller does not hang, its persisted stream goes on from the
 * survivor with no duplicate and no gap (the turn runs again: a second `Started`), the thread's
 * earlier turns are still there and a new turn on the survivor sees them. Then with no runner at
 * all, calls fail with `ClusterUnavailableError` within their deadline.
 */
import * as ClusterErrors from "@effect-codex/cluster/ClusterErrors"
import * as CodexCluster from "@effect-codex/cluster/CodexCluster"
import type * as CodexThread from "@effect-codex/cluster/CodexThread"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import * as FakeModelRequest from "@effect-codex/testing/FakeModelRequest"
import * as PgClient from "@effect/sql-pg/PgClient"
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as Cluster from "./support/cluster.ts"

describe("CodexCluster across processes (Postgres, two socket runners, a client-only member)", () => {
  it.live(
    "kill -9 of the owner mid-turn: no hang, no duplicate, no gap; history kept; no runner: typed errors",
    () =>
      Effect.gen(function*() {
        const { firstToPrint, model, other, sql } = yield* Cluster.start()
        const ownerOf = (key: string) => firstToPrint(new RegExp(`^OWNS ${key}$`), "30 seconds")

        yield* Effect.gen(function*() {
          const thread = yield* CodexCluster.thread("mp-1")
          yield* model.enqueue(FakeModel.message("noted: MANGO"))
          const first = yield* thread.run("remember the word MANGO")
          assert.strictEqual(first.finalResponse, "noted: MANGO")
          const owner = yield* ownerOf("mp-1")
          const survivor = other(owner)

          // the second turn stalls on the owner's app-server, then runs again on the survivor
          yield* model.enqueue(
            FakeModel.stall({ text: "working on it", deltas: 1 }),
            FakeModel.message("done after the move")
          )
          const consumer = yield* thread.stream("now do the work", { idempotencyKey: "mp-1-turn-2" }).pipe(
            Stream.runCollect,
            Effect.forkChild
          )
          yield* model.waitForRequests(2)
          const killedAt = Date.now()
          yield* owner.runner.kill9
          const chunks: ReadonlyArray<CodexThread.TurnChunk> = yield* Fiber.join(consumer)
          yield* Effect.log(
            `kill -9 of ${owner.name} -> the turn completed on ${survivor.name} after ${Date.now() - killedAt} ms`
          )

          assert.deepStrictEqual(chunks.map((c) => c.seq), chunks.map((_, i) => i + 1), "no duplicate, no gap")
          const starts = chunks.filter((c) => c._tag === "Started")
          assert.deepStrictEqual(starts.map((c) => c.attempt), [1, 2], "the turn ran again on the survivor")
          const last = chunks[chunks.length - 1]!
          assert.strictEqual(last._tag, "Completed")
          if (last._tag === "Completed") {
            assert.strictEqual(last.result.finalResponse, "done after the move")
            assert.strictEqual(last.attempt, 2)
          }
          yield* survivor.runner.waitForLine(/^OWNS mp-1$/, "30 seconds")

          // the turns completed before the kill are on the survivor, and a new turn sees them
          const read = yield* thread.read({ includeTurns: true })
          const completed = read.thread.turns.filter((t) => t.status === "completed").map((t) => t.id)
          assert.include(completed, first.id)
          yield* model.enqueue(FakeModel.message("it was MANGO"))
          const next = yield* thread.run("which word?")
          assert.strictEqual(next.finalResponse, "it was MANGO")
          const requests = yield* model.requests
          assert.include(FakeModelRequest.userTexts(requests[requests.length - 1]!).join("\n"), "MANGO")

          yield* survivor.runner.kill9
        }).pipe(
          Effect.provide(
            CodexCluster.layerClientOnly({
              sql,
              shardingConfig: Cluster.shardingConfig,
              client: { requestTimeout: "30 seconds", startTimeout: "30 seconds", turnTimeout: "90 seconds" }
            })
          )
        )

        // no runner left: every call fails typed within its deadline
        yield* Effect.gen(function*() {
          const thread = yield* CodexCluster.thread("mp-2")
          const read = yield* Effect.flip(thread.read())
          assert.instanceOf(read, ClusterErrors.ClusterUnavailableError)
          assert.strictEqual(read.threadKey, "mp-2")
          const run = yield* Effect.flip(thread.run("anyone?"))
          assert.instanceOf(run, ClusterErrors.ClusterUnavailableError)
          assert.strictEqual(run.operation, "turn")
        }).pipe(
          Effect.provide(
            CodexCluster.layerClientOnly({
              sql,
              shardingConfig: Cluster.shardingConfig,
              client: { requestTimeout: "2 seconds", startTimeout: "2 seconds" }
            })
          )
        )
      }).pipe(Effect.scoped),
    { timeout: 240_000 }
  )
})
