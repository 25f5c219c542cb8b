/**
 * A real cluster for the multi-process tests: a throwaway PostgreSQL, a FakeModel in this process,
 * and two runner processes (`fixtures/runner.ts`: NodeClusterSocket + the real codex app-server
 * each), started once their shards have settled (B's joining moves half of A's shards, and any
 * turn running on them). Everything ends with the scope.
 */
import * as FakeModel from "@effect-codex/testing/FakeModel"
import * as PgClient from "@effect/sql-pg/PgClient"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { fileURLToPath } from "node:url"
import * as Postgres from "./postgres.ts"
import * as Processes from "./processes.ts"

/** The runner program (`fixtures/runner.ts`). */
export const runnerScript = fileURLToPath(new URL("../fixtures/runner.ts", import.meta.url))

/** The sharding settings every member uses (runners read SHARDS_PER_GROUP, default 30). */
export const shardingConfig = { shardsPerGroup: 30 }

/** The environment of a runner process (see `fixtures/runner.ts`). */
export const runnerEnv = (options: {
  readonly name: string
  readonly port: number
  readonly modelPort: number
  readonly pg: { readonly host: string; readonly port: number; readonly database: string; readonly username: string }
  readonly workflow?: boolean | undefined
  readonly shardsPerGroup?: number | undefined
}): Record<string, string> => ({
  RUNNER_NAME: options.name,
  RUNNER_PORT: String(options.port),
  FAKE_MODEL_PORT: String(options.modelPort),
  PG_HOST: options.pg.host,
  PG_PORT: String(options.pg.port),
  PG_DATABASE: options.pg.database,
  PG_USER: options.pg.username,
  WORKFLOW: options.workflow === true ? "1" : "0",
  SHARDS_PER_GROUP: String(options.shardsPerGroup ?? shardingConfig.shardsPerGroup)
})

/** A runner process and its name. */
export interface Runner {
  readonly name: string
  readonly runner: Processes.NodeProcess
}

/** Starts Postgres, the FakeModel and runners A and B (with the workflow engine when `workflow`). */
export const start = Effect.fnUntraced(function*(options: { readonly workflow?: boolean } = {}) {
  const pg = yield* Postgres.acquire()
  const model = yield* FakeModel.make
  const sql = PgClient.layer({ host: pg.host, port: pg.port, database: pg.database, username: pg.username })
  const spawnRunner = Effect.fnUntraced(function*(name: string) {
    const port = yield* Processes.freePort
    const runner = yield* Processes.spawnNode(runnerScript, {
      env: runnerEnv({ name, port, modelPort: model.port, pg, workflow: options.workflow })
    })
    yield* runner.waitForLine(new RegExp(`^READY ${name} `), "60 seconds")
    return { name, runner } satisfies Runner
  })
  const a = yield* spawnRunner("A")
  const b = yield* spawnRunner("B")
  yield* Effect.all([a, b].map(({ runner }) => runner.waitForLine(/^SHARDS 15$/, "60 seconds")), {
    concurrency: 2
  })
  /** The runner whose stdout shows `pattern` first (lines before it are consumed). */
  const firstToPrint = (pattern: RegExp, timeout: Duration.Input) =>
    Effect.raceFirst(
      Effect.as(a.runner.waitForLine(pattern, timeout), a),
      Effect.as(b.runner.waitForLine(pattern, timeout), b)
    )
  const other = (runner: Runner) => runner === a ? b : a
  return { pg, model, sql, a, b, firstToPrint, other }
})
