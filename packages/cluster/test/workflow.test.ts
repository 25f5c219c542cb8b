/**
 * `CodexWorkflow` in one process, on the embedded cluster and its `ClusterWorkflowEngine` (the REAL
 * `codex app-server` on a FakeModel, a SQLite file), restarted by rebuilding the layers over the
 * same file:
 *
 * - 100 workflows suspended on approvals survive the restart and all complete once approved, each
 *   running its after-approval activity once;
 * - a `DurableClock` timeout that came due while no process ran fires after the restart
 *   (`onTimeout`), an approval answered in time wins over its clock, and an approval without
 *   `onTimeout` fails the workflow with `ApprovalTimeoutError`;
 * - a replayed turn activity returns its journaled result without a model request; `status` names
 *   the step the execution is at (its approval while suspended, its last turn when complete);
 * - an approval stored by a process whose engine runs no workflow (an admin tool) completes the
 *   workflow when a process that runs it starts again;
 * - a turn activity with an `outputSchema` decodes its answer;
 * - `status` of an unknown execution is `NotFound`.
 */
import * as CodexActivity from "@effect-codex/cluster/CodexActivity"
import * as CodexCluster from "@effect-codex/cluster/CodexCluster"
import * as CodexWorkflow from "@effect-codex/cluster/CodexWorkflow"
import * as Errors from "@effect-codex/core/Errors"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import * as FakeModelRequest from "@effect-codex/testing/FakeModelRequest"
import * as NodeCrypto from "@effect/platform-node/NodeCrypto"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { assert, describe, it } from "@effect/vitest"
import * as ClusterWorkflowEngine from "effect/cluster/ClusterWorkflowEngine"
import * as SingleRunner from "effect/cluster/SingleRunner"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Activity from "effect/workflow/Activity"
import * as Workflow from "effect/workflow/Workflow"
import type * as WorkflowEngine from "effect/workflow/WorkflowEngine"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Gate, GateLive, Open } from "./fixtures/review.ts"

const tempDb = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "cluster-workflow-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
).pipe(Effect.map((dir) => path.join(dir, "cluster.db")))

// ---------------------------------------------------------------------------- workflows of this file

/** How many times each `Ticket`'s after-approval activity ran (this process). */
const closed = new Map<string, number>()

const ApproveTicket = CodexWorkflow.approval("approve-ticket", Schema.String)

const Ticket = Workflow.make("Ticket", {
  payload: { id: Schema.String },
  success: Schema.String,
  idempotencyKey: ({ id }) => id
})

const TicketLive = Ticket.toLayer(Effect.fn(function*({ id }) {
  const answer = yield* CodexWorkflow.waitFor(ApproveTicket)
  return yield* Activity.make({
    name: "close",
    success: Schema.String,
    execute: Effect.sync(() => {
      closed.set(id, (closed.get(id) ?? 0) + 1)
      return `${id}: ${answer}`
    })
  })
}))

const Strict = CodexWorkflow.approval("strict", Schema.String, { timeout: "1 second" })

const StrictFlow = Workflow.make("StrictFlow", {
  payload: { id: Schema.String },
  success: Schema.String,
  error: CodexWorkflow.ApprovalTimeoutError,
  idempotencyKey: ({ id }) => id
})

const StrictLive = StrictFlow.toLayer(Effect.fn(function*() {
  return yield* CodexWorkflow.waitFor(Strict)
}))

const GoOn = CodexWorkflow.approval("go-on", Schema.Void)

const Ask = Workflow.make("Ask", {
  payload: { id: Schema.String },
  success: Schema.String,
  error: CodexActivity.ActivityError,
  idempotencyKey: ({ id }) => id
})

const AskLive = Ask.toLayer(Effect.fn(function*({ id }) {
  const first = yield* CodexActivity.run(`ask-${id}`, "first question", { name: "first" })
  yield* CodexWorkflow.waitFor(GoOn)
  const second = yield* CodexActivity.run(`ask-${id}`, "second question", { name: "second" })
  return `${first.finalResponse} + ${second.finalResponse}`
}))

const Count = Workflow.make("Count", {
  payload: { id: Schema.String },
  success: Schema.Number,
  error: Schema.Union([CodexActivity.ActivityError, Errors.StructuredOutputError]),
  idempotencyKey: ({ id }) => id
})

const CountLive = Count.toLayer(Effect.fn(function*({ id }) {
  const result = yield* CodexActivity.run(`count-${id}`, "how many?", {
    name: "count",
    outputSchema: Schema.Struct({ n: Schema.Number })
  })
  return result.output.n
}))

// ---------------------------------------------------------------------------- layers

