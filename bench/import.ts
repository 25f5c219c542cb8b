/**
 * `node bench/import.ts`: what importing `@effect-codex/core` + `@effect-codex/node` costs on top of
 * the four `effect` submodules every Effect program loads anyway (`effect/Effect`, `Layer`,
 * `Stream`, `Schema`), and where it goes. Every measurement is a fresh `node` process
 * (`bench/lib/importWorker.ts`); the modes alternate, `IMPORT_RUNS` (default 9) runs each; medians.
 *
 * - `floor`: the four submodules only; `sdk`: then core's and node's entry points; `barrel`: then
 *   the `effect` barrel (what a file pays that imports `from "effect"`); the SDK's cost is the `sdk`
 *   step measured in the same process after the floor, and also the difference of the whole-process
 *   wall times (spawn → exit) of `sdk` and `floor`.
 * - `graph`: every core and node module one at a time, leaves first: each row is what that module
 *   adds to the ones above it.
 *
 * Prints a markdown report; `IMPORT_OUT=path` writes it to a file too. Any node flag for the
 * workers through `IMPORT_NODE_ARGS` (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { median } from "./lib/common.ts"

const here = Path.dirname(fileURLToPath(import.meta.url))
const runs = Number(process.env.IMPORT_RUNS ?? 9)
const nodeArgs = process.env.IMPORT_NODE_ARGS?.split(" ").filter((a) => a.length > 0) ?? []

interface WorkerResult {
  readonly mode: string
  readonly floorMs: number
  readonly floorCpuMs: number
  readonly extraMs: number
  readonly extraCpuMs: number
  readonly uptimeMs: number
  readonly wallMs: number
  readonly times: ReadonlyArray<{ readonly module: string; readonly ms: number; readonly cpuMs: number }>
}

const runWorker = (mode: string): Promise<WorkerResult> =>
  new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(process.execPath, [...nodeArgs, Path.join(here, "lib/importWorker.ts"), mode], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    let out = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d))
    child.on("exit", (code) => {
      const wallMs = performance.now() - t0
      if (code !== 0) return reject(new Error(`import worker ${mode} exited with ${code}`))
      resolve({ ...JSON.parse(out.trim().split("\n").at(-1)!), wallMs })
    })
  })

const modes = ["floor", "sdk", "sdk-dist", "barrel", "graph"] as const
const results: Record<string, Array<WorkerResult>> = { floor: [], sdk: [], "sdk-dist": [], barrel: [], graph: [] }
for (let i = 0; i < runs; i++) {
  // rotate the order so that machine noise hits every mode alike
  for (let j = 0; j < modes.length; j++) {
    const mode = modes[(i + j) % modes.length]!
    results[mode]!.push(await runWorker(mode))
  }
  process.stderr.write(`import: run ${i + 1}/${runs}\n`)
}

const fmt = (ms: number) => ms.toFixed(ms < 10 ? 1 : 0)
const med = (mode: string, f: (r: WorkerResult) => number) => median(results[mode]!.map(f))
const range = (mode: string, f: (r: WorkerResult) => number) => {
  const xs = results[mode]!.map(f)
  return `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`
}

const sdkStep = med("sdk", (r) => r.extraMs)
const wallDiff = med("sdk", (r) => r.wallMs) - med("floor", (r) => r.wallMs)
const lines: Array<string> = []
lines.push(`Import cost, ${runs} fresh \`node\` processes per mode (modes alternate), Node ${process.version}:`)
lines.push("")
lines.push("| measurement | wall ms, median (min–max) | CPU ms, median (min–max) |")
lines.push("| --- | --- | --- |")
lines.push(
  `| floor: \`effect/Effect\`, \`Layer\`, \`Stream\`, \`Schema\` (in-process) | ${range("floor", (r) => r.floorMs)} | ${
    range("floor", (r) => r.floorCpuMs)
  } |`
)
lines.push(
  `| **SDK over the floor, src**: core + node entry points (TypeScript sources), after the floor (in-process) | **${
    range("sdk", (r) => r.extraMs)
  }** | **${range("sdk", (r) => r.extraCpuMs)}** |`
)
lines.push(
  `| SDK over the floor, whole-process wall (spawn → exit), median sdk − median floor | ${fmt(wallDiff)} | – |`
)
lines.push(
  `| **SDK over the floor, dist** (the JavaScript \`pnpm run build\` emits, as a published package runs) | **${
    range("sdk-dist", (r) => r.extraMs)
  }** | **${range("sdk-dist", (r) => r.extraCpuMs)}** |`
)
lines.push(
  `| SDK over the floor, dist, whole-process wall (spawn → exit), median sdk-dist − median floor | ${
    fmt(med("sdk-dist", (r) => r.wallMs) - med("floor", (r) => r.wallMs))
  } | – |`
)
lines.push(
  `| \`effect\` barrel over the floor (in-process) | ${range("barrel", (r) => r.extraMs)} | ${
    range("barrel", (r) => r.extraCpuMs)
  } |`
)
lines.push(`| whole process wall, floor only | ${range("floor", (r) => r.wallMs)} | – |`)
lines.push(`| whole process wall, floor + SDK | ${range("sdk", (r) => r.wallMs)} | – |`)
lines.push(`| whole process wall, floor + SDK (dist) | ${range("sdk-dist", (r) => r.wallMs)} | – |`)
lines.push("")
lines.push("Where it goes (`graph`: each module after the ones above it, leaves first; modules under 1 ms left out):")
lines.push("")
lines.push("| module | wall ms, median | CPU ms, median |")
lines.push("| --- | --- | --- |")
const graphModules = results.graph![0]!.times.map((t) => t.module)
for (const [i, module] of graphModules.entries()) {
  const ms = median(results.graph!.map((r) => r.times[i]!.ms))
  const cpu = median(results.graph!.map((r) => r.times[i]!.cpuMs))
  if (ms >= 1 || cpu >= 1) lines.push(`| \`${module}\` | ${fmt(ms)} | ${fmt(cpu)} |`)
}
lines.push(`| total (graph) | ${fmt(med("graph", (r) => r.extraMs))} | ${fmt(med("graph", (r) => r.extraCpuMs))} |`)
const report = lines.join("\n") + "\n"
process.stdout.write(report)
if (process.env.IMPORT_OUT) Fs.writeFileSync(process.env.IMPORT_OUT, report)
Fs.writeFileSync(
  Path.join(process.env.TMPDIR ?? "/tmp", "bench-import-last.json"),
  JSON.stringify({ runs, sdkStep, wallDiff, results }, null, 1)
)
