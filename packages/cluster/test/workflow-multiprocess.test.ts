/**
 * A durable workflow on the multi-runner setup: a throwaway PostgreSQL, two runner processes that
 * run the workflow engine and the `Review` workflow (`fixtures/review.ts`), and this test process
 * as a client-only member with the engine. The runner that runs the workflow is SIGKILLed while it
 * waits for its approval; the approval, sent from the client, resumes it on the survivor, which
 * replays the journal (the plan turn is not asked again) and runs the implement turn on the thread
 * restored from the database.
 */
import * as CodexCluster from "@effect-codex/cluster/CodexCluster"
import * as CodexWorkflow from "@effect-codex/cluster/CodexWorkflow"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import * as FakeModelRequest from "@effect-codex/testing/FakeModelRequest"
import { assert, describe, it } from "@effect/vitest"
import * as ClusterWorkflowEngine from "effect/cluster/ClusterWorkflowEngine"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import { ApprovePlan, implementPrompt, planPrompt, Review } from "./fixtures/review.ts"
import * as Cluster from "./support/cluster.ts"

describe("CodexWorkflow on socket runners and Postgres", () => {
  it.live(
    "kill -9 of the runner waiting for an approval; approved from a client: completes on the survivor, each turn asked once",
    () =>
      Effect.gen(function*() {
        const { firstToPrint, model, other, sql } = yield* Cluster.start({ workflow: true })
        yield* model.enqueue(FakeModel.message("PLAN-P"), FakeModel.message("DONE-P"))
        const client = ClusterWorkflowEngine.layer.pipe(
          Layer.provideMerge(CodexCluster.layerClientOnly({ sql, shardingConfig: Cluster.shardingConfig }))
        )
        yield* Effect.gen(function*() {
          const executionId = yield* Review.execute({ id: "p" }, { discard: true }).pipe(Effect.timeout("30 seconds"))
          const owner = yield* firstToPrint(/^TOKEN p /, "90 seconds")
          yield* CodexWorkflow.status(Review, executionId).pipe(
            Effect.repeat({ until: (status) => status._tag === "Suspended", schedule: Schedule.spaced("200 millis") }),
            Effect.timeout("60 seconds")
          )
          yield* owner.runner.kill9
          yield* Effect.log(`kill -9 of ${owner.name} while the workflow waits; ${other(owner).name} survives`)

          yield* CodexWorkflow.approve(
            ApprovePlan,
            CodexWorkflow.token(ApprovePlan, { workflow: Review, executionId }),
            {
              approved: true,
              note: "approved"
            }
          )
          const done = yield* CodexWorkflow.status(Review, executionId).pipe(
            Effect.repeat({ until: (status) => status._tag === "Complete", schedule: Schedule.spaced("250 millis") }),
            Effect.timeout("120 seconds")
          )
          assert.strictEqual(done._tag, "Complete")
          if (done._tag === "Complete") {
            assert.strictEqual(done.exit._tag, "Success")
            if (done.exit._tag === "Success") assert.strictEqual(done.exit.value, "PLAN-P / approved / DONE-P")
          }
        }).pipe(Effect.provide(client))

        const sent = (yield* model.requests).map((r) => FakeModelRequest.lastUserText(r) ?? "")
        assert.deepStrictEqual(sent, [planPrompt("p"), implementPrompt("p")], "each turn asked exactly once")
        // the implement turn ran on the thread restored from the database: it carries the plan turn
        const [, implement] = yield* model.requests
        assert.include(JSON.stringify(implement), "PLAN-P")
      }).pipe(Effect.scoped),
    { timeout: 240_000 }
  )
})
