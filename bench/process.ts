/**
 * `node bench/process.ts`: the whole-process scenario. A fresh `node` process runs a complete
 * program — load its modules, spawn `codex app-server`, handshake, start a thread, run one turn of
 * "hello" (or ten), close the app-server, exit — once with the SDK (`bench/lib/processSdk.ts`, as
 * a user writes it: `@effect-codex/core` + `@effect-codex/node` entry points) and once with the raw
 * driver (`bench/lib/processRaw.ts`, node built-ins only). Raw and SDK alternate (the order flips
 * every round), `PROCESS_RUNS` (default 9) runs of each; the wall time is measured by this process
 * from spawn to exit. It also measures, in fresh processes, the SDK's import cost over the four
 * `effect` submodules every Effect program loads (`bench/lib/importWorker.ts`, modes `floor` and
 * `sdk`, alternating), and the same one-turn program through a running daemon
 * (`NodeCodexRemote.layerDaemon`, dist, without and with Node's compile cache) against the raw
 * driver that spawns its own app-server.
 *
 * One FakeModel (on 127.0.0.1) serves every process; each process gets its own CODEX_HOME, and the
 * script must be used up exactly (the same work on both sides). Writes the "Whole process" section
 * of bench/RESULTS.md (between its markers; appended if missing), or of `PROCESS_OUT`. Node flags for
 * the measured processes go in `PROCESS_NODE_ARGS` (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as NodeCodexRemote from "../packages/node/src/NodeCodexRemote.ts"
import * as FakeModel from "../packages/testing/src/FakeModel.ts"
import { BIN, codexEnv, makeHome, median } from "./lib/common.ts"

const here = Path.dirname(fileURLToPath(import.meta.url))
const runs = Number(process.env.PROCESS_RUNS ?? 9)
const out = process.env.PROCESS_OUT ?? Path.join(here, "RESULTS.md")
/** Node flags for the measured processes, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` (`PROCESS_NODE_ARGS`). */
const nodeArgs = process.env.PROCESS_NODE_ARGS?.split(" ").filter((a) => a.length > 0) ?? []
const REPLY = "Hello from fake!"

interface ProcessResult {
  /** Spawn → exit, measured by the parent. */
  readonly wallMs: number
  /** `performance.now()` after the static imports: node boot + module load. */
  readonly loadMs: number
  readonly startMs: number
  readonly turns: ReadonlyArray<number>
  readonly workMs: number
  readonly closeMs: number
  /** CPU time of the whole process (user + system), less disturbed by other load than wall time. */
  readonly cpuMs: number
  /** CPU time (ms) when modules were loaded, the app-server started, the thread started, the turns ended, it closed. */
  readonly cpuMarks: ReadonlyArray<number>
}

interface ImportResult {
  readonly wallMs: number
  readonly floorMs: number
  readonly floorCpuMs: number
  readonly extraMs: number
  readonly extraCpuMs: number
}

/** Runs `node <file> <arg>` and resolves with its last stdout line (JSON) and the spawn → exit time. */
const runNode = <A>(file: string, arg: string, env?: NodeJS.ProcessEnv): Promise<A & { wallMs: number }> =>
  new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(process.execPath, [...nodeArgs, Path.join(here, file), arg], {
      stdio: ["ignore", "pipe", "pipe"],
      ...(env === undefined ? {} : { env })
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d))
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000)
    child.on("exit", (code, signal) => {
      const wallMs = performance.now() - t0
      clearTimeout(timer)
      const last = stdout.trim().split("\n").at(-1)
      if (code === 0 && last) return resolve({ ...JSON.parse(last), wallMs })
      reject(new Error(`${file} ${arg} failed (code ${code}, signal ${signal})\n${stdout}\n${stderr}`))
    })
  })

const log = (s: string) => process.stderr.write(s + "\n")

type Impl = "raw" | "sdk" | "dist" | "cache" | "daemon" | "daemonCache" | "warm"
const files: Record<Impl, string> = {
  raw: "lib/processRaw.ts",
  sdk: "lib/processSdk.ts",
  dist: "lib/processSdk.ts",
  cache: "lib/processSdk.ts",
  daemon: "lib/processSdk.ts",
  daemonCache: "lib/processSdk.ts",
  warm: "lib/processSdk.ts"
}
/** `cache`: the dist program with Node's compile cache on (`NODE_COMPILE_CACHE`), warmed by one untimed run. */
const compileCache = Fs.mkdtempSync(Path.join(Os.tmpdir(), "bench-compile-cache-"))
const envOf = (impl: Impl): NodeJS.ProcessEnv | undefined =>
  impl === "cache" || impl === "daemonCache" ? { ...process.env, NODE_COMPILE_CACHE: compileCache } : undefined

