/**
 * People in the loop of a durable Codex workflow (`effect/workflow` on `ClusterWorkflowEngine`):
 * an `approval` is a typed decision the workflow waits for, durably.
 *
 * - `waitFor(approval)` suspends the workflow: no fiber, no memory and no app-server are held
 *   while it waits, and a restart of the process loses nothing. The approval's token (a string)
 *   is handed to `onToken` once (an activity), and logged.
 * - `approve(approval, token, decision)` answers it from any process with the engine on the same
 *   storage (or compute the token later with `token(approval, { workflow, executionId })`).
 * - With `timeout`, a `DurableClock` races the decision: when it fires first the workflow gets
 *   `onTimeout()`, or fails with `ApprovalTimeoutError`. The clock is stored, so it fires after a
 *   restart too.
 * - `status(workflow, executionId)` reads where a workflow is (`Workflow.poll`, bounded) and the
 *   step it is at.
 * - `layerEmbedded` is `CodexCluster.layerEmbedded` plus the `ClusterWorkflowEngine`.
 *
 * A suspended workflow resumes when a message reaches it (an approval, its clock); it does not
 * restart by itself when its process starts.
 *
 * @example
 * ```ts
 * import { CodexActivity, CodexWorkflow } from "@effect-codex/cluster"
 * import { Effect, Schema } from "effect"
 * import * as Workflow from "effect/workflow/Workflow"
 *
 * const Decision = Schema.Struct({ approved: Schema.Boolean, note: Schema.String })
 * const ApprovePlan = CodexWorkflow.approval("approve-plan", Decision, {
 *   timeout: "24 hours",
 *   onTimeout: () => ({ approved: false, note: "no answer in a day" })
 * })
 *
 * const Fix = Workflow.make("Fix", {
 *   payload: { issue: Schema.String },
 *   success: Schema.String,
 *   error: CodexActivity.ActivityError,
 *   idempotencyKey: ({ issue }) => issue
 * })
 * const FixLive = Fix.toLayer(Effect.fn(function*({ issue }) {
 *   const plan = yield* CodexActivity.run(issue, `Plan a fix for ${issue}`, { name: "plan" })
 *   const decision = yield* CodexWorkflow.waitFor(ApprovePlan, {
 *     onToken: (approvalToken) => Effect.log(`approve with ${approvalToken}`)
 *   })
 *   if (!decision.approved) return `rejected: ${decision.note}`
 *   const done = yield* CodexActivity.run(issue, "Implement the plan", { name: "implement" })
 *   return done.finalResponse ?? ""
 * }))
 *
 * // elsewhere, later, in any process with the engine:
 * // CodexWorkflow.approve(ApprovePlan, approvalToken, { approved: true, note: "go" })
 * ```
 *
 * @since 0.2.0
 */
import * as ClusterWorkflowEngine from "effect/cluster/ClusterWorkflowEngine"
import type * as Sharding from "effect/cluster/Sharding"
import type * as ConfigError from "effect/Config"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as SqlError from "effect/sql/SqlError"
import * as Activity from "effect/workflow/Activity"
import * as DurableClock from "effect/workflow/DurableClock"
import * as DurableDeferred from "effect/workflow/DurableDeferred"
import type * as Workflow from "effect/workflow/Workflow"
import type * as WorkflowEngine from "effect/workflow/WorkflowEngine"
import * as CodexCluster from "./CodexCluster.ts"
import * as Steps from "./internal/steps.ts"

// =============================================================================
// Errors
// =============================================================================

/** An approval's `timeout` elapsed before a decision, and it has no `onTimeout`. */
export class ApprovalTimeoutError extends Schema.TaggedError<ApprovalTimeoutError>(
  "@effect-codex/cluster/CodexWorkflow/ApprovalTimeoutError"
)("ApprovalTimeoutError", { approval: Schema.String, timeout: Schema.String }) {}

/**
 * The workflow engine did not answer a call (`operation`) within its deadline: with no runner
 * serving the workflow, messages wait silently; this is what the caller sees instead.
 */
export class WorkflowUnavailableError extends Schema.TaggedError<WorkflowUnavailableError>(
  "@effect-codex/cluster/CodexWorkflow/WorkflowUnavailableError"
)("WorkflowUnavailableError", { operation: Schema.String, message: Schema.String }) {}

