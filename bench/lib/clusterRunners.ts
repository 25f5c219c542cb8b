/**
 * Runner processes for `bench/cluster.ts`: the cluster package's test runner
 * (`packages/cluster/test/fixtures/runner.ts`: NodeClusterSocket + Postgres + a real codex
 * app-server on the FakeModel), spawned with the test support's `spawnNode` (the real node pid,
 * tree kill -9, no orphans), pinned to one CPU with `taskset`, and the thread keys it took (its
 * `OWNS <key>` lines). Linux only (`/proc`, `taskset`).
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Cluster from "../../packages/cluster/test/support/cluster.ts"
import * as Processes from "../../packages/cluster/test/support/processes.ts"

/** Which runner took each thread key (from the runners' `OWNS <key>` lines; the latest wins). */
export type Owners = Map<string, string>

export interface Runner {
  readonly name: string
  /** The CPU the runner and its app-server are pinned to (`undefined`: not pinned). */
  readonly cpu: number | undefined
  readonly proc: Processes.NodeProcess
  /** How many `OWNS` lines it printed. */
  readonly owned: () => number
}

export interface RunnerEnv {
  readonly modelPort: number
  readonly pg: { readonly host: string; readonly port: number; readonly database: string; readonly username: string }
  readonly shardsPerGroup: number
}

/** The pids of a process and its live descendants. */
export const tree = (pid: number): ReadonlyArray<number> => [pid, ...Processes.descendants(pid).map((p) => p.pid)]

/** Pins every thread of `pid` and of its descendants to `cpu` (children forked later inherit it). */
export const pin = (pid: number, cpu: number): void => {
  for (const p of tree(pid)) {
    try {
      execFileSync("taskset", ["-a", "-p", "-c", String(cpu), String(p)], { stdio: "ignore", timeout: 5_000 })
    } catch {
      // the process ended in between
    }
  }
}

const statusField = (pid: number, field: string): string | undefined => {
  try {
    const line = Fs.readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(`${field}:`))
    return line?.slice(field.length + 1).trim()
  } catch {
    return undefined
  }
}

/** CPU seconds (user + system) used so far by `pid` and (by default) its live descendants. */
export const cpuSeconds = (pid: number, descendants = true): number =>
  (descendants ? tree(pid) : [pid]).reduce((sum, p) => {
    try {
      const stat = Fs.readFileSync(`/proc/${p}/stat`, "utf8")
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      return sum + (Number(fields[11]) + Number(fields[12])) / 100
    } catch {
      return sum
    }
  }, 0)

/** What one process of a runner's tree uses: resident memory, open fds, allowed CPUs, its command. */
export interface ProcUsage {
  readonly pid: number
  readonly command: string
  readonly rssMb: number
  readonly fds: number
  readonly fdLimit: string
  readonly cpus: string
}

export const usage = (pid: number): ReadonlyArray<ProcUsage> =>
  tree(pid).map((p) => {
    const read = (f: () => string, fallback: string) => {
      try {
        return f()
      } catch {
        return fallback
      }
    }
    const command = read(() => Fs.readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0").slice(0, 3).join(" "), "?")
    const limits = read(() => Fs.readFileSync(`/proc/${p}/limits`, "utf8"), "")
    const fdLimit = /Max open files\s+(\S+)\s+(\S+)/.exec(limits)
    return {
      pid: p,
      command: command.includes("app-server")
        ? "codex app-server"
        : command.includes("runner.ts")
        ? "runner (node)"
        : command,
      rssMb: Number((statusField(p, "VmRSS") ?? "0").replace(/\D/g, "")) / 1024,
      fds: read(() => String(Fs.readdirSync(`/proc/${p}/fd`).length), "0") as unknown as number,
      fdLimit: fdLimit === null ? "?" : `${fdLimit[1]}/${fdLimit[2]}`,
      cpus: statusField(p, "Cpus_allowed_list") ?? "?"
    }
  }).map((u) => ({ ...u, fds: Number(u.fds) }))

/**
 * Spawns a runner named `name` (in the current scope: closing it ends the runner's tree), waits
 * for its `READY` line, pins it to `cpu` and records its `OWNS` lines into `owners`.
 */
export const spawnRunner = Effect.fnUntraced(function*(
  name: string,
  cpu: number | undefined,
  env: RunnerEnv,
  owners: Owners
) {
  const port = yield* Processes.freePort
  const proc = yield* Processes.spawnNode(Cluster.runnerScript, {
    env: Cluster.runnerEnv({ name, port, modelPort: env.modelPort, pg: env.pg, shardsPerGroup: env.shardsPerGroup }),
    lineCapacity: 100_000
  })
  // pin at once (node and its threads), and again once the app-server exists
  if (cpu !== undefined) pin(proc.pid, cpu)
  yield* proc.waitForLine(new RegExp(`^READY ${name} `), "120 seconds")
  if (cpu !== undefined) pin(proc.pid, cpu)
  let owned = 0
  yield* proc.lines.pipe(
    Stream.runForEach((line) =>
      Effect.sync(() => {
        if (line.startsWith("OWNS ")) {
          owned++
          owners.set(line.slice(5), name)
        }
      })
    ),
    Effect.forkScoped
  )
  return { name, cpu, proc, owned: () => owned } satisfies Runner
})

/** Waits (polling, bounded) until some runner has printed `OWNS key`; returns its name. */
export const waitOwner = (owners: Owners, key: string, timeout: Duration.Input = "30 seconds") =>
  Effect.suspend(() => {
    const owner = owners.get(key)
    return owner === undefined ? Effect.fail("none" as const) : Effect.succeed(owner)
  }).pipe(
    Effect.retry(Schedule.spaced("20 millis")),
    Effect.timeoutOrElse({
      duration: Duration.fromInputUnsafe(timeout),
      orElse: () =>
        Effect.die(new Error(`no runner took ${key} within ${Duration.format(Duration.fromInputUnsafe(timeout))}`))
    })
  )
