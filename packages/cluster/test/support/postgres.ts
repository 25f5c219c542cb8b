/**
 * A throwaway real PostgreSQL for tests, as a scoped resource: a fresh data directory in a temp
 * directory, a server on `127.0.0.1` and a free port, one database; closing the scope stops the
 * server (immediate shutdown) and deletes the directory, also when the test fails or is interrupted.
 *
 * - **Binaries**: the Debian `postgresql` package's `/usr/lib/postgresql/<version>/bin` (the
 *   highest version present). Missing: {@link PostgresUnavailable} saying to
 *   `apt-get install postgresql`. The Debian cluster service is not used.
 * - **As root** the server runs as user `postgres` (PostgreSQL refuses root): the temp directory is
 *   chowned to it and `initdb`/`postgres` are spawned with its uid and gid. Otherwise as the
 *   current user.
 * - **The postmaster is our own child**, spawned directly rather than through `pg_ctl start`:
 *   `pg_ctl` leaves the postmaster orphaned (re-parented to pid 1), and pid 1 of this machine's
 *   sandbox does not reap orphans, so every stopped server would stay in `pgrep postgres` as a
 *   zombie. Readiness is what `pg_ctl -w` waits for: the status line of `postmaster.pid` says
 *   `ready`. Stopping sends SIGQUIT (what `pg_ctl -m immediate stop` sends), then SIGKILL to
 *   whatever of its tree is left.
 * - **Fast settings**: `initdb --no-sync`, `fsync`, `synchronous_commit` and `full_page_writes` off.
 *   Trust authentication; the unix socket goes in the temp directory.
 * - **Port**: a free one (bind port 0, release it); on a collision the start is retried on another.
 * - **Bounded**: every step has a timeout; if this process dies with the server running (a vitest
 *   worker killed with SIGKILL runs no finalizer), a watchdog stops it and deletes the directory.
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type * as Sql from "effect/sql/SqlClient"
import type * as SqlError from "effect/sql/SqlError"
import * as NodeChildProcess from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import * as Processes from "./processes.ts"

// =============================================================================
// Models
// =============================================================================

/** A running throwaway server. Connect with `PgClient.layer({ host, port, database, username })`. */
export interface Postgres {
  readonly host: "127.0.0.1"
  readonly port: number
  readonly database: string
  readonly username: string
  /** `postgres://postgres@127.0.0.1:<port>/<database>` (trust authentication, no password). */
  readonly url: string
  /** The postmaster's pid. */
  readonly pid: number
  /** The temp directory (data directory `data/`, the unix socket, `postgres.log`); deleted on release. */
  readonly directory: string
  /** The PostgreSQL major version of the binaries used. */
  readonly version: number
  /** How long the steps of the start took. */
  readonly timings: {
    readonly initdbMillis: number
    readonly startMillis: number
    readonly createDatabaseMillis: number
  }
}

export interface Options {
  /** The directory with `initdb` and `postgres` (default: the highest `/usr/lib/postgresql/<n>/bin`). */
  readonly binDir?: string | undefined
  /** The database to create (default `"test"`). */
  readonly database?: string | undefined
  /** Timeout of each step: initdb, server start, database creation (default 60 s). */
  readonly stepTimeout?: Duration.Input | undefined
}

/** No throwaway PostgreSQL could be started; `description` says why and what to do. */
export class PostgresUnavailable extends Schema.TaggedError<PostgresUnavailable>(
  "@effect-codex/cluster/test/PostgresUnavailable"
)("PostgresUnavailable", {
  reason: Schema.Literals(["NotInstalled", "NoPostgresUser", "Initdb", "Start", "CreateDatabase"]),
  description: Schema.String
}) {
  override get message(): string {
    return this.description
  }
}

/** The running server, for tests that share one per file (`layer(PostgresTest.layer)`). */
export class PostgresTest extends Context.Service<PostgresTest, Postgres>()(
  "@effect-codex/cluster/test/PostgresTest"
) {}

// =============================================================================
// Helpers
// =============================================================================

const unavailable = (reason: PostgresUnavailable["reason"], description: string) =>
  new PostgresUnavailable({ reason, description })

