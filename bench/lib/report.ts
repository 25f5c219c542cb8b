/**
 * Turns the workers' raw results into bench/RESULTS.md: one table (median, min, max over runs; the
 * ratios SDK/raw and SDK/peer), stamped with the binary, Node, CPU and date.
 */
import * as Os from "node:os"
import { median } from "./common.ts"

type Results = Record<string, Record<string, Array<Record<string, any>>>>

interface Stat {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly n: number
}

const stat = (xs: ReadonlyArray<number>): Stat | undefined =>
  xs.length === 0 ? undefined : { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length }

interface Row {
  readonly name: string
  readonly unit: string
  /** Whether a bigger number is better (throughput). */
  readonly higherIsBetter?: boolean
  readonly raw?: Stat | undefined
  readonly sdk?: Stat | undefined
  readonly peer?: Stat | undefined
  readonly rawLabel?: string
  readonly note?: string
}

const fmt = (x: number): string => {
  const a = Math.abs(x)
  if (a >= 10_000) return Math.round(x).toLocaleString("en-US")
  if (a >= 100) return x.toFixed(0)
  if (a >= 10) return x.toFixed(1)
  if (a >= 1) return x.toFixed(2)
  return x.toFixed(3)
}

const cell = (s: Stat | undefined): string =>
  s === undefined ? "–" : s.n === 1 ? `${fmt(s.median)}` : `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`

const ratio = (a: Stat | undefined, b: Stat | undefined): string =>
  a === undefined || b === undefined || b.median === 0 ? "–" : `${(a.median / b.median).toFixed(2)}×`

const all = (runs: Array<Record<string, any>> | undefined, f: (run: Record<string, any>) => ReadonlyArray<number>) =>
  (runs ?? []).flatMap(f)

