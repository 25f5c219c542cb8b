/**
 * Codex turns as `effect/workflow` activities: inside a `Workflow`, `CodexActivity.run` runs a
 * turn on a cluster thread (`CodexCluster.thread(threadKey).run(...)`) and journals its
 * `TurnResult`, and `CodexActivity.open` creates the thread, so a workflow owns its thread across
 * restarts.
 *
 * - **Replay.** A workflow body runs again from the top after every restart or resume; a turn
 *   whose activity completed returns its journaled result and sends no model request.
 * - **Crash mid-turn.** The activity runs again. Its turn's idempotency key is derived from the
 *   workflow execution id and the activity name (`Activity.idempotencyKey`), so the cluster's
 *   persisted turn is the same one: a turn that had completed is read back, not run again.
 * - **When a turn runs twice.** Only when the process that ran it died before the turn
 *   completed on its app-server (the app-server dies with it): the re-run is a new turn on the
 *   same thread (`attempt` 2), and whatever the first, unfinished attempt did (commands, file
 *   edits, tool calls) has happened. Make such effects idempotent or check for them in the prompt
 *   ("if the branch already exists, …").
 *
 * @example
 * ```ts
 * import { CodexActivity } from "@effect-codex/cluster"
 * import { Effect, Schema } from "effect"
 * import * as Workflow from "effect/workflow/Workflow"
 *
 * const Review = Workflow.make("Review", {
 *   payload: { pr: Schema.String },
 *   success: Schema.String,
 *   error: CodexActivity.ActivityError,
 *   idempotencyKey: ({ pr }) => pr
 * })
 *
 * const ReviewLive = Review.toLayer(Effect.fn(function*({ pr }) {
 *   yield* CodexActivity.open(`review-${pr}`)
 *   const plan = yield* CodexActivity.run(`review-${pr}`, `Plan a review of ${pr}`, { name: "plan" })
 *   return plan.finalResponse ?? ""
 * }))
 * ```
 *
 * @since 0.2.0
 */
import type * as Errors from "@effect-codex/core/Errors"
import type * as Inputs from "@effect-codex/core/Inputs"
import * as Turn from "@effect-codex/core/Turn"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Activity from "effect/workflow/Activity"
import type * as WorkflowEngine from "effect/workflow/WorkflowEngine"
import * as ClusterErrors from "./ClusterErrors.ts"
import * as CodexCluster from "./CodexCluster.ts"
import * as CodexThread from "./CodexThread.ts"
import * as Steps from "./internal/steps.ts"

/** A journaled `TurnResult` (plain JSON produced by the SDK; stored and read back as is). */
export const TurnResult: Schema.Codec<Turn.TurnResult> = Schema.Unknown as unknown as Schema.Codec<Turn.TurnResult>

/** The journaled errors of a turn or thread activity: a runner's errors and `ClusterUnavailableError`. */
export const ActivityError = Schema.Union([CodexThread.RunnerError, ClusterErrors.ClusterUnavailableError])

/** The type of `ActivityError`. */
export type ActivityError = typeof ActivityError.Type

/** Options of `run`: the activity's name, the thread's start options and the turn's options. */
export interface RunOptions extends Omit<CodexCluster.TurnOptions, "idempotencyKey"> {
  /**
   * The activity's name, unique within the workflow (e.g. `"plan"`, `"implement"`). It names the
   * journal entry, and with the execution id makes the turn's idempotency key: renaming it in a
   * running workflow makes the turn run again.
   */
  readonly name: string
  /** The thread's start options (used only if the thread does not exist yet). */
  readonly thread?: CodexCluster.ThreadOptions | undefined
}

/** The services an activity needs: the cluster client and the running workflow. */
export type Requirements = CodexCluster.CodexCluster | WorkflowEngine.WorkflowEngine | WorkflowEngine.WorkflowInstance

/**
 * The turn's idempotency key in the cluster for the activity `name` of the running workflow: a
 * hash of the execution id and the name, the same on every replay and in every process.
 */
export const turnKey = (name: string): Effect.Effect<string, never, WorkflowEngine.WorkflowInstance> =>
  Activity.idempotencyKey(`codex-turn/${name}`)

const threadOf = (threadKey: string, options: CodexCluster.ThreadOptions | undefined) =>
  CodexCluster.thread(threadKey, options)

/**
 * Runs a turn on the cluster thread `threadKey` as the activity `options.name` and returns its
 * journaled result. On replay the result comes from the journal (no model request); after a crash
 * mid-turn the activity runs again with the same turn key, which attaches to the cluster's
 * persisted turn (read back if it completed, run again if its runner died first). With
 * `outputSchema`, the raw result is journaled and its output decoded after the activity.
 *
 * @example
 * ```ts
 * const plan = yield* CodexActivity.run("pr-42", "Plan the fix", { name: "plan" })
 * ```
 */
export const run: {
  <S extends Schema.Top>(
    threadKey: string,
    input: Inputs.RunInput,
    options: RunOptions & { readonly outputSchema: S }
  ): Effect.Effect<
    Turn.TurnResultOf<S["Type"]>,
    ActivityError | Errors.StructuredOutputError,
    Requirements | S["DecodingServices"]
  >
  (threadKey: string, input: Inputs.RunInput, options: RunOptions): Effect.Effect<
    Turn.TurnResult,
    ActivityError,
    Requirements
  >
} = Effect.fn("CodexActivity.run")(function*(threadKey: string, input: Inputs.RunInput, options: RunOptions) {
  const { name, thread: start, outputSchema, ...turnOptions } = options
  yield* Effect.annotateCurrentSpan({ threadKey, activity: name })
  yield* Steps.enter(name)
  const idempotencyKey = yield* turnKey(name)
  const result = yield* Activity.make({
    name: `codex-turn/${name}`,
    success: TurnResult,
    error: ActivityError,
    execute: Effect.gen(function*() {
      const thread = yield* threadOf(threadKey, start)
      return yield* thread.run(input, { ...turnOptions, idempotencyKey })
    }).pipe(Effect.withSpan("CodexActivity.turn", { attributes: { threadKey, activity: name, idempotencyKey } }))
  })
  return outputSchema !== undefined && Schema.isSchema(outputSchema)
    ? yield* Turn.decodeOutput(result, outputSchema as Schema.Codec<unknown, unknown, unknown>)
    : result
}) as never

/**
 * Creates (or finds) the cluster thread `threadKey` as an activity and returns its Codex thread
 * id (journaled: a replay does not ask the cluster again). Call it once at the start of a workflow
 * that owns the thread; the thread's history lives in the cluster's database, so it survives
 * restarts and moves between runners.
 *
 * @example
 * ```ts
 * const threadId = yield* CodexActivity.open("pr-42", { model: "gpt-5.5" })
 * ```
 */
export const open = Effect.fn("CodexActivity.open")(function*(
  threadKey: string,
  options?: CodexCluster.ThreadOptions
): Effect.fn.Return<string, ActivityError, Requirements> {
  yield* Effect.annotateCurrentSpan({ threadKey })
  yield* Steps.enter(`open/${threadKey}`)
  return yield* Activity.make({
    name: `codex-open/${threadKey}`,
    success: Schema.String,
    error: ActivityError,
    execute: Effect.flatMap(threadOf(threadKey, options), (thread) => thread.open)
  })
})