// =============================================================================
// Approvals
// =============================================================================

/** A decision a workflow waits for, of type `S["Type"]`, defined once and shared by the workflow and whoever answers. */
export interface Approval<S extends Schema.Top, E = never> {
  readonly name: string
  /** The decision's schema (the decision is stored encoded). */
  readonly schema: S
  /** The underlying `DurableDeferred`. */
  readonly deferred: DurableDeferred.DurableDeferred<S>
  /** How long the workflow waits, if bounded. */
  readonly timeout: Duration.Duration | undefined
  /** The decision when `timeout` elapses (without it, `waitFor` fails with `ApprovalTimeoutError`). */
  readonly onTimeout: (() => S["Type"]) | undefined
  /** Type only: how `waitFor` can fail (`ApprovalTimeoutError` for a `timeout` without `onTimeout`). */
  readonly "~error"?: E | undefined
}

/** Options of `approval`. */
export interface ApprovalOptions<A> {
  /** Wait at most this long (a `DurableClock`: it survives restarts). Default: for ever. */
  readonly timeout?: Duration.Input | undefined
  /** The decision when `timeout` elapses. Default: `waitFor` fails with `ApprovalTimeoutError`. */
  readonly onTimeout?: (() => A) | undefined
}

/**
 * Defines an approval: `name` is unique within the workflow (it names the stored decision and the
 * token), `schema` the decision's type. With a `timeout` and no `onTimeout`, `waitFor` can fail
 * with `ApprovalTimeoutError` (and its type says so).
 *
 * @example
 * ```ts
 * const ApproveDeploy = CodexWorkflow.approval("approve-deploy", Schema.Literals(["yes", "no"]), { timeout: "1 hour" })
 * ```
 */
export const approval: {
  <S extends Schema.Top>(
    name: string,
    schema: S,
    options: { readonly timeout: Duration.Input; readonly onTimeout?: undefined }
  ): Approval<S, ApprovalTimeoutError>
  <S extends Schema.Top>(name: string, schema: S, options?: ApprovalOptions<S["Type"]>): Approval<S>
} = <S extends Schema.Top>(
  name: string,
  schema: S,
  options: ApprovalOptions<S["Type"]> = {}
): Approval<S, never> => ({
  name,
  schema,
  deferred: DurableDeferred.make(`codex-approval/${name}`, { success: schema }),
  timeout: options.timeout === undefined ? undefined : Duration.fromInputUnsafe(options.timeout),
  onTimeout: options.onTimeout
})

/** Options of `waitFor`. */
export interface WaitOptions<R> {
  /**
   * Publishes the approval's token (a message to a person, a ticket, a row): run once, as an
   * activity (at least once: again if the process dies before it is journaled).
   */
  readonly onToken?: ((token: DurableDeferred.Token) => Effect.Effect<void, never, R>) | undefined
}

const Outcome = <S extends Schema.Top>(schema: S) =>
  Schema.Union([Schema.TaggedStruct("Decided", { value: schema }), Schema.TaggedStruct("TimedOut", {})])

/**
 * Waits, inside a workflow, for the approval's decision: publishes its token (`onToken`, once),
 * then suspends the workflow until `approve` (or the `timeout`) resumes it. On replay a decision
 * already made is returned at once.
 *
 * @example
 * ```ts
 * // declare: const ApprovePlan: CodexWorkflow.Approval<typeof Schema.String>
 * // declare: const notifyReviewer: (approvalToken: string) => Effect.Effect<void>
 * const decision = CodexWorkflow.waitFor(ApprovePlan, { onToken: notifyReviewer })
 * ```
 */
export const waitFor: <S extends Schema.Top, E = never, R = never>(
  approval: Approval<S, E>,
  options?: WaitOptions<R>
) => Effect.Effect<
  S["Type"],
  E,
  WorkflowEngine.WorkflowEngine | WorkflowEngine.WorkflowInstance | R | S["DecodingServices"] | S["EncodingServices"]
