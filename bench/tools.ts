/**
 * Dynamic tools: what answering `item/tool/call` through a Toolkit costs, against the raw driver
 * answering the same calls itself (no validation, `JSON.stringify` of the result), in one run
 * against the same binary and one HTTP fake model hosted here.
 *
 * - `one`: one thread, 10 turns (after 2 warm-up turns), each turn = one tool call then the answer:
 *   per-turn latency (median of every turn of every run), SDK / raw.
 * - `many`: 20 threads, one turn each, started at once; each turn's first model response asks for
 *   5 tool calls (100 calls, handlers sleeping 20 ms): wall time of the burst, calls completed.
 *
 * The fake model answers by what the request ends with: after a tool output, the answer "done";
 * otherwise the tool calls. So the script does not depend on the order requests arrive in.
 *
 *   node bench/tools.ts                         # TOOLS_RUNS=5 TOOLS_OUT=file.md (default bench/RESULTS.md)
 *   node bench/tools.ts worker <raw|sdk> <one|many> <port>   # one measurement (JSON on stdout)
 */
import * as Tool from "effect/ai/Tool"
import * as Toolkit from "effect/ai/Toolkit"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Codex from "../packages/core/src/Codex.ts"
import * as Turn from "../packages/core/src/Turn.ts"
import * as NodeCodex from "../packages/node/src/NodeCodex.ts"
import { BIN, codexEnv, configOverrides, makeHome, median, now } from "./lib/common.ts"
import * as HttpModel from "./lib/httpModel.ts"
import { RawClient } from "./lib/raw.ts"

type Scenario = "plain" | "one" | "many"

interface Result {
  /** Per-turn latencies (one) or the burst's wall time (many), ms. */
  readonly times: ReadonlyArray<number>
  /** Tool calls answered successfully. */
  readonly calls: number
  /** CPU time of this Node process per turn (one), ms: what the driver itself costs, less disturbed by load. */
  readonly cpuMs: ReadonlyArray<number>
  /** The server's `durationMs` of each `dynamicToolCall` (from sending the call to the answer), ms. */
  readonly callMs: ReadonlyArray<number>
}

const THREADS = 20
const CALLS_PER_TURN = 5
const TURNS = 10
const WARMUP = 2
const HANDLER_MS = 20

const spec = {
  type: "function",
  name: "lookup",
  description: "Looks an order up",
  inputSchema: { type: "object", properties: { id: { type: "string" } }, required: ["id"], additionalProperties: false }
}

// -----------------------------------------------------------------------------
// Workers
// -----------------------------------------------------------------------------

const cpu = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1000
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

const rawWorker = async (scenario: Scenario, port: number): Promise<Result> => {
  const home = makeHome(port)
  const client = await RawClient.start(home.codexHome, home.workspace)
  let calls = 0
  const callMs: Array<number> = []
  const cpuMs: Array<number> = []
  const onEvent = (m: Record<string, any>) => {
    if (m.method === "item/completed" && m.params.item?.type === "dynamicToolCall") {
      callMs.push(m.params.item.durationMs)
    }
  }
  client.answer = async (method, params) => {
    if (method !== "item/tool/call") throw new Error(`unexpected ${method}`)
    if (scenario === "many") await sleep(HANDLER_MS)
    calls++
    return {
      success: true,
      contentItems: [{ type: "inputText", text: JSON.stringify({ id: params.arguments.id, status: "shipped" }) }]
    }
  }
  const tools = scenario === "plain" ? {} : { dynamicTools: [spec] }
  const start = async () =>
    (await client.request("thread/start", { cwd: home.workspace, approvalPolicy: "never", ...tools })).thread
      .id as string
  const check = (r: { finalResponse: string | null }) => {
    if (r.finalResponse !== "done") throw new Error(`unexpected answer ${r.finalResponse}`)
  }
  const times: Array<number> = []
  if (scenario !== "many") {
    const threadId = await start()
    for (let i = 0; i < WARMUP + TURNS; i++) {
      const t0 = now()
      const c0 = process.cpuUsage()
      check(await client.run(threadId, "look order 1 up", onEvent))
      if (i >= WARMUP) {
        times.push(now() - t0)
        cpuMs.push(cpu(c0))
      }
    }
  } else {
    const threads = await Promise.all(Array.from({ length: THREADS }, start))
    const t0 = now()
    await Promise.all(threads.map(async (threadId) => check(await client.run(threadId, "look orders up", onEvent))))
    times.push(now() - t0)
  }
  await client.close()
  home.cleanup()
  return { times, calls, callMs, cpuMs }
}

