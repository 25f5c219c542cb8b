/**
 * The cluster benchmark (`@effect-codex/cluster`): one throwaway PostgreSQL, one FakeModel (hosted
 * here), runner processes (`packages/cluster/test/fixtures/runner.ts`: NodeClusterSocket + a real
 * codex app-server each, pinned to one CPU with `taskset` to stand for a machine), and this process
 * as the client-only member. In order:
 *
 * 1. **hop**: sequential turns (model answering at once) through the direct SDK (`thread.run` on
 *    an app-server of this process), the embedded layer (`layerEmbedded`, SQLite, same process) and
 *    a socket runner on loopback (client-only here → runner A), alternating, after a warm-up;
 * 2. **burst, 1 runner**: N threads opened, then N turns at once (model answering after a delay);
 * 3. **burst, 2 runners**: runner B joins (other CPU), N fresh threads, the same burst;
 * 4. **big burst**: M threads × 1 turn over the 2 runners (time, failures, latency, runner memory);
 * 5. **failover**: a streaming turn whose owner is SIGKILLed mid-turn; time from the kill to the
 *    next chunk and to the result at the caller; the killed runner is replaced before the next try.
 *
 *   pnpm run bench:cluster                  # everything → bench/CLUSTER.md (CLUSTER_BENCH_OUT)
 *   CLUSTER_BENCH_QUICK=1 CLUSTER_BENCH_OUT=/tmp/c.md pnpm run bench:cluster   # small, to try the harness
 *
 * Settings (environment): CLUSTER_BENCH_TURNS (200), CLUSTER_BENCH_DELAY_MS (2000),
 * CLUSTER_BENCH_BIG (2000), CLUSTER_BENCH_HOP_RUNS (50), CLUSTER_BENCH_HOP_WARMUP (5),
 * CLUSTER_BENCH_FAILOVERS (3), CLUSTER_BENCH_SHARDS (30), CLUSTER_BENCH_ONLY (comma list of
 * hop,burst,big,failover).
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as CodexCluster from "../packages/cluster/src/CodexCluster.ts"
import type * as CodexThread from "../packages/cluster/src/CodexThread.ts"
import * as Postgres from "../packages/cluster/test/support/postgres.ts"
import * as Codex from "../packages/core/src/Codex.ts"
import * as NodeCodex from "../packages/node/src/NodeCodex.ts"
import * as FakeModel from "../packages/testing/src/FakeModel.ts"
import * as Runners from "./lib/clusterRunners.ts"
import { codexEnv, makeHome, now } from "./lib/common.ts"

const quick = process.env.CLUSTER_BENCH_QUICK === "1"
const num = (name: string, full: number, small: number) => Number(process.env[name] ?? (quick ? small : full))
const settings = {
  turns: num("CLUSTER_BENCH_TURNS", 200, 20),
  delayMs: num("CLUSTER_BENCH_DELAY_MS", 2000, 1000),
  big: num("CLUSTER_BENCH_BIG", 2000, 60),
  hopRuns: num("CLUSTER_BENCH_HOP_RUNS", 50, 8),
  hopWarmup: num("CLUSTER_BENCH_HOP_WARMUP", 5, 2),
  failovers: num("CLUSTER_BENCH_FAILOVERS", 3, 1),
  shards: num("CLUSTER_BENCH_SHARDS", 30, 30),
  openConcurrency: 32
}
/**
 * `effect/cluster`'s `entityReplyPollInterval` (default 200 ms) for every member, to see its share of
 * the hop: the client-only member and the embedded layer get it in their `shardingConfig`, the
 * runners through the environment (`ENTITY_REPLY_POLL_INTERVAL`, read by `ShardingConfig.layerFromEnv`).
 */
const replyPollMs = process.env.CLUSTER_BENCH_REPLY_POLL_MS
if (replyPollMs !== undefined) process.env.ENTITY_REPLY_POLL_INTERVAL = `${Number(replyPollMs)} millis`
/** `0`: the killed turn is the thread's first (reproduces the failure described in CLUSTER.md). */
const failoverWarm = process.env.CLUSTER_BENCH_FAILOVER_WARM !== "0"
const only = new Set((process.env.CLUSTER_BENCH_ONLY ?? "hop,burst,big,failover").split(","))
const out = process.env.CLUSTER_BENCH_OUT ?? (quick ? undefined : Path.join(import.meta.dirname, "CLUSTER.md"))

