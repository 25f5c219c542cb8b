/**
 * The cost of admission per turn, without a server: `AppServerClient.startTurn` over an in-memory
 * transport that answers every `turn/start` at once with its reply, the user message's
 * `item/completed` and `turn/completed`; TURNS sequential turns, admission on (2) and off
 * (`Infinity`) alternately, process CPU time per turn.
 *
 *   node bench/admissionOverhead.ts        # OVERHEAD_TURNS=5000 OVERHEAD_RUNS=5
 */
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as AppServerClient from "../packages/core/src/AppServerClient.ts"
import * as MemoryTransport from "../packages/core/test/support/memoryTransport.ts"

const TURNS = Number(process.env.OVERHEAD_TURNS ?? 5000)
const RUNS = Number(process.env.OVERHEAD_RUNS ?? 5)

const run = (maxStartingTurns: number) =>
  Effect.gen(function*() {
    const { layer, server } = yield* MemoryTransport.make()
    const lines: Array<object> = []
    server.onWrite = (m) => {
      if (m.method !== "turn/start") return
      const threadId = (m.params as { threadId: string }).threadId
      const turn = { id: `turn-${m.id}`, items: [], status: "inProgress" }
      lines.push(
        { id: m.id, result: { turn } },
        {
          method: "item/completed",
          params: { threadId, turnId: turn.id, completedAtMs: 0, item: { type: "userMessage", id: "u", content: [] } }
        },
        { method: "turn/completed", params: { threadId, turn: { ...turn, status: "completed" } } }
      )
    }
    const client = yield* AppServerClient.make({ maxStartingTurns }).pipe(Effect.provide(layer))
    const start = process.cpuUsage()
    for (let i = 0; i < TURNS; i++) {
      const started = yield* Effect.forkChild(
        client.startTurn({ threadId: `t${i % 16}`, input: [{ type: "text", text: "hi", text_elements: [] }] }),
        { startImmediately: true }
      )
      for (const line of lines.splice(0)) yield* server.push(line)
      const { subscription } = yield* Fiber.join(started)
      yield* Stream.runDrain(subscription.events)
    }
    const cpu = process.cpuUsage(start)
    return (cpu.user + cpu.system) / TURNS
  }).pipe(Effect.scoped)

const results: Record<string, Array<number>> = { on: [], off: [] }
// warm-up: JIT and schema building
await Effect.runPromise(run(2))
await Effect.runPromise(run(Infinity))
for (let r = 0; r < RUNS; r++) {
  for (
    const [name, limit] of r % 2 === 0
      ? [["on", 2], ["off", Infinity]] as const
      : [["off", Infinity], ["on", 2]] as const
  ) {
    results[name]!.push(await Effect.runPromise(run(limit)))
  }
}
const median = (xs: Array<number>) => xs.toSorted((a, b) => a - b)[xs.length >> 1]!
const on = median(results.on!)
const off = median(results.off!)
console.log(
  `${TURNS} sequential turns × ${RUNS} runs, CPU µs per turn (median): admission on ${on.toFixed(1)}, off ${
    off.toFixed(1)
  }, on − off ${(on - off).toFixed(1)} µs (${(on / off).toFixed(3)}×); runs on ${
    results.on!.map((x) => x.toFixed(0)).join(" ")
  }, off ${results.off!.map((x) => x.toFixed(0)).join(" ")}`
)