export const rows = (r: Results): Array<Row> => {
  const out: Array<Row> = []
  const impls = ["raw", "sdk", "peer"] as const
  const per = (key: string, f: (run: Record<string, any>) => ReadonlyArray<number>) =>
    Object.fromEntries(impls.map((impl) => [impl, stat(all(r[key]?.[impl], f))])) as Record<
      typeof impls[number],
      Stat | undefined
    >

  if (r.startup) {
    const s = per("startup", (w) => w.times)
    out.push({ name: "Start-up: spawn → initialize response (SDK: `NodeCodex.layer` build)", unit: "ms", ...s })
    const cold = per("startup", (w) => [w.times[0]])
    out.push({ name: "Start-up, first in a fresh process (cold JIT)", unit: "ms", ...cold })
  }
  if (r.rpc) {
    const s = per("rpc", (w) => [median(w.times) * 1000])
    out.push({ name: "RPC round trip: `thread/read`, median of 1,000 sequential", unit: "µs", ...s })
  }
  if (r.turns) {
    out.push({
      name: "Turn latency: first turn of a thread (`thread.run(\"hello\")`)",
      unit: "ms",
      ...per("turns", (w) => [w.times[0]])
    })
    out.push({
      name: "Turn latency: subsequent turns (median of turns 2–10)",
      unit: "ms",
      ...per("turns", (w) => [median(w.times.slice(1))])
    })
    out.push({
      name: "10 turns in one thread, from spawn (peer: 10 × `codex exec`)",
      unit: "ms",
      ...per("turns", (w) => [w.total])
    })
  }
  if (r.stream) {
    const rate = (w: Record<string, any>) => [w.notifications / (w.elapsed / 1000)]
    out.push({
      name: "Streaming through the binary: one turn of 20,000 deltas, via `TurnHandle.stream`",
      unit: "notif/s",
      higherIsBetter: true,
      ...per("stream", rate)
    })
    out.push({
      name: "Streaming through the binary: CPU time of the Node process per notification",
      unit: "µs",
      ...per("stream", (w) => [(w.cpu * 1000) / w.notifications])
    })
  }
  if (r.inmem) {
    const cpuRate = (runs: ReadonlyArray<Record<string, number>>) => runs.map((x) => x.notifications! / (x.cpu! / 1000))
    const sdk = stat(all(r.inmem.sdk, (w) => cpuRate(w.runs)))
    out.push({
      name: "Streaming decode+route in memory (same lines, no binary), CPU-time rate; raw = bare `JSON.parse` " +
        "of the same lines, interleaved in the same process",
      unit: "notif/s",
      higherIsBetter: true,
      raw: stat(all(r.inmem.sdk, (w) => cpuRate(w.parseRuns))),
      sdk
    })
    out.push({
      name: "… the same, raw = bare `JSON.parse` in a separate process that loads nothing else",
      unit: "notif/s",
      higherIsBetter: true,
      raw: stat(all(r.inmem.raw, (w) => cpuRate(w.runs))),
      sdk
    })
  }
  if (r.concurrency) {
    out.push({
      name: "Concurrency: 50 × (`thread/start`, then one turn each, all at once), wall time",
      unit: "ms",
      ...per("concurrency", (w) => [w.wallMs])
    })
    out.push({
      name: "Concurrency: the 50 concurrent turns only",
      unit: "ms",
      ...per("concurrency", (w) => [w.turnsMs])
    })
    out.push({
      name: "Concurrency: peak RSS of the Node process",
      unit: "MB",
      ...per("concurrency", (w) => [w.peakRss / 1e6])
    })
    out.push({
      name: "Concurrency: peak RSS minus RSS before the 50 threads",
      unit: "MB",
      ...per("concurrency", (w) => [(w.peakRss - w.rssBefore) / 1e6])
    })
  }
  if (r.requests) {
    out.push({
      name: "5,000 concurrent `model/list` on one connection, wall time (raw: with the same window of 64)",
      unit: "ms",
      ...per("requests", (w) => [w.wallMs])
    })
    out.push({
      name: "5,000 concurrent `model/list`: peak RSS of the Node process",
      unit: "MB",
      ...per("requests", (w) => [w.peakRss / 1e6])
    })
    out.push({
      name: "5,000 concurrent `model/list`: requests that failed or never got a reply (raw: with the window)",
      unit: "count",
      ...per("requests", (w) => [w.lost + w.failed])
    })
  }
  if (r.requestsUnbounded) {
    out.push({
      name: "… raw driver without a window: replies never received (20 s wait each), of 5,000",
      unit: "count",
      raw: stat(all(r.requestsUnbounded.raw, (w) => [w.lost])),
      sdk: undefined,
      peer: undefined
    })
  }
  if (r.memory) {
    type Sample = { readonly turns: number; readonly rss: number; readonly heapUsed: number }
    const growth = (field: "rss" | "heapUsed", fromTurn: number) => (w: Record<string, any>) => {
      const s = w.samples as Array<Sample>
      const from = s.find((x) => x.turns >= fromTurn) ?? s[0]!
      return [(s.at(-1)![field] - from[field]) / 1e6]
    }
    const w0 = (r.memory.sdk?.[0] ?? r.memory.raw?.[0]) as { samples: Array<Sample> } | undefined
    const first = w0?.samples[0]?.turns ?? 0
    const last = w0?.samples.at(-1)?.turns ?? 0
    const half = Math.round(last / 2)
    out.push({
      name: `Memory: RSS growth, turns ${first} → ${last} (after forced GC; 10 turns per thread)`,
      unit: "MB",
      ...per("memory", growth("rss", first))
    })
    out.push({
      name: `Memory: heap-used growth, turns ${first} → ${last}`,
      unit: "MB",
      ...per("memory", growth("heapUsed", first))
    })
    out.push({
      name: `Memory: heap-used growth, turns ${half} → ${last}`,
      unit: "MB",
      ...per("memory", growth("heapUsed", half))
    })
  }
  out.push({
    name: "Module load of the worker (raw: node built-ins only; SDK: Effect + SDK + generated schemas)",
    unit: "ms",
    ...Object.fromEntries(
      impls.map((impl) => [impl, stat(Object.values(r).flatMap((byImpl) => (byImpl[impl] ?? []).map((w) => w.loadMs)))])
    )
  })
  return out
}

