/**
 * The benchmark scenarios, driven by the raw baseline driver. Each returns plain JSON.
 */
import * as Fs from "node:fs"
import { concurrencyReport, makeHome, memorySample, now } from "./common.ts"
import { RawClient } from "./raw.ts"
import type { Args } from "./scenarios.ts"

const withClient = async <A>(port: number, f: (client: RawClient, workspace: string) => Promise<A>): Promise<A> => {
  const home = makeHome(port)
  const client = await RawClient.start(home.codexHome, home.workspace)
  try {
    return await f(client, home.workspace)
  } finally {
    await client.close()
    home.cleanup()
  }
}

export const startup = async (args: Args) => {
  const times: Array<number> = []
  for (let i = 0; i < args.runs!; i++) {
    const home = makeHome(args.port)
    const t0 = now()
    const client = await RawClient.start(home.codexHome, home.workspace)
    times.push(now() - t0)
    await client.close()
    home.cleanup()
  }
  return { times }
}

export const rpc = (args: Args) =>
  withClient(args.port, async (client, workspace) => {
    const threadId = await client.threadStart(workspace)
    const params = { threadId, includeTurns: false }
    for (let i = 0; i < args.warmup!; i++) await client.request("thread/read", params)
    const times: Array<number> = []
    for (let i = 0; i < args.count!; i++) {
      const t0 = now()
      await client.request("thread/read", params)
      times.push(now() - t0)
    }
    return { times }
  })

export const turns = async (args: Args) => {
  const home = makeHome(args.port)
  const t0 = now()
  const client = await RawClient.start(home.codexHome, home.workspace)
  const startup = now() - t0
  const threadId = await client.threadStart(home.workspace)
  const times: Array<number> = []
  for (let i = 0; i < args.count!; i++) {
    const t = now()
    const result = await client.run(threadId, "hello")
    times.push(now() - t)
    if (result.finalResponse !== args.expect) throw new Error(`unexpected reply ${result.finalResponse}`)
  }
  const total = now() - t0
  await client.close()
  home.cleanup()
  return { startup, times, total }
}

export const stream = (args: Args) =>
  withClient(args.port, async (client, workspace) => {
    const threadId = await client.threadStart(workspace)
    if (args.record) client.recorded = []
    const t0 = now()
    const c0 = process.cpuUsage()
    const result = await client.run(threadId, "hello")
    const elapsed = now() - t0
    const cpu = process.cpuUsage(c0)
    if (args.record) {
      Fs.writeFileSync(args.record, client.recorded!.join("\n") + "\n")
      client.recorded = undefined
    }
    if (result.finalResponse?.length !== args.expectLength) throw new Error("unexpected reply length")
    return { elapsed, cpu: (cpu.user + cpu.system) / 1000, notifications: result.events }
  })

/** Bare JSON.parse of the recorded lines (the floor of any decoder). */
export const inmem = async (args: Args) => {
  const lines = Fs.readFileSync(args.lines!, "utf8").split("\n").filter((l) => l.length > 0)
  const parseAll = () => {
    let n = 0
    for (const line of lines) {
      const m = JSON.parse(line)
      if (m.method !== undefined) n++
    }
    return n
  }
  for (let i = 0; i < args.warmup!; i++) parseAll()
  const runs: Array<{ elapsed: number; cpu: number; notifications: number }> = []
  for (let i = 0; i < args.runs!; i++) {
    const t0 = now()
    const c0 = process.cpuUsage()
    const n = parseAll()
    const cpu = process.cpuUsage(c0)
    runs.push({ elapsed: now() - t0, cpu: (cpu.user + cpu.system) / 1000, notifications: n })
  }
  return { runs }
}

export const concurrency = (args: Args) =>
  withClient(args.port, async (client, workspace) => {
    const rssBefore = process.memoryUsage().rss
    const c0 = process.cpuUsage()
    const t0 = now()
    const threads = await Promise.all(Array.from({ length: args.count! }, () => client.threadStart(workspace)))
    const t1 = now()
    const results = await Promise.all(threads.map((id) => client.run(id, "hello")))
    const t2 = now()
    for (const r of results) if (r.finalResponse !== args.expect) throw new Error("unexpected reply")
    return concurrencyReport({ t0, t1, t2 }, c0, rssBefore)
  })

/**
 * A burst of `count` concurrent `model/list` on one connection. With `window` > 0 at most that many
 * are outstanding (a FIFO of the rest), as the SDK does; with 0 all are written at once, and a
 * request with no reply after 20 s counts as lost (the server drops replies when its queues are full).
 */
export const requests = (args: Args) =>
  withClient(args.port, async (client) => {
    const rssBefore = process.memoryUsage().rss
    const window = args.window ?? 0
    let inFlight = 0
    const waiters: Array<() => void> = []
    const acquire = (): Promise<void> => {
      if (window === 0 || inFlight < window) {
        inFlight++
        return Promise.resolve()
      }
      return new Promise((resolve) => waiters.push(resolve))
    }
    const release = () => {
      const next = waiters.shift()
      if (next) next()
      else inFlight--
    }
    let lost = 0
    let failed = 0
    const one = async () => {
      await acquire()
      let timer: NodeJS.Timeout | undefined
      try {
        await Promise.race([
          client.request("model/list", {}),
          new Promise((_, reject) => timer = setTimeout(() => reject(new Error("lost")), 20_000))
        ])
      } catch (error) {
        if ((error as Error).message === "lost") lost++
        else failed++
      } finally {
        clearTimeout(timer)
        release()
      }
    }
    const t0 = now()
    await Promise.all(Array.from({ length: args.count! }, one))
    const wallMs = now() - t0
    return { wallMs, lost, failed, rssBefore, peakRss: process.resourceUsage().maxRSS * 1024 }
  })

export const memory = (args: Args) =>
  withClient(args.port, async (client, workspace) => {
    const samples: Array<{ turns: number; rss: number; heapUsed: number }> = []
    let threadId = await client.threadStart(workspace)
    const t0 = now()
    for (let i = 0; i < args.count!; i++) {
      if (i > 0 && i % (args.turnsPerThread ?? 10) === 0) threadId = await client.threadStart(workspace)
      const result = await client.run(threadId, "hello")
      if (result.finalResponse !== args.expect) throw new Error("unexpected reply")
      if ((i + 1) % (args.sampleEvery ?? 100) === 0) samples.push({ turns: i + 1, ...memorySample() })
    }
    return { samples, elapsed: now() - t0 }
  })