/** One list of results per program. */
const perImpl = (): Record<Impl, Array<ProcessResult>> => ({
  raw: [],
  sdk: [],
  dist: [],
  cache: [],
  daemon: [],
  daemonCache: [],
  warm: []
})

/**
 * `daemon`: the dist program connecting to a daemon that is already running (started once, here,
 * in its own CODEX_HOME pointing at the same FakeModel), instead of spawning its own app-server.
 */
const startDaemon = (port: number) =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const home = makeHome(port)
      yield* NodeCodexRemote.daemonCommand("start", { codexBin: BIN, env: codexEnv(home.codexHome) }).pipe(Effect.orDie)
      return home
    }),
    (home) =>
      NodeCodexRemote.daemonCommand("stop", { codexBin: BIN, env: codexEnv(home.codexHome) }).pipe(
        Effect.ignore,
        // its background updater survives `daemon stop`: end it by the pid it records
        Effect.andThen(Effect.sync(() => {
          try {
            const text = Fs.readFileSync(Path.join(home.codexHome, "app-server-daemon", "daemon-updater.pid"), "utf8")
            const pid = (JSON.parse(text) as { readonly pid?: unknown }).pid
            if (typeof pid === "number") process.kill(pid, "SIGTERM")
          } catch {
            // no updater
          }
          home.cleanup()
        }))
      )
  )

const program = Effect.gen(function*() {
  const model = yield* FakeModel.FakeModel
  const port = model.port
  const daemonHome = yield* startDaemon(port)

  /** Scripts `count` replies, runs one whole process, and checks that it used exactly its script. */
  const whole = (impl: Impl, count: number) =>
    Effect.gen(function*() {
      const before = (yield* model.unexpectedRequests).length
      // `warm`: the dist program twice in one process, the second run measured
      const repeat = impl === "warm" ? 2 : 1
      yield* model.enqueue(...Array.from({ length: count * repeat }, () => FakeModel.message(REPLY, { deltas: 3 })))
      const result = yield* Effect.promise(() =>
        runNode<ProcessResult>(
          files[impl],
          JSON.stringify({
            port,
            count,
            expect: REPLY,
            dist: impl !== "raw" && impl !== "sdk",
            ...(impl === "daemon" || impl === "daemonCache" ? { daemon: daemonHome.codexHome } : {}),
            repeat
          }),
          envOf(impl)
        )
      )
      const pending = yield* model.pending
      const unexpected = (yield* model.unexpectedRequests).length - before
      if (pending !== 0 || unexpected !== 0) {
        return yield* Effect.die(new Error(`${impl}: ${pending} scripted replies unused, ${unexpected} unexpected`))
      }
      return result
    })

  const results = {
    one: perImpl(),
    ten: perImpl(),
    imports: { floor: [] as Array<ImportResult>, sdk: [] as Array<ImportResult>, "sdk-dist": [] as Array<ImportResult> }
  }
  const impls: ReadonlyArray<Impl> = ["raw", "sdk", "dist", "cache", "daemon", "daemonCache", "warm"]
  /** The ten-turn program runs with the first four only. */
  const tenTurns = new Set<Impl>(["raw", "sdk", "dist", "cache"])
  const orders = impls.map((_, i) => [...impls.slice(i), ...impls.slice(0, i)])
  yield* whole("cache", 1) // fills the compile cache
  const importOrders = [["floor", "sdk", "sdk-dist"], ["sdk", "sdk-dist", "floor"], [
    "sdk-dist",
    "floor",
    "sdk"
  ]] as const
  for (let i = 0; i < runs; i++) {
    const order = orders[i % orders.length]!
    for (const impl of order) results.one[impl].push(yield* whole(impl, 1))
    for (const impl of order) if (tenTurns.has(impl)) results.ten[impl].push(yield* whole(impl, 10))
    for (const mode of importOrders[i % 3]!) {
      results.imports[mode].push(yield* Effect.promise(() => runNode<ImportResult>("lib/importWorker.ts", mode)))
    }
    log(`process: round ${i + 1}/${runs}`)
  }
  return results
})

const t0 = performance.now()
const results = await Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(FakeModel.layer)))
Fs.rmSync(compileCache, { recursive: true, force: true })
const totalS = (performance.now() - t0) / 1000
Fs.writeFileSync(Path.join(Os.tmpdir(), "bench-process-last.json"), JSON.stringify(results, null, 1))

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2))
const cell = (xs: ReadonlyArray<number>) => `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`
const verdict = (x: number, target: number | undefined) =>
  target === undefined ? "" : ` ${x <= target ? "" : "**"}${x.toFixed(2)}×${x <= target ? "" : "**"}`