/** The goals, checked against this run's medians. */
const goals = (all: ReadonlyArray<Row>): Array<string> => {
  const find = (prefix: string) => all.find((row) => row.name.startsWith(prefix))
  const r = (row: Row | undefined) =>
    row?.raw === undefined || row.sdk === undefined ? undefined : row.sdk.median / row.raw.median
  const check = (label: string, value: number | undefined, ok: (x: number) => boolean, goal: string) =>
    value === undefined ? [] : [`| ${label} | ${value.toFixed(2)}× | ${goal} | ${ok(value) ? "met" : "**not met**"} |`]
  const memory = find("Memory: RSS growth")
  return [
    "| goal | SDK/raw | target | |",
    "| --- | --- | --- | --- |",
    ...check("start-up (all runs)", r(find("Start-up: spawn")), (x) => x <= 1.1, "≤ 1.10×"),
    ...check("turn latency, first turn", r(find("Turn latency: first")), (x) => x <= 1.1, "≤ 1.10×"),
    ...check("turn latency, subsequent turns", r(find("Turn latency: subsequent")), (x) => x <= 1.1, "≤ 1.10×"),
    ...check(
      "streaming decode+route vs `JSON.parse` (same process)",
      r(find("Streaming decode+route")),
      (x) => x >= 0.5,
      "≥ 0.50×"
    ),
    ...check(
      "streaming decode+route vs `JSON.parse` (separate process)",
      r(find("… the same")),
      (x) => x >= 0.5,
      "≥ 0.50×"
    ),
    ...(memory?.sdk === undefined || memory.raw === undefined ? [] : [
      `| RSS growth over the memory run | SDK ${fmt(memory.sdk.median)} MB, raw ${
        fmt(memory.raw.median)
      } MB | no growth beyond the raw driver's (+1 MB) | ${
        memory.sdk.median <= memory.raw.median + 1 ? "met" : "**not met**"
      } |`
    ])
  ]
}

const cpuModel = (): string => Os.cpus()[0]?.model ?? "unknown"

export const report = (
  results: Results,
  meta: { readonly totalS: number; readonly quick: boolean; readonly version: string }
) => {
  const lines = [
    "# Benchmarks: the SDK against a raw driver and `@openai/codex-sdk`",
    "",
    `- binary: \`${meta.version}\` (the pinned \`@openai/codex\`, native, spawned directly by all three)`,
    `- Node ${process.version}, ${Os.platform()} ${Os.arch()}, CPU: ${cpuModel()} × ${Os.cpus().length}, ` +
    `load average at the end ${Os.loadavg().map((x) => x.toFixed(2)).join(" ")}`,
    `- date: ${new Date().toISOString()}; the whole run took ${meta.totalS.toFixed(0)} s${
      meta.quick ? " (BENCH_QUICK: fewer runs)" : ""
    }`,
    "- one FakeModel (scripted Responses server on 127.0.0.1) for every process; each codex process has its own",
    "  CODEX_HOME (offline config.toml, `features.plugins=false`), `NO_PROXY=127.0.0.1,localhost`.",
    "",
    "Cells: median (min–max) over runs; each run is a fresh worker process, raw and SDK runs alternate.",
    "Ratios are of the medians: for times >1 means the SDK is slower; for rates (notif/s) <1 means it is slower.",
    "",
    "| measurement | unit | raw driver | SDK | SDK/raw | peer `@openai/codex-sdk` | SDK/peer |",
    "| --- | --- | --- | --- | --- | --- | --- |"
  ]
  for (const row of rows(results)) {
    lines.push(
      `| ${row.name} | ${row.unit} | ${cell(row.raw)} | ${cell(row.sdk)} | ${ratio(row.sdk, row.raw)} | ${
        cell(row.peer)
      } | ${ratio(row.sdk, row.peer)} |`
    )
  }
  lines.push("", ...goals(rows(results)))
  lines.push(
    "",
    "What each row does (identical work on both sides, checked: the FakeModel script must be used up exactly):",
    "",
    "- **raw driver** (`bench/lib/raw.ts`): `child_process.spawn` of the binary, one `JSON.parse` per line, no",
    "  validation, turn events routed by thread id; the same params as the SDK sends.",
    "- **SDK**: `NodeCodex.layer` → `Codex.threadStart({ approvalMode: \"denyAll\" })` → `thread.run(\"hello\")` /",
    "  `thread.turn(...).stream`; every notification schema-decoded and routed as in production.",
    "- **peer**: `@openai/codex-sdk` (`codex exec --experimental-json` per turn, `resume` after the first) with",
    "  `codexPathOverride` = the same binary and the same CODEX_HOME.",
    "- Start-up: spawn → `initialize` response (+ `initialized`); SDK: `Layer.build(NodeCodex.layer(...))`, i.e.",
    "  config and binary resolution, spawn, handshake, metadata validation. Module load time is not included",
    "  (it is the last row).",
    "- Streaming in memory: the lines of one recorded 20,000-delta turn, replayed through a minimal in-memory",
    "  `Transport` into `AppServerClient` → `TurnHandle.stream`; raw = `JSON.parse` of the same lines.",
    "- Memory: 1,000 turns (10 per thread) in one process; samples every 100 turns after `gc()` (`--expose-gc`).",
    "",
    "Absolute numbers are noisy (2 cores shared with other work); the ratios within one run are what count.",
    "Raw data of the last run: `$TMPDIR/bench-last.json`.",
    ""
  )
  return lines.join("\n")
}
