/**
 * The benchmark scenarios, driven by the SDK (`NodeCodex.layer` → `Codex` → `Thread` → `Turn`).
 * Each does exactly the work of its counterpart in `rawScenarios.ts`.
 */
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as AppServerClient from "../../packages/core/src/AppServerClient.ts"
import * as Codex from "../../packages/core/src/Codex.ts"
import type * as Errors from "../../packages/core/src/Errors.ts"
import * as Notification from "../../packages/core/src/Notification.ts"
import { Transport } from "../../packages/core/src/Transport.ts"
import * as NodeCodex from "../../packages/node/src/NodeCodex.ts"
import { BIN, codexEnv, concurrencyReport, configOverrides, makeHome, memorySample, now } from "./common.ts"
import type { Args } from "./scenarios.ts"

const layerFor = (codexHome: string, workspace: string) =>
  NodeCodex.layer({
    codexBin: BIN,
    cwd: workspace,
    env: codexEnv(codexHome),
    configOverrides: [...configOverrides]
  })

/** Runs a program against a fresh app-server in a fresh CODEX_HOME. */
const withCodex = <A, E>(
  port: number,
  f: (codex: Codex.Service, workspace: string) => Effect.Effect<A, E, AppServerClient.AppServerClient>
): Promise<A> => {
  const home = makeHome(port)
  return Effect.runPromise(
    Effect.flatMap(Codex.Codex, (codex) => f(codex, home.workspace)).pipe(
      Effect.provide(layerFor(home.codexHome, home.workspace))
    ) as Effect.Effect<A>
  ).finally(home.cleanup)
}

const threadOptions = (workspace: string) => ({ cwd: workspace, approvalMode: "denyAll" as const })

export const startup = async (args: Args) => {
  const times: Array<number> = []
  for (let i = 0; i < args.runs!; i++) {
    const home = makeHome(args.port)
    const t0 = now()
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      yield* Layer.build(layerFor(home.codexHome, home.workspace))
      times.push(now() - t0)
    })))
    home.cleanup()
  }
  return { times }
}

export const rpc = (args: Args) =>
  withCodex(args.port, (codex, workspace) =>
    Effect.gen(function*() {
      const thread = yield* codex.threadStart(threadOptions(workspace))
      for (let i = 0; i < args.warmup!; i++) yield* thread.read()
      const times: Array<number> = []
      for (let i = 0; i < args.count!; i++) {
        const t0 = now()
        yield* thread.read()
        times.push(now() - t0)
      }
      return { times }
    }))

export const turns = async (args: Args) => {
  const home = makeHome(args.port)
  const t0 = now()
  let startup = 0
  const times: Array<number> = []
  await Effect.runPromise(
    Effect.gen(function*() {
      const codex = yield* Codex.Codex
      startup = now() - t0
      const thread = yield* codex.threadStart(threadOptions(home.workspace))
      for (let i = 0; i < args.count!; i++) {
        const t = now()
        const result = yield* thread.run("hello")
        times.push(now() - t)
        if (result.finalResponse !== args.expect) throw new Error(`unexpected reply ${result.finalResponse}`)
      }
    }).pipe(Effect.provide(layerFor(home.codexHome, home.workspace)))
  )
  // the raw driver's total ends when its 10th turn is done, before closing
  const total = startup + times.reduce((a, b) => a + b, 0)
  home.cleanup()
  return { startup, times, total }
}

export const stream = (args: Args) =>
  withCodex(args.port, (codex, workspace) =>
    Effect.gen(function*() {
      const thread = yield* codex.threadStart(threadOptions(workspace))
      let notifications = 0
      let text: string | null = null
      const t0 = now()
      const c0 = process.cpuUsage()
      const handle = yield* thread.turn("hello")
      yield* handle.stream.pipe(Stream.runForEach((event) => {
        notifications++
        if (
          Notification.is("item/completed")(event) &&
          event.params.item.type === "agentMessage"
        ) {
          text = event.params.item.text
        }
        return Effect.void
      }))
      const elapsed = now() - t0
      const cpu = process.cpuUsage(c0)
      if ((text as string | null)?.length !== args.expectLength) throw new Error("unexpected reply length")
      return { elapsed, cpu: (cpu.user + cpu.system) / 1000, notifications }
    }))

const initializeResult = {
  userAgent: "raw_bench/0.169.0 (bench) bench",
  codexHome: "/tmp/bench",
  platformFamily: "unix",
  platformOs: "linux"
}

/**
 * The SDK's own decode + route cost: an in-memory `Transport` that answers `initialize`, and answers
 * `turn/start` with the recorded response followed by every recorded notification line at once.
 */