type Pick = (r: ProcessResult) => ReadonlyArray<number> | number
const rows: Array<string> = []
const row = (set: "one" | "ten", label: string, f: Pick, target?: number) => {
  const pick = (rs: ReadonlyArray<ProcessResult>) => rs.flatMap((r) => f(r))
  const raw = pick(results[set].raw)
  const sdk = pick(results[set].sdk)
  const dist = pick(results[set].dist)
  const cache = pick(results[set].cache)
  const r = (xs: ReadonlyArray<number>) => median(xs) / median(raw)
  rows.push(
    `| ${label} | ${cell(raw)} | ${cell(sdk)} | ${r(sdk).toFixed(2)}× | ${cell(dist)} | ${r(dist).toFixed(2)}× | ${
      cell(cache)
    } | ${r(cache).toFixed(2)}× | ${
      target === undefined
        ? ""
        : `≤ ${target}× (src:${verdict(r(sdk), target)}, dist:${verdict(r(dist), target)}, cache:${
          verdict(r(cache), target)
        })`
    } |`
  )
}
row("one", "**one turn, whole process** (spawn node → exit)", (r) => r.wallMs, 1.5)
row("one", "… CPU time of the node process (user + system)", (r) => r.cpuMs)
row("one", "… node boot + module load (until the program's first line)", (r) => r.loadMs)
row("one", "… spawn app-server → initialized (SDK: the layer's build)", (r) => r.startMs)
row("one", "… the turn (`thread.run(\"hello\")`)", (r) => r.turns[0]!)
row("one", "… close the app-server (SDK: the layer's scope)", (r) => r.closeMs)
row("ten", "**ten turns, whole process** (spawn node → exit)", (r) => r.wallMs, 1.15)
row("ten", "… first turn", (r) => r.turns[0]!, 1.05)
row("ten", "… turns 2–10 (every turn of every run)", (r) => r.turns.slice(1), 1.05)

const daemonRows: Array<string> = []
const daemonRow = (label: string, f: Pick, target?: number) => {
  const raw = results.one.raw.flatMap((r) => f(r))
  const daemon = results.one.daemon.flatMap((r) => f(r))
  const cached = results.one.daemonCache.flatMap((r) => f(r))
  const ratio = median(daemon) / median(raw)
  const cachedRatio = median(cached) / median(raw)
  daemonRows.push(
    `| ${label} | ${cell(raw)} | ${cell(daemon)} | ${ratio.toFixed(2)}× | ${cell(cached)} | ${
      cachedRatio.toFixed(2)
    }× | ${
      target === undefined ? "" : `≤ ${target}× (dist:${verdict(ratio, target)}, cache:${verdict(cachedRatio, target)})`
    } |`
  )
}
daemonRow("**one turn, whole process** (spawn node → exit)", (r) => r.wallMs, 0.85)
daemonRow("… CPU time of the node process", (r) => r.cpuMs)
daemonRow("… node boot + module load", (r) => r.loadMs)
daemonRow("… raw: spawn app-server → initialized; daemon: the layer's build (connect + handshake)", (r) => r.startMs)
daemonRow("… the turn", (r) => r.turns[0]!)
daemonRow("… raw: close the app-server; daemon: close the connection", (r) => r.closeMs)

/** CPU per phase from the programs' marks: [loaded, started, thread, turns, closed]. */
const phases = ["load", "start (spawn or connect, handshake)", "thread/start", "the turn", "close"] as const
const phaseCpu = (rs: ReadonlyArray<ProcessResult>, i: number) =>
  median(rs.map((r) => i === 0 ? r.cpuMarks[0]! : r.cpuMarks[i]! - r.cpuMarks[i - 1]!))
const phaseRows = phases.map((label, i) =>
  `| ${label} | ${fmt(phaseCpu(results.one.raw, i))} | ${fmt(phaseCpu(results.one.dist, i))} | ${
    i === 0 ? "–" : fmt(phaseCpu(results.one.warm, i))
  } | ${fmt(phaseCpu(results.one.daemon, i))} |`
)

const imports = results.imports
const importRow = (label: string, xs: ReadonlyArray<number>, target?: number) =>
  `| ${label} | ${cell(xs)} | ${
    target === undefined ? "" : `≤ ${target} ${median(xs) <= target ? "met" : "**not met**"}`
  } |`

