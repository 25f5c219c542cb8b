/**
 * `node bench/transports.ts`: the same SDK client over stdio, WebSocket and Unix socket, in ONE run
 * against the same pinned binary and a FakeModel. Measures turn latency (sequential short turns)
 * and a 20,000-delta streamed turn, and prints/writes ratios against stdio
 * (bench/TRANSPORTS.md, or BENCH_OUT). Rounds alternate the transport order so machine noise hits
 * all alike. BENCH_QUICK=1 runs fewer rounds (for trying the harness, not for numbers).
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as Codex from "../packages/core/src/Codex.ts"
import * as CodexTest from "../packages/testing/src/CodexTest.ts"
import * as CodexTestRemote from "../packages/testing/src/CodexTestRemote.ts"
import * as FakeModel from "../packages/testing/src/FakeModel.ts"

const here = Path.dirname(fileURLToPath(import.meta.url))
const quick = process.env.BENCH_QUICK === "1"
const out = process.env.BENCH_OUT ?? Path.join(here, "TRANSPORTS.md")
const rounds = quick ? 1 : 3
const turnsPerRound = quick ? 5 : 15
const DELTAS = 20_000

type Kind = CodexTestRemote.TransportKind
const kinds: ReadonlyArray<Kind> = ["stdio", "ws", "unix"]

const median = (xs: ReadonlyArray<number>): number => {
  const s = xs.toSorted((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

const longText = (n: number): string => Array.from({ length: n }, (_, i) => `t${i % 10}`).join("")

/** One round on one transport: a fresh server and client; the turn latencies and the stream time. */
const round = (kind: Kind) =>
  Effect.gen(function*() {
    const model = yield* FakeModel.FakeModel
    const codex = yield* Codex.Codex
    const { workspace } = yield* CodexTest.CodexTest
    const thread = yield* codex.threadStart({ cwd: workspace })
    // warm-up turn
    yield* model.enqueue(FakeModel.message("warm", { deltas: 3 }))
    yield* thread.run("warm up")
    const latencies: Array<number> = []
    for (let i = 0; i < turnsPerRound; i++) {
      yield* model.enqueue(FakeModel.message("pong", { deltas: 3 }))
      const t0 = performance.now()
      const result = yield* thread.run("ping")
      latencies.push(performance.now() - t0)
      if (result.finalResponse !== "pong") return yield* Effect.die(`${kind}: unexpected ${result.finalResponse}`)
    }
    const text = longText(DELTAS)
    yield* model.enqueue(FakeModel.message(text, { deltas: DELTAS }))
    const streamThread = yield* codex.threadStart({ cwd: workspace })
    const t0 = performance.now()
    const handle = yield* streamThread.turn("stream")
    let count = 0
    let length = 0
    yield* handle.stream.pipe(
      Stream.runForEach((e) =>
        Effect.sync(() => {
          if (e.method === "item/agentMessage/delta") {
            count++
            length += (e.params as { readonly delta: string }).delta.length
          }
        })
      )
    )
    const streamMs = performance.now() - t0
    if (count !== DELTAS || length !== text.length) {
      return yield* Effect.die(`${kind}: got ${count} deltas / ${length} chars`)
    }
    return { latencies, streamMs }
  }).pipe(Effect.provide(CodexTestRemote.layer({ transport: kind }).pipe(Layer.fresh)))

const program = Effect.gen(function*() {
  const results: Record<Kind, { latencies: Array<number>; streams: Array<number> }> = {
    stdio: { latencies: [], streams: [] },
    ws: { latencies: [], streams: [] },
    unix: { latencies: [], streams: [] }
  }
  for (let r = 0; r < rounds; r++) {
    const order = kinds.map((_, i) => kinds[(i + r) % kinds.length]!)
    for (const kind of order) {
      const { latencies, streamMs } = yield* round(kind)
      results[kind].latencies.push(...latencies)
      results[kind].streams.push(streamMs)
      console.error(
        `round ${r + 1} ${kind}: turn median ${median(latencies).toFixed(1)} ms, stream ${streamMs.toFixed(0)} ms`
      )
    }
  }
  const base = { turn: median(results.stdio.latencies), stream: median(results.stdio.streams) }
  const rows = kinds.map((kind) => {
    const turn = median(results[kind].latencies)
    const stream = median(results[kind].streams)
    return `| ${kind} | ${turn.toFixed(1)} | ${(turn / base.turn).toFixed(2)} | ${stream.toFixed(0)} | ${
      (DELTAS / (stream / 1000)).toFixed(0)
    } | ${(stream / base.stream).toFixed(2)} |`
  })
  const report = [
    "# Transports: stdio vs WebSocket vs Unix socket",
    "",
    `One run (${
      new Date().toISOString()
    }), ${rounds} rounds × (${turnsPerRound} sequential short turns + one ${DELTAS}-delta turn)`,
    "per transport, fresh app-server per round, order rotated per round. Medians; ratios are against stdio",
    "(lower is faster). The machine has 2 shared cores: compare ratios, not absolute times.",
    "",
    "| transport | turn latency (ms) | × stdio | 20,000-delta turn (ms) | deltas/s | × stdio |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
    ""
  ].join("\n")
  console.log(report)
  Fs.writeFileSync(out, report)
})

Effect.runPromise(program).catch((error) => {
  console.error(error)
  process.exitCode = 1
})