const debianRoot = "/usr/lib/postgresql"

/** The highest `/usr/lib/postgresql/<n>/bin` that has `initdb` and `postgres`, with `<n>`. */
const findBinaries = (
  binDir: string | undefined
): { readonly binDir: string; readonly version: number } | undefined => {
  const usable = (dir: string) =>
    NodeFs.existsSync(NodePath.join(dir, "initdb")) && NodeFs.existsSync(NodePath.join(dir, "postgres"))
  if (binDir !== undefined) {
    const version = Number(/\/(\d+)\/bin\/?$/.exec(binDir)?.[1] ?? Number.NaN)
    return usable(binDir) ? { binDir, version } : undefined
  }
  let entries: Array<string>
  try {
    entries = NodeFs.readdirSync(debianRoot)
  } catch {
    return undefined
  }
  const versions = entries.filter((name) => /^\d+$/.test(name)).map(Number).toSorted((a, b) => b - a)
  const version = versions.find((v) => usable(NodePath.join(debianRoot, String(v), "bin")))
  return version === undefined ? undefined : { binDir: NodePath.join(debianRoot, String(version), "bin"), version }
}

/** The uid and gid of user `postgres`, from `id`. */
const postgresUser = (): { readonly uid: number; readonly gid: number } | undefined => {
  try {
    const id = (flag: string) =>
      Number(NodeChildProcess.execFileSync("id", [flag, "postgres"], { encoding: "utf8", timeout: 5_000 }).trim())
    return { uid: id("-u"), gid: id("-g") }
  } catch {
    return undefined
  }
}

interface RunResult {
  readonly ok: boolean
  /** The last 16 KB of stdout and stderr, or why it did not run. */
  readonly output: string
}

interface RunAs {
  readonly uid?: number | undefined
  readonly gid?: number | undefined
}

/** Runs a short-lived program, killed (SIGKILL) after `timeoutMillis`. */
const run = (
  file: string,
  args: ReadonlyArray<string>,
  options: RunAs & { readonly cwd: string; readonly env: NodeJS.ProcessEnv; readonly timeoutMillis: number }
): Effect.Effect<RunResult> =>
  Effect.callback<RunResult>((resume) => {
    let output = ""
    const append = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-16_384)
    }
    let child: NodeChildProcess.ChildProcess
    try {
      child = NodeChildProcess.spawn(file, args, {
        cwd: options.cwd,
        env: options.env,
        stdio: ["ignore", "pipe", "pipe"],
        ...(options.uid === undefined ? {} : { uid: options.uid }),
        ...(options.gid === undefined ? {} : { gid: options.gid })
      })
    } catch (error) {
      return resume(Effect.succeed({ ok: false, output: String(error) }))
    }
    child.stdout!.on("data", append)
    child.stderr!.on("data", append)
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      output += `\n(killed after ${options.timeoutMillis} ms)`
    }, options.timeoutMillis)
    child.on("error", (error) => {
      clearTimeout(timer)
      resume(Effect.succeed({ ok: false, output: `${output}\n${error.message}` }))
    })
    // 'exit', not 'close': a grandchild that kept a pipe open must not make us wait.
    child.on("exit", (code) => {
      clearTimeout(timer)
      resume(Effect.succeed({ ok: code === 0, output }))
    })
    return Effect.sync(() => {
      clearTimeout(timer)
      child.kill("SIGKILL")
    })
  })

/** The last `bytes` of a file, or "" if it cannot be read. */
const tail = (file: string, bytes = 4_096): string => {
  try {
    return NodeFs.readFileSync(file, "utf8").slice(-bytes)
  } catch {
    return ""
  }
}

/** Whether `postmaster.pid` says the server with pid `pid` accepts connections (as `pg_ctl -w`). */
const isReady = (dataDir: string, pid: number): boolean => {
  try {
    const lines = NodeFs.readFileSync(NodePath.join(dataDir, "postmaster.pid"), "utf8").split("\n")
    // Line 1: the pid; line 8: the status ("starting", "ready   ", "stopping", "standby ").
    return Number(lines[0]) === pid && lines[7]?.trim() === "ready"
  } catch {
    return false
  }
}

