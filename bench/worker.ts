/**
 * One benchmark process: `node bench/worker.ts <impl> <scenario> <json args>`. Prints one JSON line
 * (the result, plus the module load time) on stdout. The raw driver's process never loads Effect.
 */
import { now } from "./lib/common.ts"
import type { Args, Impl, Scenario } from "./lib/scenarios.ts"

const [impl, scenario, json] = process.argv.slice(2) as [Impl, Scenario, string]
const args = JSON.parse(json) as Args

const t0 = now()
const mod: Record<string, (args: Args) => Promise<unknown>> = impl === "raw"
  ? await import("./lib/rawScenarios.ts")
  : impl === "sdk"
  ? await import("./lib/sdkScenarios.ts")
  : await import("./lib/peerScenarios.ts")
const loadMs = now() - t0
const run = mod[scenario]
if (run === undefined) throw new Error(`${impl} has no scenario ${scenario}`)
const result = await run(args)
process.stdout.write(JSON.stringify({ loadMs, ...(result as object) }) + "\n")
process.exit(0)
