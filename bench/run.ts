/**
 * `pnpm bench`: what the SDK costs on top of the app-server, against a raw driver and the official
 * TypeScript SDK, in ONE run against the SAME binary and the SAME FakeModel. Writes bench/RESULTS.md.
 *
 * This process only hosts the FakeModel (a scripted Responses server on 127.0.0.1) and orchestrates:
 * every measurement runs in a fresh worker process (`bench/worker.ts`) with its own CODEX_HOME, and
 * raw / SDK runs alternate so that machine noise hits both alike.
 *
 * Options (env): BENCH_QUICK=1 (fewer runs, for trying the harness), BENCH_ONLY=stream,turns (a
 * subset of scenarios), BENCH_OUT=path (another output file), BENCH_WORKER_NODE_ARGS="--cpu-prof
 * --cpu-prof-dir=/tmp/prof" (extra node flags for the workers, e.g. to profile them).
 */
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as FakeModel from "../packages/testing/src/FakeModel.ts"
import { BIN } from "./lib/common.ts"
import type { Args, Impl, Scenario } from "./lib/scenarios.ts"

const here = Path.dirname(fileURLToPath(import.meta.url))
const quick = process.env.BENCH_QUICK === "1"
const only = process.env.BENCH_ONLY?.split(",")
const out = process.env.BENCH_OUT ?? Path.join(here, "RESULTS.md")
const enabled = (s: string) => only === undefined || only.includes(s)

const cfg = quick
  ? {
    startupProcs: 1,
    startupRuns: 3,
    rpcProcs: 1,
    rpcCount: 200,
    turnProcs: 2,
    peerProcs: 1,
    streamProcs: 1,
    deltas: 2000,
    inmemRuns: 3,
    concProcs: 1,
    memTurns: 100
  }
  : {
    startupProcs: 3,
    startupRuns: 5,
    rpcProcs: 3,
    rpcCount: 1000,
    turnProcs: 5,
    peerProcs: 3,
    streamProcs: 3,
    deltas: 20000,
    inmemRuns: 5,
    concProcs: 3,
    memTurns: 1000
  }

const REPLY = "Hello from fake!"
const short = () => FakeModel.message(REPLY, { deltas: 3 })
const longText = (n: number) => Array.from({ length: n }, (_, i) => String.fromCharCode(97 + (i % 26))).join("")

interface WorkerOutput {
  readonly loadMs: number
  readonly [key: string]: any
}

const spawnWorker = (impl: Impl, scenario: Scenario, args: Args, timeoutMs: number): Promise<WorkerOutput> =>
  new Promise((resolve, reject) => {
    const nodeArgs = [
      "--expose-gc",
      ...(process.env.BENCH_WORKER_NODE_ARGS?.split(" ").filter((a) => a.length > 0) ?? [])
    ]
    const child = spawn(process.execPath, [
      ...nodeArgs,
      Path.join(here, "worker.ts"),
      impl,
      scenario,
      JSON.stringify(args)
    ], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d))
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.on("exit", (code, signal) => {
      clearTimeout(timer)
      const last = stdout.trim().split("\n").at(-1)
      if (code === 0 && last) {
        try {
          return resolve(JSON.parse(last))
        } catch {
          // fall through
        }
      }
      reject(new Error(`${impl} ${scenario} failed (code ${code}, signal ${signal})\n${stdout}\n${stderr}`))
    })
  })

const log = (s: string) => process.stderr.write(s + "\n")

