/**
 * The test infrastructure of the multi-process cluster tests: a throwaway real PostgreSQL
 * (`postgres.ts`) that `@effect/sql-pg` can use and that is gone once its scope closes, and node
 * programs as child processes (`processes.ts`) whose whole tree dies with `kill9` or with the scope.
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as SqlClient from "effect/sql/SqlClient"
import * as Stream from "effect/Stream"
import * as NodeFs from "node:fs"
import * as NodeNet from "node:net"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import * as Postgres from "./postgres.ts"
import * as Processes from "./processes.ts"

/** Whether something accepts TCP connections on 127.0.0.1:`port` (1 s connect timeout). */
const accepts = (port: number): Effect.Effect<boolean> =>
  Effect.callback<boolean>((resume) => {
    const socket = NodeNet.connect({ host: "127.0.0.1", port, timeout: 1_000 })
    const done = (ok: boolean) => {
      socket.destroy()
      resume(Effect.succeed(ok))
    }
    socket.once("connect", () => done(true))
    socket.once("error", () => done(false))
    socket.once("timeout", () => done(false))
  })

/** The postmaster and its children (checkpointer, walwriter, backends, …), while it runs. */
const serverTree = (pid: number): ReadonlyArray<Processes.ProcStat> => [
  Processes.spawnedStat(pid),
  ...Processes.descendants(pid)
]

/** The pids of `tree` that still run. */
const running = (tree: ReadonlyArray<Processes.ProcStat>): ReadonlyArray<number> =>
  tree.filter((proc) => !Processes.procGone(proc)).map((proc) => proc.pid)

/** A temp directory with the given files, deleted when the scope closes. */
const scripts = (files: Readonly<Record<string, string>>) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const dir = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "effect-codex-procs-"))
      for (const [name, text] of Object.entries(files)) NodeFs.writeFileSync(NodePath.join(dir, name), text)
      return dir
    }),
    (dir) => Effect.sync(() => NodeFs.rmSync(dir, { recursive: true, force: true }))
  )

describe("PostgresTest", () => {
  it.live("starts a real PostgreSQL that @effect/sql-pg queries, and removes it when the scope closes", () =>
    Effect.gen(function*() {
      const { server, tree } = yield* Effect.scoped(Effect.gen(function*() {
        const pg = yield* Postgres.acquire({ database: "cluster" })
        assert.strictEqual(pg.host, "127.0.0.1")
        assert.strictEqual(pg.url, `postgres://postgres@127.0.0.1:${pg.port}/cluster`)
        const rows = yield* Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          yield* sql`CREATE TABLE t (id integer PRIMARY KEY, name text NOT NULL)`
          yield* sql`INSERT INTO t ${sql.insert([{ id: 1, name: "one" }, { id: 2, name: "two" }])}`
          return yield* sql<
            { readonly db: string; readonly names: string }
          >`SELECT current_database() AS db, string_agg(name, ',' ORDER BY id) AS names FROM t`
        }).pipe(
          Effect.provide(
            PgClient.layer({ host: pg.host, port: pg.port, database: pg.database, username: pg.username })
          )
        )
        assert.deepStrictEqual(rows.map((row) => ({ ...row })), [{ db: "cluster", names: "one,two" }])
        assert.isTrue(yield* accepts(pg.port))
        const tree = serverTree(pg.pid)
        // The postmaster, its auxiliary processes and the pool's backends.
        assert.isAtLeast(running(tree).length, 4)
        return { server: pg, tree }
      }))
      assert.isFalse(NodeFs.existsSync(server.directory), "the directory is deleted")
      assert.isFalse(yield* accepts(server.port), "nothing listens on the port any more")
      assert.deepStrictEqual(running(tree), [], "no postgres process is left")
    }))

  it.live("layer + layerClient: the server is a service, the client connects to it", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const pg = yield* Postgres.PostgresTest
      const rows = yield* sql<{ readonly n: number }>`SELECT 40 + 2 AS n`
      assert.deepStrictEqual(rows.map((row) => row.n), [42])
      assert.strictEqual(pg.database, "test")
    }).pipe(Effect.provide(Postgres.layerClient.pipe(Layer.provideMerge(Postgres.layer())))))

  it.live("an interrupted test still stops the server and deletes its directory", () =>
    Effect.gen(function*() {
      const started = yield* Deferred.make<Postgres.Postgres, Postgres.PostgresUnavailable>()
      const fiber = yield* Effect.scoped(Effect.gen(function*() {
        yield* Deferred.succeed(started, yield* Postgres.acquire())
        return yield* Effect.never
      })).pipe(
        Effect.onError(() => Deferred.die(started, "the server did not start")),
        Effect.forkChild({ startImmediately: true })
      )
      const server = yield* Deferred.await(started).pipe(Effect.timeout("60 seconds"))
      assert.isTrue(yield* accepts(server.port))
      const tree = serverTree(server.pid)
      assert.isAtLeast(running(tree).length, 2)
      const exit = yield* Fiber.interrupt(fiber).pipe(Effect.andThen(Fiber.await(fiber)))
      assert.isTrue(Exit.hasInterrupts(exit))
      assert.isFalse(NodeFs.existsSync(server.directory))
      assert.deepStrictEqual(running(tree), [])
    }))

  it.live("missing binaries are a typed error that says what to install", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.scoped(Postgres.acquire({ binDir: "/nonexistent/postgresql/15/bin" })))
      assert.strictEqual(error._tag, "PostgresUnavailable")
      assert.strictEqual(error.reason, "NotInstalled")
      assert.include(error.message, "apt-get install postgresql")
    }))
})

const readyScript = `
console.log("pid " + process.pid)
console.log("argv " + process.argv.slice(2).join(" ") + " env " + process.env.SUPPORT_TEST)
console.log("READY")
setInterval(() => {}, 1000)
`