export const inmem = async (args: Args) => {
  const all = Fs.readFileSync(args.lines!, "utf8").split("\n").filter((l) => l.length > 0)
  const responseIndex = all.findIndex((l) => {
    const m = JSON.parse(l)
    return m.method === undefined && m.result?.turn !== undefined
  })
  const response = JSON.parse(all[responseIndex]!)
  const notificationLines = all.filter((_, i) => i !== responseIndex)
  const threadId = JSON.parse(notificationLines.at(-1)!).params.threadId as string

  const transport = Effect.gen(function*() {
    const q = yield* Queue.unbounded<string, Errors.TransportClosedError | Cause.Done>()
    const send = (line: string) =>
      Effect.sync(() => {
        const m = JSON.parse(line)
        if (m.method === "initialize") Queue.offerUnsafe(q, JSON.stringify({ id: m.id, result: initializeResult }))
        else if (m.method === "turn/start") {
          Queue.offerUnsafe(q, JSON.stringify({ id: m.id, result: response.result }))
          Queue.offerAllUnsafe(q, notificationLines)
        }
      })
    return Transport.of({ send, incoming: Stream.fromQueue(q) })
  })
  const layer = Codex.layer.pipe(
    Layer.provideMerge(AppServerClient.layer()),
    Layer.provide(Layer.effect(Transport, transport))
  )
  const once = Effect.gen(function*() {
    const codex = yield* Codex.Codex
    const thread = codex.thread(threadId)
    let notifications = 0
    const t0 = now()
    const c0 = process.cpuUsage()
    const handle = yield* thread.turn("hello")
    yield* handle.stream.pipe(Stream.runForEach(() => {
      notifications++
      return Effect.void
    }))
    const cpu = process.cpuUsage(c0)
    return { elapsed: now() - t0, cpu: (cpu.user + cpu.system) / 1000, notifications }
  }).pipe(Effect.provide(layer))
  // bare JSON.parse of the same lines, interleaved with the SDK runs in this same process
  const parseAll = () => {
    let n = 0
    for (const line of all) {
      const m = JSON.parse(line)
      if (m.method !== undefined) n++
    }
    return n
  }
  const parseOnce = () => {
    const t0 = now()
    const c0 = process.cpuUsage()
    const notifications = parseAll()
    const cpu = process.cpuUsage(c0)
    return { elapsed: now() - t0, cpu: (cpu.user + cpu.system) / 1000, notifications }
  }
  for (let i = 0; i < args.warmup!; i++) {
    parseOnce()
    await Effect.runPromise(once)
  }
  const runs: Array<{ elapsed: number; cpu: number; notifications: number }> = []
  const parseRuns: Array<{ elapsed: number; cpu: number; notifications: number }> = []
  for (let i = 0; i < args.runs!; i++) {
    parseRuns.push(parseOnce())
    runs.push(await Effect.runPromise(once))
  }
  return { runs, parseRuns }
}

export const concurrency = (args: Args) =>
  withCodex(args.port, (codex, workspace) =>
    Effect.gen(function*() {
      const rssBefore = process.memoryUsage().rss
      const c0 = process.cpuUsage()
      const t0 = now()
      const threads = yield* Effect.all(
        Array.from({ length: args.count! }, () => codex.threadStart(threadOptions(workspace))),
        { concurrency: "unbounded" }
      )
      const t1 = now()
      const results = yield* Effect.all(threads.map((thread) => thread.run("hello")), { concurrency: "unbounded" })
      const t2 = now()
      for (const r of results) if (r.finalResponse !== args.expect) throw new Error("unexpected reply")
      return concurrencyReport({ t0, t1, t2 }, c0, rssBefore)
    }))

/** A burst of `count` concurrent `model/list` on one client (through its default in-flight window). */
export const requests = (args: Args) =>
  withCodex(args.port, () =>
    Effect.gen(function*() {
      const client = yield* AppServerClient.AppServerClient
      const rssBefore = process.memoryUsage().rss
      const t0 = now()
      const results = yield* Effect.forEach(
        Array.from({ length: args.count! }, () => client.request("model/list", {}).pipe(Effect.result)),
        (request) => request,
        { concurrency: "unbounded" }
      )
      const wallMs = now() - t0
      const failed = results.filter((r) => r._tag === "Failure").length
      return { wallMs, lost: 0, failed, rssBefore, peakRss: process.resourceUsage().maxRSS * 1024 }
    }))

export const memory = (args: Args) =>
  withCodex(args.port, (codex, workspace) =>
    Effect.gen(function*() {
      const samples: Array<{ turns: number; rss: number; heapUsed: number }> = []
      let thread = yield* codex.threadStart(threadOptions(workspace))
      const t0 = now()
      for (let i = 0; i < args.count!; i++) {
        if (i > 0 && i % (args.turnsPerThread ?? 10) === 0) thread = yield* codex.threadStart(threadOptions(workspace))
        const result = yield* thread.run("hello")
        if (result.finalResponse !== args.expect) throw new Error("unexpected reply")
        if ((i + 1) % (args.sampleEvery ?? 100) === 0) samples.push({ turns: i + 1, ...memorySample() })
      }
      return { samples, elapsed: now() - t0 }
    }))
