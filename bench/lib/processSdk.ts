/**
 * A whole program, run as a fresh `node` process by `bench/process.ts`: the SDK as a user writes
 * it — `@effect-codex/core` and `@effect-codex/node` from their entry points (TypeScript sources, or
 * with `"dist": true` the bundled JavaScript in dist/ that `pnpm run build` writes), `NodeCodex.layer`, a
 * thread, `count` turns of "hello", then the layer's scope closes the app-server and the process
 * exits. With `"daemon": CODEX_HOME` it connects to that running daemon (`NodeCodexRemote.layerDaemon`)
 * instead of spawning an app-server. `node bench/lib/processSdk.ts <json args>`; prints one JSON line with its phase times (the
 * same phases as `processRaw.ts`).
 */
import * as Effect from "effect/Effect"
import * as Module from "node:module"
import { BIN, codexEnv, configOverrides, cpuMs, makeHome, printPhases } from "./common.ts"

const args = JSON.parse(process.argv[2]!) as {
  port: number
  count: number
  expect: string
  dist?: boolean
  /** The CODEX_HOME of a running daemon: connect to it (`NodeCodexRemote.layerDaemon`) instead of spawning. */
  daemon?: string
  /** Run the whole program this many times in this process (default 1); report the last run. */
  repeat?: number
}
if (args.dist) {
  // node's dist imports `@effect-codex/core/X`, which the workspace maps to src/X.ts: map it to dist/X.js
  const coreDist = new URL("../../packages/core/dist/", import.meta.url)
  Module.registerHooks({
    resolve: (specifier, context, nextResolve) => {
      const m = /^@effect-codex\/core(?:\/(.+))?$/.exec(specifier)
      if (m === null) return nextResolve(specifier, context)
      return { url: new URL(`${m[1] ?? "index"}.js`, coreDist).href, shortCircuit: true }
    }
  })
}
// the packages' entry points, from the TypeScript sources (Node strips their types as it loads them)
// or, with `dist`, from the bundled JavaScript `pnpm run build` writes (as a published package runs)
const [{ Codex }, { NodeCodex, NodeCodexRemote }] = (await Promise.all(
  args.dist
    ? [import("../../packages/core/dist/index.js" as string), import("../../packages/node/dist/index.js" as string)]
    : [import("../../packages/core/src/index.ts"), import("../../packages/node/src/index.ts")]
)) as [typeof import("../../packages/core/src/index.ts"), typeof import("../../packages/node/src/index.ts")]
const loaded = performance.now()
const cpu: Array<number> = [cpuMs()]
// `repeat`: the same program again in this process; the phases of the last run are reported, so
// `repeat: 2` shows what a run costs once the code has run once (the first run's extra is warm-up)
for (let run = 1; run <= (args.repeat ?? 1); run++) {
  const home = makeHome(args.port)
  const t0 = performance.now()
  let t1 = 0
  let t2 = 0
  const turns: Array<number> = []
  const program = Effect.gen(function*() {
    const codex = yield* Codex.Codex
    t1 = performance.now()
    cpu.push(cpuMs())
    const thread = yield* codex.threadStart({ cwd: home.workspace, approvalMode: "denyAll" })
    cpu.push(cpuMs())
    for (let i = 0; i < args.count; i++) {
      const t = performance.now()
      const result = yield* thread.run("hello")
      turns.push(performance.now() - t)
      if (result.finalResponse !== args.expect) {
        return yield* Effect.die(new Error(`unexpected reply ${result.finalResponse}`))
      }
    }
    t2 = performance.now()
    cpu.push(cpuMs())
  })
  await Effect.runPromise(
    program.pipe(
      Effect.provide(
        args.daemon === undefined
          ? NodeCodex.layer({
            codexBin: BIN,
            cwd: home.workspace,
            env: codexEnv(home.codexHome),
            configOverrides: [...configOverrides]
          })
          : NodeCodexRemote.layerDaemon({ codexBin: BIN, env: codexEnv(args.daemon) })
      )
    )
  )
  const t3 = performance.now()
  cpu.push(cpuMs())
  home.cleanup()
  if (run === (args.repeat ?? 1)) printPhases({ loaded, t0, t1, t2, t3, turns, cpuMarks: cpu })
  else cpu.splice(0, cpu.length, cpuMs())
}
