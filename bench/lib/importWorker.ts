/**
 * One import-cost measurement in a fresh process: `node bench/lib/importWorker.ts <mode>`. Imports
 * the four `effect` submodules every Effect program loads (the floor), then, depending on the mode,
 * more modules one step at a time, and prints one JSON line: the time of each step (wall,
 * `performance.now()` around a dynamic `import()`, and the process's CPU time), in order.
 *
 * Modes: `floor` (the floor only), `sdk` (then `@effect-codex/core` and `@effect-codex/node`, as a
 * user imports them, from the workspace's TypeScript sources, which Node strips of their types as it
 * loads them), `sdk-dist` (the same from the JavaScript in dist/, as a published package runs;
 * needs `pnpm run build` first), `barrel` (then the `effect` barrel), `graph` (then every module of core and
 * node one by one in dependency order, so each step is what that module adds on top of the
 * previous ones).
 */
const mode = process.argv[2] ?? "sdk"

const core = "../../packages/core/src"
const node = "../../packages/node/src"

/** The `effect` modules every Effect program loads anyway. */
const floor = ["effect/Effect", "effect/Layer", "effect/Stream", "effect/Schema"]

/** Core and node modules, leaves first (each step adds what the module needs beyond the previous steps). */
const graph = [
  `${core}/generated/internal/codecs.ts`,
  `${core}/generated/Protocol.ts`,
  `${core}/generated/index.ts`,
  `${core}/Errors.ts`,
  `${core}/Transport.ts`,
  `${core}/Version.ts`,
  `${core}/Inputs.ts`,
  `${core}/Sandbox.ts`,
  `${core}/ApprovalMode.ts`,
  `${core}/Retry.ts`,
  `${core}/internal/flatStruct.ts`,
  `${core}/ApprovalHandler.ts`,
  `${core}/AppServerClient.ts`,
  `${core}/Turn.ts`,
  `${core}/Thread.ts`,
  `${core}/Codex.ts`,
  `${core}/SocketTransport.ts`,
  `${core}/index.ts`,
  `${node}/CodexBinary.ts`,
  `${node}/CodexConfig.ts`,
  `${node}/internal/spawn.ts`,
  `${node}/NodeTransport.ts`,
  `${node}/NodeCodex.ts`,
  `${node}/NodeCodexRemote.ts`,
  `${node}/index.ts`
]

const steps: Record<string, ReadonlyArray<string>> = {
  floor: [],
  sdk: [`${core}/index.ts`, `${node}/index.ts`],
  // the bundled JavaScript `pnpm run build` writes to dist/, as a published package runs it
  "sdk-dist": ["../../packages/core/dist/index.js", "../../packages/node/dist/index.js"],
  barrel: ["effect"],
  graph
}

const extra = steps[mode]
if (extra === undefined) throw new Error(`unknown mode ${mode}`)

if (mode === "sdk-dist") {
  // node's dist imports `@effect-codex/core/X`, which the workspace maps to src/X.ts: map it to dist/X.js
  const Module = await import("node:module")
  const coreDist = new URL("../../packages/core/dist/", import.meta.url)
  Module.registerHooks({
    resolve: (specifier, context, nextResolve) => {
      const m = /^@effect-codex\/core(?:\/(.+))?$/.exec(specifier)
      if (m === null) return nextResolve(specifier, context)
      return { url: new URL(`${m[1] ?? "index"}.js`, coreDist).href, shortCircuit: true }
    }
  })
}

const cpuMs = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since)
  return (c.user + c.system) / 1000
}
const times: Array<{ module: string; ms: number; cpuMs: number }> = []
const timed = async (specifier: string) => {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  await import(specifier)
  const ms = performance.now() - t0
  times.push({ module: specifier.replace(/^(\.\.\/)+packages\//, ""), ms, cpuMs: cpuMs(c0) })
}
// the floor as one step: its modules share most of their graph
const c0 = process.cpuUsage()
const t0 = performance.now()
await Promise.all(floor.map((m) => import(m)))
const floorMs = performance.now() - t0
const floorCpuMs = cpuMs(c0)
for (const m of extra) await timed(m)
process.stdout.write(
  JSON.stringify({
    mode,
    floorMs,
    floorCpuMs,
    extraMs: times.reduce((n, t) => n + t.ms, 0),
    extraCpuMs: times.reduce((n, t) => n + t.cpuMs, 0),
    // from process start (includes Node's own boot)
    uptimeMs: process.uptime() * 1000,
    times
  }) + "\n"
)
