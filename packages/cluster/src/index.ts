/**
 * Scale-out for effect-codex on `effect/cluster`: Codex threads as sharded `CodexThread` entities,
 * runners that own app-servers, an embedded SQLite default and Postgres-backed socket runners.
 *
 * @since 0.2.0
 */

/** The client: `CodexCluster.thread(key)` gives run / turn / stream / steer / interrupt / read; the layers. */
export * as CodexCluster from "./CodexCluster.ts"

/** The `CodexThread` entity (its RPCs and chunk schemas) and the runner's `layer`. */
export * as CodexThread from "./CodexThread.ts"

/** `ClusterUnavailableError`, `NoActiveTurnError`, `ThreadStoreError`. */
export * as ClusterErrors from "./ClusterErrors.ts"

/** Codex turns and thread creation as `effect/workflow` activities: journaled, replayed, re-run by key after a crash. */
export * as CodexActivity from "./CodexActivity.ts"

/** People in the loop of a durable workflow: `approval`, `waitFor`, `approve`, timeouts, `status`, `layerEmbedded`. */
export * as CodexWorkflow from "./CodexWorkflow.ts"