const Lookup = Tool.make("lookup", {
  description: "Looks an order up",
  parameters: Schema.Struct({ id: Schema.String }),
  success: Schema.Struct({ id: Schema.String, status: Schema.String })
})
const LookupTools = Toolkit.make(Lookup)

const sdkWorker = (scenario: Scenario, port: number): Promise<Result> => {
  const home = makeHome(port)
  let calls = 0
  const callMs: Array<number> = []
  const cpuMs: Array<number> = []
  const answer = (id: string) =>
    Effect.sync(() => {
      calls++
      return { id, status: "shipped" }
    })
  const handlers = LookupTools.toLayer({
    lookup: ({ id }) => scenario === "many" ? Effect.delay(answer(id), HANDLER_MS) : answer(id)
  })
  const program = Effect.gen(function*() {
    const codex = yield* Codex.Codex
    const options = { cwd: home.workspace, approvalMode: "denyAll" } as const
    const start = scenario === "plain"
      ? codex.threadStart(options)
      : codex.threadStart({ ...options, tools: LookupTools })
    const run = (thread: { readonly run: (input: string) => Effect.Effect<Turn.TurnResult, unknown> }) =>
      Effect.flatMap(
        thread.run("look orders up"),
        (r) => {
          const toolCalls = Turn.toolCalls(r.items)
          for (const call of toolCalls) callMs.push(call.durationMs ?? NaN)
          return r.finalResponse === "done" && toolCalls.every((call) => call.success === true)
            ? Effect.void
            : Effect.die(`unexpected answer ${r.finalResponse}`)
        }
      )
    const times: Array<number> = []
    if (scenario !== "many") {
      const thread = yield* start
      for (let i = 0; i < WARMUP + TURNS; i++) {
        const t0 = now()
        const c0 = process.cpuUsage()
        yield* run(thread)
        if (i >= WARMUP) {
          times.push(now() - t0)
          cpuMs.push(cpu(c0))
        }
      }
    } else {
      const threads = yield* Effect.forEach(Array.from({ length: THREADS }), () => start)
      const t0 = now()
      yield* Effect.forEach(threads, run, { concurrency: "unbounded" })
      times.push(now() - t0)
    }
    return { times, calls, callMs, cpuMs }
  }).pipe(
    Effect.provide(handlers),
    Effect.provide(NodeCodex.layer({
      codexBin: BIN,
      cwd: home.workspace,
      env: codexEnv(home.codexHome),
      configOverrides: [...configOverrides]
    }))
  )
  return Effect.runPromise(program).finally(() => home.cleanup())
}

// -----------------------------------------------------------------------------
// Orchestrator
// -----------------------------------------------------------------------------

/** A Responses fake: the tool calls after a user message, the answer "done" after tool outputs. */
const fakeModel = (callsPerTurn: () => number) =>
  HttpModel.serve((body, n) => {
    const input = (JSON.parse(body) as { input: Array<{ type?: string }> }).input
    return input[input.length - 1]?.type === "function_call_output" || callsPerTurn() === 0
      ? { items: [HttpModel.message(`m_${n}`, "done")] }
      : {
        items: Array.from({ length: callsPerTurn() }, (_, i) => ({
          type: "function_call",
          id: `fc_${n}_${i}`,
          call_id: `call_${n}_${i}`,
          name: "lookup",
          arguments: JSON.stringify({ id: `${n}-${i}` })
        }))
      }
  })

const runWorker = (driver: string, scenario: Scenario, port: number) =>
  HttpModel.runWorker<Result>(import.meta.filename, [driver, scenario, String(port)])