const millisSince = (start: number) => Math.round(performance.now() - start)

// =============================================================================
// The server
// =============================================================================

interface Postmaster {
  readonly child: NodeChildProcess.ChildProcess
  readonly pid: number
  readonly stat: Processes.ProcStat
}

const hasExited = (child: NodeChildProcess.ChildProcess) => child.exitCode !== null || child.signalCode !== null

/**
 * Stops the postmaster: SIGQUIT (immediate shutdown: the postmaster ends its backends and reaps
 * them), up to 10 s, then SIGKILL to whatever of its tree is left; returns once all of it is gone.
 */
const stopPostmaster = (postmaster: Postmaster): Effect.Effect<void> =>
  Effect.gen(function*() {
    const tree = Processes.descendants(postmaster.pid)
    if (!hasExited(postmaster.child)) {
      postmaster.child.kill("SIGQUIT")
      yield* Processes.pollUntil(() => hasExited(postmaster.child), 10_000)
    }
    yield* Processes.killTree(postmaster.stat, tree)
  })

/** Spawns the postmaster on `port`; `Start` failures carry the server log, `collision` a port in use. */
const startPostmaster = (
  options: {
    readonly binDir: string
    readonly directory: string
    readonly dataDir: string
    readonly port: number
    readonly env: NodeJS.ProcessEnv
    readonly timeoutMillis: number
  } & RunAs
): Effect.Effect<Postmaster, PostgresUnavailable | "collision", Scope.Scope> =>
  Effect.gen(function*() {
    const logFile = NodePath.join(options.directory, `postgres-${options.port}.log`)
    const postmaster = yield* Effect.acquireRelease(
      Effect.callback<Postmaster, PostgresUnavailable>((resume) => {
        let log: number
        let child: NodeChildProcess.ChildProcess
        try {
          log = NodeFs.openSync(logFile, "a")
        } catch (error) {
          return resume(Effect.fail(unavailable("Start", `cannot create ${logFile}: ${String(error)}`)))
        }
        try {
          child = NodeChildProcess.spawn(
            NodePath.join(options.binDir, "postgres"),
            [
              "-D",
              options.dataDir,
              "-h",
              "127.0.0.1",
              "-p",
              String(options.port),
              "-k",
              options.directory,
              "-c",
              "fsync=off",
              "-c",
              "synchronous_commit=off",
              "-c",
              "full_page_writes=off"
            ],
            {
              cwd: options.directory,
              env: options.env,
              stdio: ["ignore", log, log],
              detached: true,
              ...(options.uid === undefined ? {} : { uid: options.uid }),
              ...(options.gid === undefined ? {} : { gid: options.gid })
            }
          )
        } catch (error) {
          NodeFs.closeSync(log)
          return resume(Effect.fail(unavailable("Start", `cannot spawn postgres: ${String(error)}`)))
        }
        NodeFs.closeSync(log)
        child.once("spawn", () => {
          child.on("error", () => {})
          resume(Effect.succeed({ child, pid: child.pid!, stat: Processes.spawnedStat(child.pid!) }))
        })
        child.once("error", (error) =>
          resume(Effect.fail(unavailable("Start", `cannot spawn postgres: ${error.message}`))))
      }),
      stopPostmaster
    )
    // If this process dies with the server running: stop it and delete the directory.
    yield* Processes.orphanGuard([{ process: postmaster.stat, gentleSignal: "SIGQUIT" }], [options.directory])
    const ready = yield* Processes.pollUntil(
      () =>
        hasExited(postmaster.child) || isReady(options.dataDir, postmaster.pid),
      options.timeoutMillis
    )
    if (!ready || hasExited(postmaster.child)) {
      const log = tail(logFile)
      if (/Address already in use|could not create any TCP\/IP sockets/.test(log)) {
        return yield* Effect.fail("collision" as const)
      }
      return yield* Effect.fail(
        unavailable(
          "Start",
          `${
            ready ? "postgres exited at start" : `postgres was not ready after ${options.timeoutMillis} ms`
          }; log:\n${log}`
        )
      )
    }
    return postmaster
  })

/**
 * Starts a throwaway server (see the module doc). Scoped: closing the scope stops it and deletes its
 * directory.
 */
