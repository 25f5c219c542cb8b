/**
 * The turn-admission burst: N turns (default 500) started at once on N threads of one app-server,
 * the model answering each after a fixed latency (default 2 s). Three drivers, each in a fresh
 * process and a fresh CODEX_HOME, against one HTTP fake model hosted here: the raw driver (no
 * admission), the SDK with admission off (`maxStartingTurns: Infinity`), the SDK with the default
 * admission. Per turn: the time from the start of the burst to the turn's completion; p10 / p50 /
 * p99 and throughput (N / wall time of the burst). Thread creation is not timed.
 *
 *   node bench/admission.ts                 # ADMISSION_TURNS=500 ADMISSION_DELAY_MS=2000 ADMISSION_OUT=file.md
 *   node bench/admission.ts worker <raw|sdk-off|sdk> <port> <turns>   # one measurement (JSON on stdout)
 */
import * as Effect from "effect/Effect"
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Codex from "../packages/core/src/Codex.ts"
import * as NodeCodex from "../packages/node/src/NodeCodex.ts"
import { BIN, codexEnv, configOverrides, makeHome, now } from "./lib/common.ts"
import * as HttpModel from "./lib/httpModel.ts"
import { RawClient } from "./lib/raw.ts"

interface Result {
  readonly driver: string
  readonly turns: number
  readonly wallMs: number
  readonly latencies: ReadonlyArray<number>
}

const quantile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!

// -----------------------------------------------------------------------------
// Workers
// -----------------------------------------------------------------------------

/**
 * Puts the raw client's requests behind a FIFO window of `size` outstanding requests (the SDK's
 * default `maxInFlight`): without it, 500 `turn/start`s at once overflow the server's incoming
 * queue (128) and it answers "Server overloaded; retry later".
 */
const withWindow = (client: RawClient, size: number) => {
  const original = client.request.bind(client)
  let active = 0
  const waiters: Array<() => void> = []
  const release = () => {
    const next = waiters.shift()
    if (next) next()
    else active--
  }
  client.request = <A>(method: string, params?: unknown): Promise<A> => {
    const slot = active < size ? (active++, Promise.resolve()) : new Promise<void>((r) => waiters.push(r))
    return slot.then(() => original<A>(method, params)).finally(release)
  }
}

const rawWorker = async (port: number, turns: number): Promise<Result> => {
  const home = makeHome(port)
  const client = await RawClient.start(home.codexHome, home.workspace)
  withWindow(client, 64)
  const threads: Array<string> = []
  for (let i = 0; i < turns; i++) threads.push(await client.threadStart(home.workspace))
  const t0 = now()
  const latencies = await Promise.all(threads.map(async (tid) => {
    const r = await client.run(tid, "hello")
    if (r.finalResponse !== "hi") throw new Error(`unexpected answer ${r.finalResponse}`)
    return now() - t0
  }))
  const wallMs = now() - t0
  await client.close()
  home.cleanup()
  return { driver: "raw", turns, wallMs, latencies }
}

const sdkWorker = (port: number, turns: number, admission: boolean): Promise<Result> => {
  const home = makeHome(port)
  const program = Effect.gen(function*() {
    const codex = yield* Codex.Codex
    const threads = yield* Effect.forEach(
      Array.from({ length: turns }),
      () => codex.threadStart({ cwd: home.workspace })
    )
    const t0 = now()
    const latencies = yield* Effect.forEach(
      threads,
      (thread) =>
        Effect.flatMap(
          thread.run("hello"),
          (r) =>
            r.finalResponse === "hi" ? Effect.succeed(now() - t0) : Effect.die(`unexpected answer ${r.finalResponse}`)
        ),
      {
        concurrency: "unbounded"
      }
    )
    return { driver: admission ? "sdk" : "sdk-off", turns, wallMs: now() - t0, latencies }
  }).pipe(
    Effect.provide(NodeCodex.layer({
      codexBin: BIN,
      cwd: home.workspace,
      env: codexEnv(home.codexHome),
      configOverrides: [...configOverrides],
      ...(admission ? {} : { maxStartingTurns: Infinity })
    }))
  )
  return Effect.runPromise(program).finally(() => home.cleanup())
}