const lines = [
  "<!-- process:start (written by bench/process.ts) -->",
  "## Whole process: a fresh `node` process doing one turn (and ten), SDK vs raw driver",
  "",
  `\`node bench/process.ts\`: ${runs} runs of each, raw and SDK alternating; ${
    new Date().toISOString()
  }, Node ${process.version}, ` +
  `load average at the end ${Os.loadavg().map((l) => l.toFixed(2)).join(" ")}; the run took ${totalS.toFixed(0)} s.`,
  "Each run is a complete program in a fresh `node` process (`bench/lib/processSdk.ts`, `bench/lib/processRaw.ts`):",
  "load modules, spawn the app-server, handshake, `thread/start`, `hello` turn(s), close the app-server, exit;",
  "wall time from spawn to exit, measured by the parent. Cells: median (min–max), ms. SDK (src) loads the packages'",
  "TypeScript sources, which Node strips of their types as it loads them (as `pnpm start` and the examples run);",
  "SDK (dist) loads the bundled JavaScript `pnpm run build` writes to `dist/` (as a published package runs);",
  "SDK (cache) is the same with Node's compile cache on (`NODE_COMPILE_CACHE`, warm: a program that starts often",
  "can turn it on, see docs/getting-started.md; the raw driver runs without it).",
  "",
  "| measurement | raw driver | SDK (src) | src/raw | SDK (dist) | dist/raw | SDK (cache) | cache/raw | target |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ...rows,
  "",
  "Through a running daemon: the same one-turn program (dist) with `NodeCodexRemote.layerDaemon` instead of",
  "`NodeCodex.layer`, against a daemon started once before the runs (`daemon start`, own CODEX_HOME, same",
  "FakeModel), so the process spawns nothing; compared with the raw driver that spawns its own app-server:",
  "",
  "| measurement | raw driver | SDK through the daemon (dist) | daemon/raw | the same, compile cache | cache/raw | target |",
  "| --- | --- | --- | --- | --- | --- | --- |",
  ...daemonRows,
  "",
  "CPU time of each phase (one turn; ms, median): what the SDK adds beyond loading its modules. \"run again\" is",
  "the dist program's second run in the same process (`repeat: 2`): the same work once the code has run once, so",
  "the difference to the first run is warm-up (V8 compiling functions on their first call, schemas built on first use).",
  "",
  "| phase | raw driver | SDK (dist) | SDK (dist), run again | SDK through the daemon (dist) |",
  "| --- | --- | --- | --- | --- |",
  ...phaseRows,
  "",
  "Import cost against the `effect` floor (fresh processes, `bench/lib/importWorker.ts`; `node bench/import.ts` has the",
  "per-module breakdown); ms, median (min–max):",
  "",
  "| measurement | ms | target |",
  "| --- | --- | --- |",
  importRow("floor: `effect/Effect`, `Layer`, `Stream`, `Schema`", imports.floor.map((r) => r.floorMs)),
  `| … the floor as a share of the raw driver's ten-turn process | ${
    (median(imports.floor.map((r) => r.floorMs)) / median(results.ten.raw.map((r) => r.wallMs))).toFixed(2)
  }× | (what any Effect program pays before the SDK: the ten-turn target leaves 0.15×) |`,
  importRow(
    "**SDK over the floor, dist** (core + node entry points after the floor, same process)",
    imports["sdk-dist"].map((r) => r.extraMs),
    50
  ),
  importRow("… the same in CPU time", imports["sdk-dist"].map((r) => r.extraCpuMs)),
  importRow("**SDK over the floor, src** (TypeScript sources)", imports.sdk.map((r) => r.extraMs), 50),
  importRow("… the same in CPU time", imports.sdk.map((r) => r.extraCpuMs)),
  `| **our own cost in a one-turn process, dist** (CPU: SDK (dist) − raw driver − the floor's CPU) | ${
    fmt(
      median(results.one.dist.map((r) => r.cpuMs)) - median(results.one.raw.map((r) => r.cpuMs)) -
        median(imports.floor.map((r) => r.floorCpuMs))
    )
  } | ≤ 50 |`,
  "<!-- process:end -->"
]
const section = lines.join("\n") + "\n"
const existing = Fs.existsSync(out) ? Fs.readFileSync(out, "utf8") : ""
const marked = /<!-- process:start[^]*?<!-- process:end -->\n?/
Fs.writeFileSync(out, marked.test(existing) ? existing.replace(marked, section) : `${existing.trimEnd()}\n\n${section}`)
process.stdout.write(section)
log(`wrote ${out}`)
