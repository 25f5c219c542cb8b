/**
 * A whole program, run as a fresh `node` process by `bench/process.ts`: the raw driver spawns the
 * app-server, does the handshake, starts a thread, runs `count` turns of "hello", closes the
 * app-server and lets the process exit. `node bench/lib/processRaw.ts <json args>`; prints one JSON
 * line with its phase times. Loads no Effect.
 */
import { cpuMs, makeHome, printPhases } from "./common.ts"
import { RawClient } from "./raw.ts"

const loaded = performance.now()
const cpu: Array<number> = [cpuMs()]
const args = JSON.parse(process.argv[2]!) as { port: number; count: number; expect: string }
const home = makeHome(args.port)
const t0 = performance.now()
const client = await RawClient.start(home.codexHome, home.workspace)
const t1 = performance.now()
cpu.push(cpuMs())
const threadId = await client.threadStart(home.workspace)
cpu.push(cpuMs())
const turns: Array<number> = []
for (let i = 0; i < args.count; i++) {
  const t = performance.now()
  const result = await client.run(threadId, "hello")
  turns.push(performance.now() - t)
  if (result.finalResponse !== args.expect) throw new Error(`unexpected reply ${result.finalResponse}`)
}
const t2 = performance.now()
cpu.push(cpuMs())
await client.close()
const t3 = performance.now()
cpu.push(cpuMs())
home.cleanup()
printPhases({ loaded, t0, t1, t2, t3, turns, cpuMarks: cpu })