// -----------------------------------------------------------------------------
// Statistics and helpers
// -----------------------------------------------------------------------------

const quantile = (xs: ReadonlyArray<number>, p: number) => {
  if (xs.length === 0) return NaN
  const sorted = xs.toSorted((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}
const median = (xs: ReadonlyArray<number>) => quantile(xs, 0.5)
const ms = (x: number) => Number.isNaN(x) ? "–" : x >= 100 ? x.toFixed(0) : x.toFixed(1)
const s = (x: number) => Number.isNaN(x) ? "–" : (x / 1000).toFixed(2)
const load = () => Os.loadavg().map((x) => x.toFixed(2)).join(" / ")
const log = (line: string) =>
  process.stderr.write(`[cluster-bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`)

/** Runs `effect`, dying with a message when it takes longer than `seconds`. */
const bounded = <A, E, R>(what: string, seconds: number, effect: Effect.Effect<A, E, R>) =>
  Effect.timeoutOrElse(effect, {
    duration: `${seconds} seconds`,
    orElse: () => Effect.die(new Error(`${what}: no result within ${seconds} s`))
  })

const report: Array<string> = []
const section = (...lines: ReadonlyArray<string>) => {
  report.push(...lines, "")
  for (const line of lines) log(line)
}

// -----------------------------------------------------------------------------
// The run
// -----------------------------------------------------------------------------

const startedAt = new Date()
const loadBefore = load()
let pgVersion = "?"

const program = Effect.gen(function*() {
  log(`settings ${JSON.stringify(settings)} quick=${quick}; load ${loadBefore}`)

  const pg = yield* Postgres.acquire()
  const model = yield* FakeModel.makeWith({ maxRecordedRequests: 20 })
  const owners: Runners.Owners = new Map()
  const env = { modelPort: model.port, pg, shardsPerGroup: settings.shards }
  const sql = PgClient.layer({ host: pg.host, port: pg.port, database: pg.database, username: pg.username })
  const shardingConfig = {
    shardsPerGroup: settings.shards,
    ...(replyPollMs === undefined ? {} : { entityReplyPollInterval: Duration.millis(Number(replyPollMs)) })
  }
  const clientOptions: CodexCluster.ClientOptions = {
    requestTimeout: "2 minutes",
    startTimeout: "10 minutes",
    turnTimeout: "10 minutes"
  }
  pgVersion = String(pg.version)
  log(`postgres ${pg.version} on port ${pg.port} (pid ${pg.pid}); FakeModel on ${model.port}`)

  const runners: Array<Runners.Runner> = []
  const spawnRunner = (name: string, cpu: number) =>
    Effect.tap(
      bounded(`runner ${name}`, 150, Runners.spawnRunner(name, cpu, env, owners)),
      (runner) =>
        Effect.sync(() => {
          runners.push(runner)
          log(`runner ${name} ready (pid ${runner.proc.pid}, cpu ${cpu})`)
        })
    )
  const a = yield* spawnRunner("A", 0)
  const client = yield* Layer.build(CodexCluster.layerClientOnly({ sql, shardingConfig, client: clientOptions }))
  const cluster = (key: string) => Effect.provideContext(CodexCluster.thread(key), client)
  const inClient = <A, E>(effect: Effect.Effect<A, E, CodexCluster.CodexCluster>) =>
    Effect.provideContext(effect, client)

  // ---------------------------------------------------------------------------
  // 1. the cluster hop
  // ---------------------------------------------------------------------------
  if (only.has("hop")) {
    const directHome = makeHome(model.port)
    const embeddedHome = makeHome(model.port)
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        directHome.cleanup()
        embeddedHome.cleanup()
      })
    )
    const codexLayer = (home: ReturnType<typeof makeHome>) =>
      NodeCodex.layer({ cwd: home.workspace, env: codexEnv(home.codexHome) })
    const direct = yield* Layer.build(codexLayer(directHome))
    const embedded = yield* Layer.build(CodexCluster.layerEmbedded({
      file: `${embeddedHome.workspace}.db`,
      codex: codexLayer(embeddedHome),
      runner: { codexHome: embeddedHome.codexHome, workspace: () => Effect.succeed(embeddedHome.workspace) },
      shardingConfig,
      client: clientOptions
    }))
    yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(`${embeddedHome.workspace}.db`, { force: true })))
    const directThread = yield* Effect.provideContext(
      Effect.gen(function*() {
        const codex = yield* Codex.Codex
        return yield* codex.threadStart({ cwd: directHome.workspace })
      }),
      direct
    )
    const embeddedThread = yield* Effect.provideContext(CodexCluster.thread("hop-embedded"), embedded)
    const socketThread = yield* cluster("hop-socket")
    /**
     * The direct SDK turn plus what a runner does after each turn before it sends `Completed`
     * (`saveRollout` in the cluster's entity): `thread/read`, then reading the rollout file until
     * it holds the turn (every 50 ms); without the SQL write. Attributes part of the hop.
     */
    const directWithRollout = Effect.gen(function*() {
      const result = yield* directThread.run("hop")
      const read = yield* directThread.read({ includeTurns: false })
      const file = read.thread.path
      if (typeof file !== "string") return yield* Effect.die(new Error("hop: the thread has no rollout path"))
      yield* Effect.suspend(() => {
        const text = Fs.readFileSync(file, "utf8")
        return text.includes(`"turn_id":"${result.id}"`) && text.trimEnd().endsWith("}")
          ? Effect.void
          : Effect.fail("not flushed")
      }).pipe(Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo({ times: 40 }))), Effect.orDie)
      return result
    })
    const modes = [
      { name: "direct SDK `thread.run` (app-server in this process)", run: directThread.run("hop") },
      {
        name: "direct SDK + the runner's after-turn rollout steps (`thread/read`, file flush wait; no SQL)",
        run: directWithRollout
      },
      { name: "`layerEmbedded` (SingleRunner + SQLite, this process)", run: embeddedThread.run("hop") },
      { name: "socket runner A on loopback (client-only → runner, Postgres)", run: socketThread.run("hop") }
    ] as const
    const samples: Array<Array<number>> = modes.map(() => [])
    const total = settings.hopWarmup + settings.hopRuns
    for (let i = 0; i < total; i++) {
      // rotate the order so that no mode always runs right after another
      for (let j = 0; j < modes.length; j++) {
        const m = (i + j) % modes.length
        yield* model.enqueue(FakeModel.message("ok"))
        const t0 = now()
        const result = yield* bounded(`hop ${m}`, 60, modes[m]!.run)
        const elapsed = now() - t0
        if (result.finalResponse !== "ok") {
          return yield* Effect.die(new Error(`hop: unexpected ${result.finalResponse}`))
        }
        if (i >= settings.hopWarmup) samples[m]!.push(elapsed)
      }
    }
    const base = samples[0]!
    const drift = (xs: ReadonlyArray<number>) => {
      const k = Math.max(1, Math.floor(xs.length / 5))
      return `${ms(median(xs.slice(0, k)))} → ${ms(median(xs.slice(-k)))}`
    }
    section(
      `### The cluster hop: ${settings.hopRuns} sequential turns per path after ${settings.hopWarmup} warm-up turns, alternating, model answering at once`,
      "",
      "| path | p50 ms | p99 ms | mean ms | added p50 ms (vs direct) | p50 first fifth → last fifth ms |",
      "| --- | --- | --- | --- | --- | --- |",
      ...modes.map((mode, m) => {
        const xs = samples[m]!
        const mean = xs.reduce((x, y) => x + y, 0) / xs.length
        return `| ${mode.name} | ${ms(median(xs))} | ${ms(quantile(xs, 0.99))} | ${ms(mean)} | ${
          m === 0 ? "–" : `**${ms(median(xs) - median(base))}**`
        } | ${drift(xs)} |`
      })
    )
  }

  // ---------------------------------------------------------------------------
  // 2-4. bursts
  // ---------------------------------------------------------------------------
  const burst = Effect.fnUntraced(function*(label: string, prefix: string, n: number) {
    const keys = Array.from({ length: n }, (_, i) => `${prefix}-${i}`)
    const threads = yield* Effect.forEach(keys, cluster)
    const loadAtStart = Os.loadavg()[0]!
    const tOpen = now()
    yield* bounded(
      `${label}: open`,
      600,
      Effect.forEach(threads, (t) => t.open, { concurrency: settings.openConcurrency })
    )
    const openMs = now() - tOpen
    const split = new Map<string, number>()
    for (const key of keys) {
      const owner = yield* Runners.waitOwner(owners, key)
      split.set(owner, (split.get(owner) ?? 0) + 1)
    }
    const before = yield* model.requestCount
    yield* model.enqueue(...keys.map(() => FakeModel.message("hi", { delayMs: settings.delayMs, deltas: 0 })))
    const cpuBefore = runners.reduce((sum, r) => sum + Runners.cpuSeconds(r.proc.pid), 0)
    const nodeCpuBefore = runners.reduce((sum, r) => sum + Runners.cpuSeconds(r.proc.pid, false), 0)
    const selfCpuBefore = process.cpuUsage()
    const pgCpuBefore = Runners.cpuSeconds(pg.pid)
    const t0 = now()
    const outcomes = yield* bounded(
      `${label}: turns`,
      900,
      Effect.forEach(threads, (t) =>
        Effect.exit(Effect.gen(function*() {
          const handle = yield* t.turn("hello")
          const started = now() - t0
          const result = yield* handle.run
          if (result.finalResponse !== "hi") return yield* Effect.fail(`unexpected answer ${result.finalResponse}`)
          return { started, done: now() - t0 }
        })), { concurrency: "unbounded" })
    )
    const wallMs = now() - t0
    const runnerCpuMs = (runners.reduce((sum, r) => sum + Runners.cpuSeconds(r.proc.pid), 0) - cpuBefore) * 1000
    const selfCpu = process.cpuUsage(selfCpuBefore)
    const clientCpuMs = (selfCpu.user + selfCpu.system) / 1000
    const pgCpuMs = (Runners.cpuSeconds(pg.pid) - pgCpuBefore) * 1000
    const nodeCpuMs = (runners.reduce((sum, r) => sum + Runners.cpuSeconds(r.proc.pid, false), 0) - nodeCpuBefore) *
      1000
    const ok = outcomes.flatMap((o) => o._tag === "Success" ? [o.value] : [])
    const failures = outcomes.filter((o) => o._tag === "Failure")
    if (failures.length > 0) log(`${label}: ${failures.length} failures, first: ${String(failures[0])}`)
    const requests = (yield* model.requestCount) - before
    return {
      label,
      n,
      openMs,
      wallMs,
      split: [...split.entries()].map(([k, v]) => `${k} ${v}`).join(", "),
      failures: failures.length,
      requests,
      pending: yield* model.pending,
      startedP50: median(ok.map((o) => o.started)),
      startedP99: quantile(ok.map((o) => o.started), 0.99),
      lastStarted: Math.max(...ok.map((o) => o.started)),
      p50: median(ok.map((o) => o.done)),
      p99: quantile(ok.map((o) => o.done), 0.99),
      throughput: ok.length / (wallMs / 1000),
      startRate: ok.length / (Math.max(...ok.map((o) => o.started)) / 1000),
      loadAtStart,
      cpuPerTurn: runnerCpuMs / n,
      nodeCpuPerTurn: nodeCpuMs / n,
      clientCpuPerTurn: clientCpuMs / n,
      pgCpuPerTurn: pgCpuMs / n
    }
  })
  type Burst = Effect.Success<ReturnType<typeof burst>>
  const burstRow = (b: Burst) =>
    `| ${b.label} | ${b.n} (${b.split}) | ${b.failures} | ${s(b.wallMs)} | **${b.throughput.toFixed(2)}** | ${
      b.startRate.toFixed(2)
    } | ${s(b.startedP50)} / ${s(b.startedP99)} | ${s(b.p50)} / ${s(b.p99)} | ${s(b.openMs)} | ${
      b.cpuPerTurn.toFixed(0)
    } (${b.nodeCpuPerTurn.toFixed(0)} + ${(b.cpuPerTurn - b.nodeCpuPerTurn).toFixed(0)}) | ${
      b.clientCpuPerTurn.toFixed(0)
    } / ${b.pgCpuPerTurn.toFixed(0)} | ${b.loadAtStart.toFixed(1)} |`
  const burstHeader = [
    "| runners | turns (owner split) | failures | wall s | turns/s | starts/s | `Started` p50 / p99 s | done p50 / p99 s | open threads s | runner CPU ms / turn (node + app-server) | client / Postgres CPU ms / turn | load 1-min |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  ]
  const usageRows = () =>
    runners.flatMap((r) =>
      Runners.usage(r.proc.pid).map((u) =>
        `| ${r.name} | ${u.command} (${u.pid}) | ${u.rssMb.toFixed(0)} | ${u.fds} | ${u.fdLimit} | ${u.cpus} |`
      )
    )
  const usageHeader = [
    "| runner | process | RSS MB | open fds | fd limit soft/hard | CPUs |",
    "| --- | --- | --- | --- | --- | --- |"
  ]

  let b: Runners.Runner | undefined
  if (only.has("burst")) {
    const one = yield* burst("1 (A on CPU 0)", "one", settings.turns)
    log(JSON.stringify(one))
    b = yield* spawnRunner("B", 1)
    // let the shards settle: B acquires its half, A releases it (lock refresh 1 s, assignments 1 s)
    yield* Effect.sleep("8 seconds")
    const two = yield* burst("2 (A on CPU 0, B on CPU 1)", "two", settings.turns)
    log(JSON.stringify(two))
    section(
      `### Turn-start throughput: ${settings.turns} threads × 1 turn at once through the client-only member, model answering after ${settings.delayMs} ms`,
      "",
      ...burstHeader,
      burstRow(one),
      burstRow(two),
      "",
      `2 runners / 1 runner: turns/s **${(two.throughput / one.throughput).toFixed(2)}×**, starts/s ${
        (two.startRate / one.startRate).toFixed(2)
      }×, done p50 ${(two.p50 / one.p50).toFixed(2)}×, p99 ${(two.p99 / one.p99).toFixed(2)}×.`
    )
  }

  if (only.has("big")) {
    if (b === undefined) {
      b = yield* spawnRunner("B", 1)
      yield* Effect.sleep("8 seconds")
    }
    const big = yield* burst("2 (A on CPU 0, B on CPU 1)", "big", settings.big)
    log(JSON.stringify(big))
    section(
      `### ${settings.big} threads × 1 turn over 2 runners, model answering after ${settings.delayMs} ms`,
      "",
      ...burstHeader,
      burstRow(big),
      "",
      `Model requests ${big.requests} (expected ${settings.big}), replies left unused ${big.pending}. Runners after the burst (every thread still loaded):`,
      "",
      ...usageHeader,
      ...usageRows()
    )
  }

  // ---------------------------------------------------------------------------
  // 5. failover
  // ---------------------------------------------------------------------------
  if (only.has("failover")) {
    if (b === undefined) {
      b = yield* spawnRunner("B", 1)
      yield* Effect.sleep("8 seconds")
    }
    const pending = yield* model.pending
    if (pending !== 0) return yield* Effect.die(new Error(`failover: ${pending} scripted replies left over`))
    const rows: Array<{ rep: number; owner: string; next: number; done: number; attempts: string; gapless: boolean }> =
      []
    for (let rep = 1; rep <= settings.failovers; rep++) {
      const key = `failover-${rep}`
      const thread = yield* cluster(key)
      yield* bounded("failover: open", 60, thread.open)
      const ownerName = yield* Runners.waitOwner(owners, key)
      const owner = runners.find((r) => r.name === ownerName)!
      if (failoverWarm) {
        // a completed turn first, so that the thread has a stored rollout (see CLUSTER.md: without
        // it, the survivor fails the turn)
        yield* model.enqueue(FakeModel.message("ok"))
        yield* bounded("failover: first turn", 60, thread.run("first"))
      }
      const before = yield* model.requestCount
      yield* model.enqueue(FakeModel.stall({ text: "working", deltas: 1 }), FakeModel.message("done"))
      const chunks: Array<{ readonly at: number; readonly chunk: CodexThread.TurnChunk }> = []
      const consumer = yield* thread.stream("work", { idempotencyKey: `${key}-turn` }).pipe(
        Stream.runForEach((chunk) => Effect.sync(() => chunks.push({ at: now(), chunk }))),
        (effect) => bounded("failover: stream", 120, effect),
        Effect.forkChild
      )
      yield* bounded("failover: model request", 60, model.waitForRequests(before + 1))
      yield* bounded(
        "failover: first chunk",
        60,
        Effect.suspend(() => chunks.length > 0 ? Effect.void : Effect.fail("none")).pipe(
          Effect.retry(Schedule.spaced("10 millis"))
        )
      )
      yield* Effect.sleep("300 millis")
      const killedAt = now()
      yield* owner.proc.kill9
      runners.splice(runners.indexOf(owner), 1)
      yield* Fiber.join(consumer)
      const after = chunks.filter((c) => c.at > killedAt)
      const completed = chunks.find((c) => c.chunk._tag === "Completed")
      rows.push({
        rep,
        owner: owner.name,
        next: after.length > 0 ? after[0]!.at - killedAt : NaN,
        done: completed === undefined ? NaN : completed.at - killedAt,
        attempts: chunks.filter((c) => c.chunk._tag === "Started").map((c) => c.chunk.attempt).join(","),
        gapless: chunks.every((c, i) => c.chunk.seq === i + 1)
      })
      log(`failover ${rep}: ${JSON.stringify(rows[rows.length - 1])}`)
      // replace the killed runner on its CPU, and let the shards settle before the next try
      yield* spawnRunner(`${owner.name}${rep}`, owner.cpu ?? 0)
      yield* Effect.sleep("8 seconds")
    }
    section(
      `### Failover after kill -9 of the owner (shardingDefaults: shardLockExpiration 5 s, refresh 1 s, assignments 1 s), streaming caller`,
      "",
      "| try | killed | kill → next chunk s | kill → result s | `Started` attempts | seq without gap |",
      "| --- | --- | --- | --- | --- | --- |",
      ...rows.map((r) => `| ${r.rep} | ${r.owner} | ${s(r.next)} | ${s(r.done)} | ${r.attempts} | ${r.gapless} |`),
      `| median | | **${s(median(rows.map((r) => r.next)))}** | **${s(median(rows.map((r) => r.done)))}** | | |`
    )
  }
})