> = Effect.fn("CodexWorkflow.waitFor")(function*<S extends Schema.Top, R = never>(
  approval: Approval<S, unknown>,
  options: WaitOptions<R> = {}
) {
  yield* Effect.annotateCurrentSpan({ approval: approval.name })
  yield* Steps.enter(`approval/${approval.name}`)
  const token = yield* DurableDeferred.token(approval.deferred)
  const onToken = options.onToken
  if (onToken !== undefined) {
    yield* Activity.make({ name: `codex-approval-token/${approval.name}`, execute: onToken(token) })
  }
  yield* Effect.logInfo(`waiting for approval ${approval.name}`).pipe(
    Effect.annotateLogs({ approval: approval.name, token })
  )
  const timeout = approval.timeout
  if (timeout === undefined) return yield* DurableDeferred.await(approval.deferred)
  type Outcome = { readonly _tag: "Decided"; readonly value: S["Type"] } | { readonly _tag: "TimedOut" }
  const race = DurableDeferred.raceAll({
    name: `codex-approval/${approval.name}`,
    success: Outcome(approval.schema),
    error: Schema.Never,
    effects: [
      Effect.map(DurableDeferred.await(approval.deferred), (value) => ({ _tag: "Decided" as const, value })),
      Effect.as(
        DurableClock.sleep({ name: `codex-approval/${approval.name}`, duration: timeout, inMemoryThreshold: 0 }),
        { _tag: "TimedOut" as const }
      )
    ]
  } as never) as Effect.Effect<Outcome, never, WorkflowEngine.WorkflowEngine | WorkflowEngine.WorkflowInstance>
  const outcome = yield* race
  if (outcome._tag === "Decided") return outcome.value
  yield* Effect.logInfo(`approval ${approval.name} timed out`)
  if (approval.onTimeout !== undefined) return approval.onTimeout()
  return yield* new ApprovalTimeoutError({ approval: approval.name, timeout: Duration.format(timeout) })
}) as never

/** The token of an approval in the execution `executionId` of `workflow` (the one `waitFor` publishes). */
export const token = <S extends Schema.Top>(
  approval: Approval<S, unknown>,
  options: { readonly workflow: Workflow.Any; readonly executionId: string }
): DurableDeferred.Token => DurableDeferred.tokenFromExecutionId(approval.deferred, options)

/** Options of `approve` and `status`. */
export interface CallOptions {
  /** How long to wait for the engine to accept the call (default 30 seconds). */
  readonly timeout?: Duration.Input | undefined
}

const bounded = <A, E, R>(operation: string, options: CallOptions | undefined, effect: Effect.Effect<A, E, R>) => {
  const timeout = Duration.fromInputUnsafe(options?.timeout ?? "30 seconds")
  return Effect.timeoutOrElse(effect, {
    duration: timeout,
    orElse: () =>
      Effect.fail(
        new WorkflowUnavailableError({
          operation,
          message: `the workflow engine did not answer ${operation} within ${Duration.format(timeout)}`
        })
      )
  })
}

/**
 * Answers an approval: stores the decision and resumes the waiting workflow (in whichever process
 * owns it). A token that was already answered keeps its first decision.
 *
 * @example
 * ```ts
 * // declare: const ApprovePlan: CodexWorkflow.Approval<typeof Schema.String>
 * // declare: const approvalToken: string
 * const answer = CodexWorkflow.approve(ApprovePlan, approvalToken, "ship it")
 * ```
 */
export const approve: <S extends Schema.Top>(
  approval: Approval<S, unknown>,
  token: string,
  decision: S["Type"],
  options?: CallOptions
) => Effect.Effect<void, WorkflowUnavailableError, WorkflowEngine.WorkflowEngine | S["EncodingServices"]> = Effect.fn(
  "CodexWorkflow.approve"
)(function*<S extends Schema.Top>(
  approval: Approval<S, unknown>,
  token: string,
  decision: S["Type"],
  options?: CallOptions
) {
  yield* Effect.annotateCurrentSpan({ approval: approval.name })
  yield* bounded(
    "approve",
    options,
    DurableDeferred.succeed(approval.deferred, { token: DurableDeferred.Token.make(token), value: decision })
  )
}) as never

// =============================================================================
// Status and steps
// =============================================================================

/**
 * Where an execution is: unknown, running (started, not suspended yet), suspended (waiting), or
 * complete with its exit. `step` is the last step the body entered: an activity's name (`plan`),
 * `approval/<name>`, `open/<threadKey>` or a `step(name, …)`.
 */