/** Spawns `sleep 1000` in its own group (`detached`, as the SDK spawns codex) or in ours. */
const parentScript = `
import { spawn } from "node:child_process"
const detached = process.argv[2] === "detached"
const child = spawn("sleep", ["1000"], { stdio: "ignore", detached })
child.on("spawn", () => {
  console.log("GRANDCHILD " + child.pid)
  console.log("READY")
})
setInterval(() => {}, 1000)
`

const stubbornScript = `
process.on("SIGTERM", () => console.log("ignoring SIGTERM"))
console.log("READY")
setInterval(() => {}, 1000)
`

const grandchildPid = (line: string): number => Number(/GRANDCHILD (\d+)/.exec(line)?.[1])

describe("spawnNode", () => {
  it.live("runs the real node (not the .bin shim) and waits for READY; args and env reach it", () =>
    Effect.gen(function*() {
      const dir = yield* scripts({ "ready.mjs": readyScript })
      const child = yield* Processes.spawnNode(NodePath.join(dir, "ready.mjs"), {
        args: ["a", "b"],
        env: { SUPPORT_TEST: "yes" }
      })
      const pidLine = yield* child.waitForLine(/^pid /, "20 seconds")
      assert.strictEqual(pidLine, `pid ${child.pid}`, "the pid held is the node process itself")
      assert.strictEqual(NodeFs.realpathSync(`/proc/${child.pid}/exe`), NodeFs.realpathSync(process.execPath))
      assert.strictEqual(yield* child.waitForLine(/^argv/, "5 seconds"), "argv a b env yes")
      yield* child.waitForLine(/^READY$/, "5 seconds")
    }))

  it.live("kill9 ends the process and its grandchildren, in its group or not", () =>
    Effect.gen(function*() {
      const dir = yield* scripts({ "parent.mjs": parentScript })
      for (const mode of ["same-group", "detached"]) {
        const child = yield* Processes.spawnNode(NodePath.join(dir, "parent.mjs"), { args: [mode] })
        const grandchild = grandchildPid(yield* child.waitForLine(/^GRANDCHILD \d+$/, "20 seconds"))
        yield* child.waitForLine(/^READY$/, "5 seconds")
        process.kill(child.pid, 0)
        process.kill(grandchild, 0)
        assert.isFalse(Processes.isGone(grandchild), `${mode}: the grandchild runs`)
        const exit = yield* child.kill9
        assert.strictEqual(exit.signal, "SIGKILL", mode)
        // pid 1 here does not reap orphans: a killed grandchild may stay a zombie, which is gone.
        assert.isTrue(Processes.isGone(child.pid), `${mode}: the child is gone`)
        assert.isTrue(Processes.isGone(grandchild), `${mode}: the grandchild is gone`)
        assert.throws(() => process.kill(child.pid, 0), /ESRCH/, `${mode}: the child's pid is free`)
      }
    }))

  it.live("closing the scope ends the process and its grandchildren (SIGTERM, then SIGKILL)", () =>
    Effect.gen(function*() {
      const dir = yield* scripts({ "parent.mjs": parentScript, "stubborn.mjs": stubbornScript })
      const pids = yield* Effect.scoped(Effect.gen(function*() {
        const parent = yield* Processes.spawnNode(NodePath.join(dir, "parent.mjs"), { args: ["detached"] })
        const grandchild = grandchildPid(yield* parent.waitForLine(/^GRANDCHILD \d+$/, "20 seconds"))
        const stubborn = yield* Processes.spawnNode(NodePath.join(dir, "stubborn.mjs"), {
          forceKillAfter: "500 millis"
        })
        yield* stubborn.waitForLine(/^READY$/, "20 seconds")
        return [parent.pid, grandchild, stubborn.pid]
      }))
      for (const pid of pids) assert.isTrue(Processes.isGone(pid), `process ${pid} is gone`)
    }))

  it.live("waitForLine fails typed: on timeout, and when the process ends first", () =>
    Effect.gen(function*() {
      const dir = yield* scripts({
        "quiet.mjs": `console.log("hello"); setInterval(() => {}, 1000)`,
        "exits.mjs": `console.log("bye"); process.exit(3)`
      })
      const quiet = yield* Processes.spawnNode(NodePath.join(dir, "quiet.mjs"))
      const timeout = yield* Effect.flip(quiet.waitForLine(/^never$/, "300 millis"))
      assert.strictEqual(timeout._tag, "LineTimeout")
      const exits = yield* Processes.spawnNode(NodePath.join(dir, "exits.mjs"))
      const ended = yield* Effect.flip(exits.waitForLine(/^never$/, "20 seconds"))
      assert.strictEqual(ended._tag, "ProcessEnded")
      if (ended._tag === "ProcessEnded") {
        assert.strictEqual(ended.exitCode, 3)
        assert.deepStrictEqual(ended.recentOutput, ["bye"])
      }
    }))

  it.live("lines streams stdout; the queue is bounded (oldest lines dropped)", () =>
    Effect.gen(function*() {
      const dir = yield* scripts({
        "count.mjs": `for (let i = 1; i <= 50; i++) console.log("line " + i)`
      })
      const child = yield* Processes.spawnNode(NodePath.join(dir, "count.mjs"), { lineCapacity: 10 })
      const exit = yield* child.exit.pipe(Effect.timeout("20 seconds"))
      assert.strictEqual(exit.exitCode, 0)
      const lines = yield* child.lines.pipe(Stream.runCollect, Effect.timeout("5 seconds"))
      assert.deepStrictEqual(lines, Array.from({ length: 10 }, (_, i) => `line ${41 + i}`))
    }))
})