/** The workflows on the embedded cluster, a fresh real app-server (its own CODEX_HOME) and FakeModel, over `file`. */
const engine = (file: string) => {
  const codex = CodexTest.layer()
  const codexHome = Effect.gen(function*() {
    return (yield* CodexTest.CodexTest).codexHome
  })
  return Layer.mergeAll(TicketLive, GateLive, StrictLive, AskLive, CountLive).pipe(
    Layer.provideMerge(CodexWorkflow.layerEmbedded({ file, codex, runner: { codexHome } })),
    Layer.provideMerge(codex)
  )
}

/** One life of the process: the layers built over `file`, `body` run, the layers closed. */
const life = <A, E>(
  file: string,
  body: Effect.Effect<A, E, WorkflowEngine.WorkflowEngine | FakeModel.FakeModel>
) => Effect.scoped(Effect.provide(body, engine(file)))

/** Polls `status` until `done` holds (bounded). */
const until = <W extends Workflow.Any>(
  workflow: W,
  executionId: string,
  done: (status: CodexWorkflow.Status<W["successSchema"]["Type"], W["errorSchema"]["Type"]>) => boolean
) =>
  CodexWorkflow.status(workflow, executionId).pipe(
    Effect.repeat({ until: done, schedule: Schedule.spaced("100 millis") }),
    Effect.timeout("60 seconds")
  )

const ids = Array.from({ length: 100 }, (_, i) => `t-${i}`)