export type Status<A, E> =
  | { readonly _tag: "NotFound" }
  | { readonly _tag: "Running"; readonly step: string }
  | { readonly _tag: "Suspended"; readonly step: string | undefined }
  | { readonly _tag: "Complete"; readonly exit: Exit.Exit<A, E>; readonly step: string | undefined }

/**
 * The status of an execution of `workflow` (`Workflow.poll`, bounded by `timeout`) and its current
 * step (recorded in the cluster's SQL database, table `effect_codex_workflow_steps`, when the body
 * enters a step; best effort).
 *
 * @example
 * ```ts
 * // declare: const Review: Workflow.Any
 * import type * as Workflow from "effect/workflow/Workflow"
 *
 * const logStatus = (executionId: string) =>
 *   Effect.gen(function*() {
 *     const status = yield* CodexWorkflow.status(Review, executionId)
 *     if (status._tag === "Suspended") yield* Effect.log(`waiting at ${status.step}`)
 *   })
 * ```
 */
export const status: <W extends Workflow.Any>(
  workflow: W,
  executionId: string,
  options?: CallOptions
) => Effect.Effect<
  Status<W["successSchema"]["Type"], W["errorSchema"]["Type"]>,
  WorkflowUnavailableError,
  WorkflowEngine.WorkflowEngine | W["successSchema"]["DecodingServices"] | W["errorSchema"]["DecodingServices"]
> = Effect.fn("CodexWorkflow.status")(function*(workflow: Workflow.Any, executionId: string, options?: CallOptions) {
  yield* Effect.annotateCurrentSpan({ workflow: workflow._tag, executionId })
  const [result, step] = yield* bounded(
    "status",
    options,
    Effect.all([(workflow as unknown as Pollable).poll(executionId), Steps.current(executionId)])
  )
  if (Option.isNone(result)) {
    return step === undefined ? { _tag: "NotFound" as const } : { _tag: "Running" as const, step }
  }
  return result.value._tag === "Suspended"
    ? { _tag: "Suspended" as const, step }
    : { _tag: "Complete" as const, exit: result.value.exit, step }
}) as never

/** What `status` uses of a workflow (every `Workflow.make` has it; `Workflow.Any` does not declare it). */
interface Pollable {
  readonly poll: (
    executionId: string
  ) => Effect.Effect<Option.Option<Workflow.Result<unknown, unknown>>, never, WorkflowEngine.WorkflowEngine>
}

/**
 * Names a step of a workflow body: a span `CodexWorkflow.step` with the attribute `step`, and the
 * step `status` reports. (Code outside activities runs again on every replay: keep side effects in
 * activities.)
 *
 * @example
 * ```ts
 * // declare: const key: string
 * const plan = CodexWorkflow.step("plan", CodexActivity.run(key, "Plan it", { name: "plan" }))
 * ```
 */
export const step = <A, E, R>(name: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.withSpan(Effect.andThen(Steps.enter(name), effect), "CodexWorkflow.step", { attributes: { step: name } })

// =============================================================================
// Layers
// =============================================================================

/**
 * `CodexCluster.layerEmbedded` plus a `ClusterWorkflowEngine` on its runner and SQLite file:
 * threads, turns, workflows, journals, approvals and clocks all live in `file`.
 *
 * @example
 * ```ts
 * // declare: const ReviewLive: Layer.Layer<never, never, WorkflowEngine | CodexCluster>
 * import type { WorkflowEngine } from "effect/workflow/WorkflowEngine"
 * import type { CodexCluster } from "@effect-codex/cluster/CodexCluster"
 * const Live = ReviewLive.pipe(
 *   Layer.provideMerge(CodexWorkflow.layerEmbedded({ file: "codex.db", codex: NodeCodex.layer() }))
 * )
 * ```
 */
export const layerEmbedded = <A, E, R>(
  options: CodexCluster.RunnerLayerOptions<A, E, R> & { readonly file: string }
): Layer.Layer<
  WorkflowEngine.WorkflowEngine | CodexCluster.CodexCluster | Sharding.Sharding,
  E | ConfigError.ConfigError | SqlError.SqlError,
  R
> => ClusterWorkflowEngine.layer.pipe(Layer.provideMerge(CodexCluster.layerEmbedded(options)))