const program = Effect.gen(function*() {
  const model = yield* FakeModel.FakeModel
  const port = model.port

  /** Scripts the model, runs one worker, and checks the worker used exactly its script. */
  const work = (
    impl: Impl,
    scenario: Scenario,
    args: Omit<Args, "port">,
    replies: ReadonlyArray<FakeModel.Reply>,
    timeoutMs = 120_000
  ) =>
    Effect.gen(function*() {
      const before = (yield* model.unexpectedRequests).length
      if (replies.length > 0) yield* model.enqueue(...replies)
      const t0 = performance.now()
      const result = yield* Effect.promise(() => spawnWorker(impl, scenario, { ...args, port }, timeoutMs))
      const pending = yield* model.pending
      const unexpected = (yield* model.unexpectedRequests).length - before
      if (pending !== 0 || unexpected !== 0) {
        return yield* Effect.die(
          new Error(`${impl} ${scenario}: ${pending} scripted replies unused, ${unexpected} unexpected requests`)
        )
      }
      log(`  ${impl.padEnd(4)} ${scenario.padEnd(11)} ${((performance.now() - t0) / 1000).toFixed(1)} s`)
      return result
    })

  const results: Record<string, any> = {}
  const t0 = performance.now()

  if (enabled("startup")) {
    log("start-up")
    const r: Record<string, Array<WorkerOutput>> = { raw: [], sdk: [] }
    for (let i = 0; i < cfg.startupProcs; i++) {
      for (const impl of (i % 2 === 0 ? ["raw", "sdk"] : ["sdk", "raw"]) as Array<Impl>) {
        r[impl]!.push(yield* work(impl, "startup", { runs: cfg.startupRuns }, []))
      }
    }
    results.startup = r
  }

  if (enabled("rpc")) {
    log("rpc")
    const r: Record<string, Array<WorkerOutput>> = { raw: [], sdk: [] }
    for (let i = 0; i < cfg.rpcProcs; i++) {
      for (const impl of (i % 2 === 0 ? ["raw", "sdk"] : ["sdk", "raw"]) as Array<Impl>) {
        r[impl]!.push(yield* work(impl, "rpc", { warmup: 200, count: cfg.rpcCount }, []))
      }
    }
    results.rpc = r
  }

  if (enabled("turns")) {
    log("turns (raw, sdk, peer)")
    const r: Record<string, Array<WorkerOutput>> = { raw: [], sdk: [], peer: [] }
    const order: Array<Array<Impl>> = [["raw", "sdk", "peer"], ["sdk", "peer", "raw"], ["peer", "raw", "sdk"]]
    for (let i = 0; i < cfg.turnProcs; i++) {
      for (const impl of order[i % 3]!) {
        if (impl === "peer" && r.peer!.length >= cfg.peerProcs) continue
        r[impl]!.push(yield* work(impl, "turns", { count: 10, expect: REPLY }, Array.from({ length: 10 }, short)))
      }
    }
    results.turns = r
  }

  // kept after the run, for profiling the in-memory scenario by hand (see bench/README.md)
  const linesFile = Path.join(Os.tmpdir(), "bench-stream-lines.jsonl")
  if (enabled("stream")) {
    log("stream")
    const text = longText(cfg.deltas)
    const reply = () => FakeModel.message(text, { deltas: cfg.deltas })
    const r: Record<string, Array<WorkerOutput>> = { raw: [], sdk: [] }
    for (let i = 0; i < cfg.streamProcs; i++) {
      for (const impl of (i % 2 === 0 ? ["raw", "sdk"] : ["sdk", "raw"]) as Array<Impl>) {
        const record = impl === "raw" && i === 0 ? linesFile : undefined
        r[impl]!.push(
          yield* work(impl, "stream", { expectLength: text.length, ...(record ? { record } : {}) }, [reply()])
        )
      }
    }
    results.stream = r
    log("stream (in memory)")
    results.inmem = {
      raw: [yield* work("raw", "inmem", { lines: linesFile, warmup: 3, runs: cfg.inmemRuns }, [])],
      sdk: [yield* work("sdk", "inmem", { lines: linesFile, warmup: 2, runs: cfg.inmemRuns }, [])]
    }
  }

  if (enabled("concurrency")) {
    log("concurrency")
    const r: Record<string, Array<WorkerOutput>> = { raw: [], sdk: [] }
    for (let i = 0; i < cfg.concProcs; i++) {
      for (const impl of (i % 2 === 0 ? ["raw", "sdk"] : ["sdk", "raw"]) as Array<Impl>) {
        r[impl]!.push(yield* work(impl, "concurrency", { count: 50, expect: REPLY }, Array.from({ length: 50 }, short)))
      }
    }
    results.concurrency = r
  }

  if (enabled("requests")) {
    log("requests (5,000 concurrent model/list on one connection)")
    const r: Record<string, Array<WorkerOutput>> = { raw: [], sdk: [] }
    const unbounded: Record<string, Array<WorkerOutput>> = { raw: [] }
    for (let i = 0; i < cfg.concProcs; i++) {
      for (const impl of (i % 2 === 0 ? ["raw", "sdk"] : ["sdk", "raw"]) as Array<Impl>) {
        r[impl]!.push(yield* work(impl, "requests", { count: 5000, window: 64 }, [], 240_000))
      }
    }
    // the raw driver without a window: replies are lost (each waits 20 s before it counts as lost)
    unbounded.raw!.push(yield* work("raw", "requests", { count: 5000, window: 0 }, [], 240_000))
    results.requests = r
    results.requestsUnbounded = unbounded
  }

  if (enabled("memory")) {
    log("memory")
    const r: Record<string, Array<WorkerOutput>> = { raw: [], sdk: [] }
    for (const impl of ["raw", "sdk"] as Array<Impl>) {
      r[impl]!.push(
        yield* work(
          impl,
          "memory",
          { count: cfg.memTurns, turnsPerThread: 10, sampleEvery: cfg.memTurns / 10, expect: REPLY },
          Array.from({ length: cfg.memTurns }, short),
          240_000
        )
      )
    }
    results.memory = r
  }

  const totalS = (performance.now() - t0) / 1000
  log(`done in ${totalS.toFixed(0)} s`)
  return { results, totalS }
})

const { results, totalS } = await Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(FakeModel.layer)))
Fs.writeFileSync(Path.join(Os.tmpdir(), "bench-last.json"), JSON.stringify(results, null, 1))
const { report } = await import("./lib/report.ts")
Fs.writeFileSync(
  out,
  report(results, { totalS, quick, version: execFileSync(BIN, ["--version"], { encoding: "utf8" }).trim() })
)
log(`wrote ${out}`)