describe("CodexWorkflow", () => {
  it.live(
    "100 workflows suspended on approvals survive a restart and all complete when approved",
    () =>
      Effect.gen(function*() {
        const file = yield* tempDb
        const executionIds = yield* life(
          file,
          Effect.forEach(ids, (id) =>
            Effect.gen(function*() {
              const executionId = yield* Ticket.execute({ id }, { discard: true })
              yield* until(Ticket, executionId, (s) => s._tag === "Suspended")
              return executionId
            }), { concurrency: 10 })
        )
        assert.strictEqual(closed.size, 0)

        const results = yield* life(
          file,
          Effect.gen(function*() {
            for (const executionId of executionIds) {
              const status = yield* CodexWorkflow.status(Ticket, executionId)
              assert.strictEqual(status._tag, "Suspended")
            }
            yield* Effect.forEach(executionIds, (executionId, i) =>
              CodexWorkflow.approve(
                ApproveTicket,
                CodexWorkflow.token(ApproveTicket, { workflow: Ticket, executionId }),
                `approved ${ids[i]}`
              ), { concurrency: 10 })
            return yield* Effect.forEach(executionIds, (executionId) =>
              until(Ticket, executionId, (s) =>
                s._tag === "Complete").pipe(
                  Effect.map((s) => s._tag === "Complete" && s.exit._tag === "Success" ? s.exit.value : "not a success")
                ), { concurrency: 10 })
          })
        )
        assert.deepStrictEqual(
          results,
          ids.map((id) =>
            `${id}: approved ${id}`
          )
        )
        assert.deepStrictEqual([...closed.values()], ids.map(() => 1))
      }),
    { timeout: 240_000 }
  )

  it.live(
    "a DurableClock timeout that came due while no process ran fires after the restart",
    () =>
      Effect.gen(function*() {
        const file = yield* tempDb
        const [late, early, strict] = yield* life(
          file,
          Effect.gen(function*() {
            const late = yield* Gate.execute({ id: "late" }, { discard: true })
            const early = yield* Gate.execute({ id: "early" }, { discard: true })
            const strict = yield* StrictFlow.execute({ id: "strict" }, { discard: true })
            yield* until(Gate, late, (s) => s._tag === "Suspended")
            yield* until(Gate, early, (s) => s._tag === "Suspended")
            yield* until(StrictFlow, strict, (s) => s._tag === "Suspended")
            // answered in time: the decision wins over the clock
            yield* CodexWorkflow.approve(
              Open,
              CodexWorkflow.token(Open, { workflow: Gate, executionId: early }),
              "open"
            )
            yield* until(Gate, early, (s) => s._tag === "Complete")
            // the others are still waiting when this process ends
            assert.strictEqual((yield* CodexWorkflow.status(Gate, late))._tag, "Suspended")
            return [late, early, strict] as const
          })
        )
        // no process runs while the clocks come due
        yield* Effect.sleep("2500 millis")
        const [lateStatus, earlyStatus, strictStatus] = yield* life(
          file,
          Effect.all([
            until(Gate, late, (s) => s._tag === "Complete"),
            CodexWorkflow.status(Gate, early),
            until(StrictFlow, strict, (s) => s._tag === "Complete")
          ])
        )
        assert.deepStrictEqual(
          lateStatus._tag === "Complete" && lateStatus.exit._tag === "Success" && lateStatus.exit.value,
          "gate: timed out"
        )
        assert.deepStrictEqual(
          earlyStatus._tag === "Complete" && earlyStatus.exit._tag === "Success" && earlyStatus.exit.value,
          "gate: open"
        )
        assert.isTrue(strictStatus._tag === "Complete" && strictStatus.exit._tag === "Failure")
        if (strictStatus._tag === "Complete" && strictStatus.exit._tag === "Failure") {
          assert.include(String(strictStatus.exit.cause), "ApprovalTimeoutError")
        }
      }),
    { timeout: 240_000 }
  )

  it.live(
    "a replayed turn activity returns its journaled result without a model request",
    () =>
      Effect.gen(function*() {
        const file = yield* tempDb
        const executionId = yield* life(
          file,
          Effect.gen(function*() {
            const model = yield* FakeModel.FakeModel
            yield* model.enqueue(FakeModel.message("one"))
            const executionId = yield* Ask.execute({ id: "q" }, { discard: true })
            const suspended = yield* until(Ask, executionId, (s) => s._tag === "Suspended")
            assert.deepStrictEqual(suspended, { _tag: "Suspended", step: "approval/go-on" })
            assert.strictEqual(yield* model.requestCount, 1)
            return executionId
          })
        )
        // a new process (a new FakeModel): the body replays from the top; only the second turn is asked
        const [status, requests] = yield* life(
          file,
          Effect.gen(function*() {
            const model = yield* FakeModel.FakeModel
            yield* model.enqueue(FakeModel.message("two"))
            yield* CodexWorkflow.approve(GoOn, CodexWorkflow.token(GoOn, { workflow: Ask, executionId }), undefined)
            const status = yield* until(Ask, executionId, (s) => s._tag === "Complete")
            return [status, yield* model.requests] as const
          })
        )
        assert.isTrue(status._tag === "Complete" && status.exit._tag === "Success")
        if (status._tag === "Complete" && status.exit._tag === "Success") {
          assert.strictEqual(status.exit.value, "one + two")
        }
        assert.strictEqual(status._tag === "Complete" ? status.step : undefined, "second")
        assert.deepStrictEqual(
          requests.map((r) => FakeModelRequest.lastUserText(r)),
          ["second question"]
        )
      }),
    { timeout: 240_000 }
  )

  it.live(
    "an approval stored by a process that does not run the workflow completes it on the next start",
    () =>
      Effect.gen(function*() {
        const file = yield* tempDb
        const executionId = yield* life(
          file,
          Effect.gen(function*() {
            const executionId = yield* Ticket.execute({ id: "elsewhere" }, { discard: true })
            yield* until(Ticket, executionId, (s) => s._tag === "Suspended")
            return executionId
          })
        )
        // an engine whose runner registers no workflow (an admin tool): `approve` only stores the decision
        const engineOnly = ClusterWorkflowEngine.layer.pipe(
          Layer.provideMerge(SingleRunner.layer({ shardingConfig: CodexCluster.shardingDefaults })),
          Layer.provide([SqliteClient.layer({ filename: file }), NodeCrypto.layerDigest])
        )
        yield* CodexWorkflow.approve(
          ApproveTicket,
          CodexWorkflow.token(ApproveTicket, { workflow: Ticket, executionId }),
          "approved elsewhere",
          { timeout: "10 seconds" }
        ).pipe(Effect.provide(engineOnly), Effect.scoped)
        const status = yield* life(file, until(Ticket, executionId, (s) => s._tag === "Complete"))
        assert.isTrue(status._tag === "Complete" && status.exit._tag === "Success")
        if (status._tag === "Complete" && status.exit._tag === "Success") {
          assert.strictEqual(status.exit.value, "elsewhere: approved elsewhere")
        }
      }),
    { timeout: 120_000 }
  )

  it.live("a turn activity with an outputSchema decodes the journaled answer", () =>
    Effect.gen(function*() {
      const file = yield* tempDb
      const n = yield* life(
        file,
        Effect.gen(function*() {
          const model = yield* FakeModel.FakeModel
          yield* model.enqueue(FakeModel.message(JSON.stringify({ n: 3 })))
          return yield* Count.execute({ id: "c" }).pipe(Effect.timeout("90 seconds"))
        })
      )
      assert.strictEqual(n, 3)
    }), { timeout: 120_000 })

  it.live("status of an unknown execution is NotFound", () =>
    Effect.gen(function*() {
      const file = yield* tempDb
      const status = yield* life(file, CodexWorkflow.status(Ticket, "no-such-execution"))
      assert.strictEqual(status._tag, "NotFound")
    }), { timeout: 120_000 })
})