// -----------------------------------------------------------------------------
// Orchestrator
// -----------------------------------------------------------------------------

/** An HTTP Responses-API fake model answering "hi" to every request after `delayMs`. */
const fakeModel = (delayMs: number) =>
  HttpModel.serve((_, n) => ({ items: [HttpModel.message(`m_${n}`, "hi")], delayMs }))

const runWorker = (driver: string, port: number, turns: number) =>
  HttpModel.runWorker<Result>(import.meta.filename, [driver, String(port), String(turns)])

const summary = (r: Result) => {
  const sorted = r.latencies.toSorted((a, b) => a - b)
  return {
    p10: quantile(sorted, 0.1) / 1000,
    p50: quantile(sorted, 0.5) / 1000,
    p99: quantile(sorted, 0.99) / 1000,
    throughput: r.turns / (r.wallMs / 1000)
  }
}

const orchestrate = async () => {
  const turns = Number(process.env.ADMISSION_TURNS ?? 500)
  const delayMs = Number(process.env.ADMISSION_DELAY_MS ?? 2000)
  const model = await fakeModel(delayMs)
  const loadBefore = Os.loadavg()
  const results: Array<Result> = []
  for (const driver of ["raw", "sdk-off", "sdk"]) {
    const before = model.requests()
    const r = await runWorker(driver, model.port, turns)
    if (model.requests() - before !== turns) throw new Error(`${driver}: ${model.requests() - before} model requests`)
    results.push(r)
    process.stderr.write(`${driver}: ${JSON.stringify(summary(r))}\n`)
  }
  model.close()
  const loadAfter = Os.loadavg()
  const off = summary(results.find((r) => r.driver === "sdk-off")!)
  const fmt = (x: number) => x.toFixed(1)
  const rows = results.map((r) => {
    const s = summary(r)
    const label = r.driver === "raw"
      ? "raw driver, no admission (window of 64 requests)"
      : r.driver === "sdk-off"
      ? "SDK, admission off (`maxStartingTurns: Infinity`)"
      : "SDK, default admission (`maxStartingTurns: 2`)"
    const ratio = r.driver === "sdk"
      ? ` (${(s.p10 / off.p10).toFixed(2)}× / ${(s.p50 / off.p50).toFixed(2)}× / ${(s.p99 / off.p99).toFixed(2)}× / ${
        (s.throughput / off.throughput).toFixed(2)
      }× of off)`
      : ""
    return `| ${label} | ${fmt(s.p10)} | ${fmt(s.p50)} | ${fmt(s.p99)} | ${s.throughput.toFixed(2)}${ratio} |`
  })
  const commit = (() => {
    try {
      return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim()
    } catch {
      return "?"
    }
  })()
  const report = [
    `${turns} turns started at once on one app-server, model latency ${delayMs} ms, ${
      new Date().toISOString().slice(0, 16)
    }Z, commit ${commit}, load average ${loadBefore[0]!.toFixed(1)} before / ${
      loadAfter[0]!.toFixed(1)
    } after (${Os.cpus().length} cores). Seconds from the start of the burst to each turn's completion.`,
    "",
    "| driver | p10 s | p50 s | p99 s | turns/s |",
    "| --- | --- | --- | --- | --- |",
    ...rows
  ].join("\n")
  console.log(report)
  if (process.env.ADMISSION_OUT) Fs.appendFileSync(process.env.ADMISSION_OUT, `\n${report}\n`)
}

if (process.argv[2] === "worker") {
  const [driver, port, turns] = [process.argv[3]!, Number(process.argv[4]), Number(process.argv[5])]
  const result = driver === "raw"
    ? await rawWorker(port, turns)
    : await sdkWorker(port, turns, driver === "sdk")
  process.stdout.write(`${JSON.stringify(result)}\n`)
  process.exit(0)
} else {
  await orchestrate()
}