const orchestrate = async () => {
  const runs = Number(process.env.TOOLS_RUNS ?? 5)
  const scenarios = (process.env.TOOLS_ONLY?.split(",") ?? ["plain", "one", "many"]) as ReadonlyArray<Scenario>
  const out = process.env.TOOLS_OUT ?? Path.join(import.meta.dirname, "RESULTS.md")
  let perTurn = 1
  const model = await fakeModel(() => perTurn)
  const t0 = performance.now()
  const results = {
    plain: { raw: [] as Array<Result>, sdk: [] as Array<Result> },
    one: { raw: [] as Array<Result>, sdk: [] as Array<Result> },
    many: { raw: [] as Array<Result>, sdk: [] as Array<Result> }
  }
  for (let i = 0; i < runs; i++) {
    for (const scenario of scenarios) {
      perTurn = scenario === "plain" ? 0 : scenario === "one" ? 1 : CALLS_PER_TURN
      const expected = scenario === "plain" ? 0 : scenario === "one" ? WARMUP + TURNS : THREADS * CALLS_PER_TURN
      for (const driver of (i % 2 === 0 ? ["raw", "sdk"] : ["sdk", "raw"]) as Array<"raw" | "sdk">) {
        const r = await runWorker(driver, scenario, model.port)
        if (r.calls !== expected) throw new Error(`${driver} ${scenario}: ${r.calls} calls, ${expected} expected`)
        results[scenario][driver].push(r)
        process.stderr.write(`run ${i + 1}/${runs} ${scenario} ${driver}: median ${median(r.times).toFixed(1)} ms\n`)
      }
    }
  }
  model.close()
  const totalS = (performance.now() - t0) / 1000
  const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1))
  const cell = (xs: ReadonlyArray<number>) => `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`
  const row = (label: string, scenario: Scenario, target: string, pick = (r: Result) => r.times) => {
    const raw = results[scenario].raw.flatMap(pick)
    const sdk = results[scenario].sdk.flatMap(pick)
    const ratio = median(sdk) / median(raw)
    return `| ${label} | ${cell(raw)} | ${cell(sdk)} | ${ratio.toFixed(2)}× | ${target} |`
  }
  const calls = (driver: "raw" | "sdk") => results.many[driver].map((r) => r.calls).join(", ")
  const lines = [
    "<!-- tools:start (written by bench/tools.ts) -->",
    "## Dynamic tools: a Toolkit answering `item/tool/call` vs a raw driver answering it itself",
    "",
    `\`node bench/tools.ts\`: ${runs} runs of each, raw and SDK alternating, each in a fresh process and CODEX_HOME; ${
      new Date().toISOString().slice(0, 16)
    }Z, Node ${process.version}, load average at the end ${
      Os.loadavg().map((l) => l.toFixed(2)).join(" ")
    }; the run took ${totalS.toFixed(0)} s. The raw driver (\`bench/lib/raw.ts\`) answers \`item/tool/call\` with`,
    "`JSON.stringify` of its result (no validation); the SDK gets a `Toolkit` with one tool (`Schema.Struct`",
    "parameters and success) through `threadStart({ tools })`: decoding, `WithHandler.handle`, encoding, a span per call.",
    "Cells: median (min–max), ms.",
    "",
    "| measurement | raw driver | SDK | SDK/raw | goal |",
    "| --- | --- | --- | --- | --- |",
    row(
      `one turn with one tool call (tool call, then the answer; ${TURNS} turns per run after ${WARMUP} warm-up)`,
      "one",
      "≤ 1.10×"
    ),
    row(
      "… the tool call as the server times it (`dynamicToolCall.durationMs`: call sent → answer read)",
      "one",
      "",
      (r) => r.callMs
    ),
    row("… CPU time of the driver's Node process per turn", "one", "", (r) => r.cpuMs),
    row("reference: the same turn without tools (the model answers at once)", "plain", ""),
    row("… CPU time of the driver's Node process per turn", "plain", "", (r) => r.cpuMs),
    row(
      `${THREADS} threads × ${CALLS_PER_TURN} tool calls (handlers sleep ${HANDLER_MS} ms), turns started at once: wall time`,
      "many",
      "all complete"
    ),
    "",
    `Calls completed per \`many\` run: raw ${calls("raw")}; SDK ${calls("sdk")} (of ${THREADS * CALLS_PER_TURN}).`,
    "<!-- tools:end -->"
  ]
  const section = lines.join("\n") + "\n"
  const existing = Fs.existsSync(out) ? Fs.readFileSync(out, "utf8") : ""
  const marked = /<!-- tools:start[^]*?<!-- tools:end -->\n?/
  Fs.writeFileSync(
    out,
    marked.test(existing) ? existing.replace(marked, section) : `${existing.trimEnd()}\n\n${section}`
  )
  process.stdout.write(section)
}

if (process.argv[2] === "worker") {
  const [driver, scenario, port] = [process.argv[3]!, process.argv[4] as Scenario, Number(process.argv[5])]
  const result = driver === "raw" ? await rawWorker(scenario, port) : await sdkWorker(scenario, port)
  process.stdout.write(`${JSON.stringify(result)}\n`)
  process.exit(0)
} else {
  await orchestrate()
}
