/**
 * A runner's thread records: which Codex thread serves a thread key, and its rollout (the file that
 * holds the thread's history under the app-server's `CODEX_HOME`), in the cluster's SQL database
 * so that any runner can restore it. Also what this runner's app-server already holds, so that a
 * thread is restored only when the database has a newer version than the app-server.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as SqlClient from "effect/sql/SqlClient"
import * as ClusterErrors from "../ClusterErrors.ts"
import * as Files from "./files.ts"

/**
 * One thread key's row. `version` counts the rollouts stored (one per completed turn); `rollout`
 * is the file's content and `rolloutName` its file name (codex reads the thread id from it).
 */
export interface ThreadRecord {
  readonly threadKey: string
  readonly threadId: string
  readonly version: number
  readonly rollout: string | null
  readonly rolloutName: string | null
}

const Row = Schema.Struct({
  thread_id: Schema.String,
  version: Schema.Union([Schema.Number, Schema.NumberFromString]),
  rollout: Schema.NullOr(Schema.String),
  rollout_name: Schema.NullOr(Schema.String)
})
const decodeRows = Schema.decodeUnknownEffect(Schema.Array(Row))

/** The store of one runner. */
export interface ThreadStore {
  readonly get: (threadKey: string) => Effect.Effect<Option.Option<ThreadRecord>, ClusterErrors.ThreadStoreError>
  readonly put: (record: ThreadRecord) => Effect.Effect<void, ClusterErrors.ThreadStoreError>
  /** The version of the thread this runner's app-server holds, if any. */
  readonly held: (threadKey: string) => number | undefined
  readonly hold: (threadKey: string, version: number) => void
  /** Where a restored rollout is written: its `sessions/…` path under this runner's `CODEX_HOME`. */
  readonly restorePath: (rolloutName: string) => string
}

const storeError = (threadKey: string, what: string) => (cause: unknown) =>
  new ClusterErrors.ThreadStoreError({
    threadKey,
    message: `${what}: ${cause instanceof Error ? cause.message : String(cause)}`
  })

/** Creates the table (once per runner) and the store. */
export const make = Effect.fnUntraced(function*(codexHome: string) {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE IF NOT EXISTS effect_codex_threads (
    thread_key TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    rollout TEXT,
    rollout_name TEXT,
    updated_at BIGINT NOT NULL
  )`
  const heldVersions = new Map<string, number>()
  const store: ThreadStore = {
    get: (threadKey) =>
      sql`SELECT thread_id, CAST(version AS INTEGER) AS version, rollout, rollout_name
        FROM effect_codex_threads WHERE thread_key = ${threadKey}`.pipe(
        Effect.flatMap(decodeRows),
        Effect.map((rows) =>
          Option.map(Option.fromNullishOr(rows[0]), (row) => ({
            threadKey,
            threadId: row.thread_id,
            version: row.version,
            rollout: row.rollout,
            rolloutName: row.rollout_name
          }))
        ),
        Effect.mapError(storeError(threadKey, "cannot read the thread record"))
      ),
    put: (record) =>
      sql`INSERT INTO effect_codex_threads (thread_key, thread_id, version, rollout, rollout_name, updated_at)
        VALUES (${record.threadKey}, ${record.threadId}, ${record.version}, ${record.rollout}, ${record.rolloutName},
          ${Date.now()})
        ON CONFLICT (thread_key) DO UPDATE SET thread_id = excluded.thread_id, version = excluded.version,
        rollout = excluded.rollout, rollout_name = excluded.rollout_name, updated_at = excluded.updated_at`.pipe(
        Effect.asVoid,
        Effect.mapError(storeError(record.threadKey, "cannot store the thread record"))
      ),
    held: (threadKey) => heldVersions.get(threadKey),
    hold: (threadKey, version) => void heldVersions.set(threadKey, version),
    restorePath: (rolloutName) => Files.join(codexHome, rolloutName)
  }
  return store
}) satisfies (codexHome: string) => Effect.Effect<ThreadStore, unknown, SqlClient.SqlClient>