export const acquire = (options: Options = {}): Effect.Effect<Postgres, PostgresUnavailable, Scope.Scope> =>
  Effect.gen(function*() {
    const binaries = findBinaries(options.binDir)
    if (binaries === undefined) {
      return yield* Effect.fail(unavailable(
        "NotInstalled",
        `the PostgreSQL server binaries (initdb, postgres) are not in ${
          options.binDir ?? `${debianRoot}/<version>/bin`
        }: install them with \`apt-get install postgresql\``
      ))
    }
    const { binDir, version } = binaries
    const asRoot = process.getuid?.() === 0
    const user = asRoot ? postgresUser() : undefined
    if (asRoot && user === undefined) {
      return yield* Effect.fail(unavailable(
        "NoPostgresUser",
        "running as root, PostgreSQL must run as user postgres, which does not exist: `apt-get install postgresql` creates it"
      ))
    }
    const runAs: RunAs = user ?? {}
    const timeoutMillis = Duration.toMillis(options.stepTimeout ?? "60 seconds")
    const database = options.database ?? "test"

    const directory = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const dir = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "effect-codex-pg-"))
        if (user !== undefined) NodeFs.chownSync(dir, user.uid, user.gid)
        return dir
      }),
      (dir) => Effect.sync(() => NodeFs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 }))
    )
    const dataDir = NodePath.join(directory, "data")
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: directory,
      LC_ALL: "C",
      LANG: "C"
    }

    let started = performance.now()
    const initdb = yield* run(
      NodePath.join(binDir, "initdb"),
      ["-D", dataDir, "-A", "trust", "-U", "postgres", "--no-locale", "-E", "UTF8", "--no-sync"],
      { ...runAs, cwd: directory, env, timeoutMillis }
    )
    if (!initdb.ok) return yield* Effect.fail(unavailable("Initdb", `initdb failed:\n${initdb.output}`))
    const initdbMillis = millisSince(started)

    started = performance.now()
    let postmaster: Postmaster | undefined
    let port = 0
    for (let attempt = 1; postmaster === undefined; attempt++) {
      port = yield* Processes.freePort
      const result = yield* startPostmaster({ ...runAs, binDir, directory, dataDir, port, env, timeoutMillis }).pipe(
        Effect.catch((error) =>
          error === "collision" && attempt < 5
            ? Effect.succeed(undefined)
            : Effect.fail(error === "collision" ? unavailable("Start", "5 ports in a row were taken") : error)
        )
      )
      postmaster = result
    }
    const startMillis = millisSince(started)

    started = performance.now()
    const createdb = yield* run(
      NodePath.join(binDir, "createdb"),
      [
        "-h",
        "127.0.0.1",
        "-p",
        String(port),
        "-U",
        "postgres",
        ...(version >= 15 ? ["--strategy=file_copy"] : []),
        database
      ],
      { cwd: directory, env: { ...env, PGCONNECT_TIMEOUT: "10" }, timeoutMillis }
    )
    if (!createdb.ok) {
      return yield* Effect.fail(unavailable("CreateDatabase", `createdb ${database} failed:\n${createdb.output}`))
    }
    const createDatabaseMillis = millisSince(started)

    return {
      host: "127.0.0.1",
      port,
      database,
      username: "postgres",
      url: `postgres://postgres@127.0.0.1:${port}/${database}`,
      pid: postmaster.pid,
      directory,
      version,
      timings: { initdbMillis, startMillis, createDatabaseMillis }
    } satisfies Postgres
  })

/** {@link PostgresTest} from {@link acquire}. */
export const layer = (options: Options = {}): Layer.Layer<PostgresTest, PostgresUnavailable> =>
  Layer.effect(PostgresTest, acquire(options))

/** A `PgClient` (and `SqlClient`) connected to the server of {@link PostgresTest}. */
export const layerClient: Layer.Layer<PgClient.PgClient | Sql.SqlClient, SqlError.SqlError, PostgresTest> = Layer
  .unwrap(Effect.gen(function*() {
    const pg = yield* PostgresTest
    return PgClient.layer({ host: pg.host, port: pg.port, database: pg.database, username: pg.username })
  }))