/** The report so far (also when a scenario failed), with the run's header. */
const writeReport = (startedAt: Date, loadBefore: string, pgVersion: string, failure: string | undefined) =>
  Effect.sync(() => {
    const commit = (() => {
      try {
        return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim()
      } catch {
        return "?"
      }
    })()
    const header = [
      `## Cluster run ${startedAt.toISOString().slice(0, 16)}Z${quick ? " (QUICK: not for numbers)" : ""}`,
      "",
      ...(failure === undefined ? [] : [`**The run failed**: ${failure}`, ""]),
      `Commit ${commit}, ${Os.cpus().length} cores, load average (1 / 5 / 15 min) **${loadBefore}** at the start, **${load()}** at the end; wall time ${
        ((Date.now() - startedAt.getTime()) / 1000).toFixed(0)
      } s. PostgreSQL ${pgVersion}, ${settings.shards} shards, runners pinned with \`taskset\` (runner + its app-server), this process (client-only member, FakeModel) and Postgres not pinned. Settings: ${
        JSON.stringify({ ...settings, replyPollMs: replyPollMs ?? "default (200)", failoverWarm })
      }.`,
      ""
    ]
    const text = [...header, ...report].join("\n")
    console.log(text)
    if (out !== undefined) Fs.appendFileSync(out, `\n${text}\n`)
  })

program.pipe(
  Effect.scoped,
  Effect.onExit((exit) =>
    writeReport(
      startedAt,
      loadBefore,
      pgVersion,
      exit._tag === "Success" ? undefined : Cause.pretty(exit.cause).split("\n").slice(0, 6).join(" ")
    )
  ),
  Effect.runPromise
).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
