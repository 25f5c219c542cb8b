/**
 * The errors the cluster adds to core's `Errors`: a call that no runner answered within its
 * deadline, and a `steer` or `interrupt` sent while the thread runs no turn. Both are
 * `Schema.TaggedError` classes and name the thread key.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { CodexCluster } from "@effect-codex/cluster"
 *
 * const program = Effect.gen(function*() {
 *   const thread = yield* CodexCluster.thread("task-42")
 *   return yield* thread.run("Summarise the open issues")
 * }).pipe(
 *   Effect.catchTag("ClusterUnavailableError", (e) => Effect.logError(`no runner for ${e.threadKey}`))
 * )
 * ```
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"

/**
 * No runner answered a call for this thread within its deadline (`operation` names the call), or
 * the cluster refused the message (`reason`: a full mailbox, storage down, …). A cluster with no
 * runner left keeps messages waiting silently; this error is what the caller sees instead. A
 * persisted turn (`run`, `stream`) may still run later, when a runner comes back: retry it with
 * the same idempotency key to attach to it instead of starting it twice.
 */
export class ClusterUnavailableError extends Schema.TaggedError<ClusterUnavailableError>(
  "@effect-codex/cluster/ClusterErrors/ClusterUnavailableError"
)("ClusterUnavailableError", {
  threadKey: Schema.String,
  operation: Schema.String,
  message: Schema.String,
  reason: Schema.optional(Schema.String)
}) {}

/** `steer` or `interrupt` reached a thread that runs no turn. */
export class NoActiveTurnError extends Schema.TaggedError<NoActiveTurnError>(
  "@effect-codex/cluster/ClusterErrors/NoActiveTurnError"
)("NoActiveTurnError", { threadKey: Schema.String, message: Schema.String }) {}

/**
 * The runner could not load or store a thread's record or rollout (its SQL database or the
 * rollout file failed), or the thread's history could not be restored on this runner.
 */
export class ThreadStoreError extends Schema.TaggedError<ThreadStoreError>(
  "@effect-codex/cluster/ClusterErrors/ThreadStoreError"
)("ThreadStoreError", { threadKey: Schema.String, message: Schema.String }) {}
