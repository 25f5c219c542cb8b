/**
 * `node bench/workflow.ts`: what `CodexActivity.run` (a turn as a journaled workflow activity) costs
 * on top of the plain cluster call `CodexCluster.thread(key).run(input, { idempotencyKey })`, one
 * process, the embedded cluster (SingleRunner + SQLite in a temp dir), the real app-server on the
 * FakeModel (loopback). Also the bare journal cost of an activity that does nothing.
 *
 * Prints p50 / p90 per call. Options (env): BENCH_TURNS (default 30), BENCH_ACTIVITIES (default 200).
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as References from "effect/References"
import * as Schema from "effect/Schema"
import * as Activity from "effect/workflow/Activity"
import * as Workflow from "effect/workflow/Workflow"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as CodexActivity from "../packages/cluster/src/CodexActivity.ts"
import * as CodexCluster from "../packages/cluster/src/CodexCluster.ts"
import * as CodexWorkflow from "../packages/cluster/src/CodexWorkflow.ts"
import * as CodexTest from "../packages/testing/src/CodexTest.ts"
import * as FakeModel from "../packages/testing/src/FakeModel.ts"

const turns = Number(process.env.BENCH_TURNS ?? 30)
const activities = Number(process.env.BENCH_ACTIVITIES ?? 200)

const Turns = Workflow.make("BenchTurns", {
  payload: { n: Schema.Number },
  success: Schema.Array(Schema.Number),
  error: CodexActivity.ActivityError,
  idempotencyKey: ({ n }) => `turns-${n}`
})
const TurnsLive = Turns.toLayer(Effect.fn(function*({ n }) {
  const times: Array<number> = []
  for (let i = 0; i < n; i++) {
    const start = performance.now()
    yield* CodexActivity.run("bench-workflow", `question ${i}`, { name: `turn-${i}` })
    times.push(performance.now() - start)
  }
  return times
}))

const Noop = Workflow.make("BenchNoop", {
  payload: { n: Schema.Number },
  success: Schema.Array(Schema.Number),
  idempotencyKey: ({ n }) => `noop-${n}`
})
const NoopLive = Noop.toLayer(Effect.fn(function*({ n }) {
  const times: Array<number> = []
  for (let i = 0; i < n; i++) {
    const start = performance.now()
    yield* Activity.make({ name: `noop-${i}`, success: Schema.Number, execute: Effect.succeed(i) })
    times.push(performance.now() - start)
  }
  return times
}))

const percentile = (values: ReadonlyArray<number>, p: number) => {
  const sorted = values.toSorted((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}
const line = (label: string, values: ReadonlyArray<number>) =>
  `${label.padEnd(44)} n=${String(values.length).padStart(4)}  p50 ${
    percentile(values, 0.5).toFixed(2).padStart(7)
  } ms  p90 ${percentile(values, 0.9).toFixed(2).padStart(7)} ms`

const program = Effect.gen(function*() {
  const model = yield* FakeModel.FakeModel
  // warm-up turn (thread creation, first request) on both threads, not measured
  yield* model.enqueue(FakeModel.message("warm"), FakeModel.message("warm"))
  const plainThread = yield* CodexCluster.thread("bench-plain")
  yield* plainThread.run("warm-up", { idempotencyKey: "warm-plain" })
  yield* (yield* CodexCluster.thread("bench-workflow")).run("warm-up", { idempotencyKey: "warm-workflow" })

  const plain: Array<number> = []
  for (let i = 0; i < turns; i++) {
    yield* model.enqueue(FakeModel.message(`answer ${i}`))
    const start = performance.now()
    yield* plainThread.run(`question ${i}`, { idempotencyKey: `plain-${i}` })
    plain.push(performance.now() - start)
  }
  for (let i = 0; i < turns; i++) yield* model.enqueue(FakeModel.message(`answer ${i}`))
  const journaled = yield* Turns.execute({ n: turns })
  const noop = yield* Noop.execute({ n: activities })

  console.log(`node ${process.version}, ${Os.cpus().length} cpus, SQLite in ${Os.tmpdir()}`)
  console.log(line("plain cluster turn (thread.run)", plain))
  console.log(line("turn as CodexActivity.run (journaled)", journaled))
  console.log(line("empty Activity (journal only)", noop))
  console.log(
    `journal overhead per turn, p50 difference: ${(percentile(journaled, 0.5) - percentile(plain, 0.5)).toFixed(2)} ms`
  )
})

const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "bench-workflow-"))
const codexHome = Effect.map(CodexTest.CodexTest, (t) => t.codexHome)
const codex = CodexTest.layer()
const live = Layer.mergeAll(TurnsLive, NoopLive).pipe(
  Layer.provideMerge(
    CodexWorkflow.layerEmbedded({ file: Path.join(dir, "bench.db"), codex, runner: { codexHome } })
  ),
  Layer.provideMerge(codex)
)

program.pipe(
  Effect.provide(live),
  Effect.provideService(References.MinimumLogLevel, "Error"),
  Effect.timeout("10 minutes"),
  Effect.ensuring(Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))),
  Effect.runPromise
).then(() => process.exit(0), (error: unknown) => {
  console.error(error)
  process.exit(1)
})
