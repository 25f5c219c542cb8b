/**
 * The current step of each workflow execution, for `CodexWorkflow.status`: a row per execution in
 * the cluster's SQL database (table `effect_codex_workflow_steps`), written by the workflow body
 * when it enters a step (`CodexActivity.run` / `open`, `CodexWorkflow.waitFor` / `step`).
 *
 * A replay walks the steps again in order, so the last write is where the execution is. Best
 * effort: without a `SqlClient` in the workflow's context, or when the write fails, nothing is
 * recorded and the workflow goes on.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as SqlClient from "effect/sql/SqlClient"
import * as WorkflowEngine from "effect/workflow/WorkflowEngine"

/** The clients whose table exists (created once per client). */
const ready = new WeakSet<SqlClient.SqlClient>()

const ensureTable = (sql: SqlClient.SqlClient) =>
  ready.has(sql) ? Effect.void : sql`CREATE TABLE IF NOT EXISTS effect_codex_workflow_steps (
    execution_id TEXT PRIMARY KEY,
    step TEXT NOT NULL,
    updated_at BIGINT NOT NULL
  )`.pipe(Effect.tap(() => Effect.sync(() => ready.add(sql))))

/** Records `step` as the running execution's current step (no-op outside a workflow or without SQL). */
export const enter = (step: string): Effect.Effect<void> =>
  Effect.gen(function*() {
    const instance = yield* Effect.serviceOption(WorkflowEngine.WorkflowInstance)
    const sql = yield* Effect.serviceOption(SqlClient.SqlClient)
    if (Option.isNone(instance) || Option.isNone(sql)) return
    const executionId = instance.value.executionId
    yield* ensureTable(sql.value)
    yield* sql.value`INSERT INTO effect_codex_workflow_steps (execution_id, step, updated_at)
      VALUES (${executionId}, ${step}, ${Date.now()})
      ON CONFLICT (execution_id) DO UPDATE SET step = excluded.step, updated_at = excluded.updated_at`
  }).pipe(
    Effect.catch((error) => Effect.logDebug("cannot record the workflow step", error))
  )

const Rows = Schema.Array(Schema.Struct({ step: Schema.String }))

/** The recorded step of an execution, if any (none without SQL or on a read error). */
export const current = (executionId: string): Effect.Effect<string | undefined> =>
  Effect.gen(function*() {
    const sql = yield* Effect.serviceOption(SqlClient.SqlClient)
    if (Option.isNone(sql)) return undefined
    yield* ensureTable(sql.value)
    const rows = yield* sql.value`SELECT step FROM effect_codex_workflow_steps WHERE execution_id = ${executionId}`
    const decoded = yield* Schema.decodeUnknownEffect(Rows)(rows)
    return decoded[0]?.step
  }).pipe(Effect.orElseSucceed(() => undefined))
