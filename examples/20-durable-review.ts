/**
 * 20 · A durable review workflow: plan → a person approves → implement.
 *
 * `effect/workflow` on the embedded cluster (`CodexWorkflow.layerEmbedded`: one process, a SQLite
 * file). Each Codex turn is an activity (`CodexActivity.run`): its result is journaled, so when
 * the workflow body replays (after a restart, or when the approval arrives) the plan turn is not
 * asked again. `CodexWorkflow.waitFor` suspends the workflow until someone calls
 * `CodexWorkflow.approve` with its token: nothing is held in memory while it waits. Here the
 * "process" is stopped while the workflow waits, and a new one (new layers over the same file, a
 * new app-server) approves it.
 *
 * Offline only (even with OPENAI_API_KEY set): the app-servers talk to the embedded FakeModel.
 *
 *     node examples/20-durable-review.ts
 */
import { CodexActivity, CodexWorkflow } from "@effect-codex/cluster"
import { NodeCodex } from "@effect-codex/node"
import { CodexHome, CodexTest, FakeModel } from "@effect-codex/testing"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as References from "effect/References"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Workflow from "effect/workflow/Workflow"
import * as path from "node:path"

// ---------------------------------------------------------------------------- the workflow

/** The reviewer's decision. */
const Decision = Schema.Struct({ approved: Schema.Boolean, note: Schema.String })

/** Waits at most a day; no answer means no. */
const ApprovePlan = CodexWorkflow.approval("approve-plan", Decision, {
  timeout: "24 hours",
  onTimeout: () => ({ approved: false, note: "no answer within a day" })
})

const Review = Workflow.make("Review", {
  payload: { issue: Schema.String },
  success: Schema.String,
  error: CodexActivity.ActivityError,
  idempotencyKey: ({ issue }) => issue
})

const ReviewLive = Review.toLayer(Effect.fn(function*({ issue }) {
  const thread = `issue-${issue}` // the workflow's own thread: its history is in the database
  const plan = yield* CodexWorkflow.step(
    "plan",
    CodexActivity.run(thread, `Plan a fix for issue ${issue}.`, { name: "plan" })
  )
  const decision = yield* CodexWorkflow.waitFor(ApprovePlan, {
    // runs once (an activity): send the token to whoever decides
    onToken: (token) => Console.log(`Plan: ${plan.finalResponse}\nWaiting for approval (token ${token.slice(0, 12)}…)`)
  })
  if (!decision.approved) return `not implemented: ${decision.note}`
  const done = yield* CodexWorkflow.step(
    "implement",
    CodexActivity.run(thread, `Implement the plan. Reviewer's note: ${decision.note}`, { name: "implement" })
  )
  return done.finalResponse ?? ""
}))

// ---------------------------------------------------------------------------- two lives of a process

const program = Effect.gen(function*() {
  yield* Console.log(
    "[offline] OPENAI_API_KEY is not set: running the real codex app-server against the embedded FakeModel"
  )
  const model = yield* FakeModel.FakeModel
  const dir = yield* (yield* FileSystem.FileSystem).makeTempDirectoryScoped({ prefix: "codex-workflow-example-" })

  /** The workflow, its engine and a fresh app-server (its own CODEX_HOME), over one SQLite file. */
  const live = Effect.gen(function*() {
    const codexHome = yield* CodexHome.makeTemp({ port: model.port })
    return ReviewLive.pipe(
      Layer.provideMerge(CodexWorkflow.layerEmbedded({
        file: path.join(dir, "workflows.db"),
        codex: NodeCodex.layer({ cwd: dir, env: CodexTest.testEnv(codexHome) }),
        runner: { codexHome }
      }))
    )
  })
  const until = (executionId: string, tag: "Suspended" | "Complete") =>
    CodexWorkflow.status(Review, executionId).pipe(
      Effect.repeat({ until: (status) => status._tag === tag, schedule: Schedule.spaced("100 millis") }),
      Effect.timeout("60 seconds")
    )

  yield* model.enqueue(
    FakeModel.message("Add a null check in parseConfig and a test for an empty file."),
    FakeModel.message("Done: parseConfig checks for null; the new test passes.")
  )

  // first life: start the workflow; it plans, publishes its token and suspends
  const executionId = yield* Effect.gen(function*() {
    const executionId = yield* Review.execute({ issue: "1234" }, { discard: true })
    yield* until(executionId, "Suspended")
    return executionId
  }).pipe(Effect.provide(yield* live), Effect.scoped)
  yield* Console.log("Stopped the process while the workflow waits.")

  // second life: anyone with the engine answers; the body replays (the plan comes from the journal)
  const status = yield* Effect.gen(function*() {
    yield* Console.log(`After the restart: ${(yield* CodexWorkflow.status(Review, executionId))._tag}`)
    const token = CodexWorkflow.token(ApprovePlan, { workflow: Review, executionId })
    yield* CodexWorkflow.approve(ApprovePlan, token, { approved: true, note: "go ahead" })
    yield* Console.log("Approved.")
    return yield* until(executionId, "Complete")
  }).pipe(Effect.provide(yield* live), Effect.scoped)

  if (status._tag === "Complete" && status.exit._tag === "Success") yield* Console.log(`Result: ${status.exit.value}`)
  yield* Console.log(`Model requests: ${yield* model.requestCount} (one per turn)`)
})

program.pipe(
  Effect.scoped,
  // the cluster logs its runner's life at Info; the workflow logs its approval tokens at Info
  Effect.provideService(References.MinimumLogLevel, "Error"),
  Effect.provide([FakeModel.layer, NodeFileSystem.layer, NodePath.layer]),
  NodeRuntime.runMain
)
