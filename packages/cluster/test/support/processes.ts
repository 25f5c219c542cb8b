/**
 * Node programs as child processes, for the multi-process cluster tests (a runner per process, killed
 * with SIGKILL mid-stream). Linux only (it reads `/proc`).
 *
 * - **The real node.** The child is `process.execPath` (the ELF binary that runs the test, Node 24
 *   under `pnpm exec`), never `node_modules/.bin/node`: that is a `/bin/sh` shim that forks the real
 *   node, so a SIGKILL of the pid you hold would leave the real program running. The pid of
 *   {@link NodeProcess} is the node process itself.
 * - **Its whole tree.** The child leads its own process group (`detached`), so its children (a
 *   `codex app-server` of a runner) can be signalled with it. A child spawned in *another* group
 *   (the SDK's own spawn does that for `codex app-server`) is found through `/proc` (parent links):
 *   the tree is frozen with SIGSTOP (a stopped process cannot fork), listed again, then killed.
 * - **"Gone"** means no such process, or a zombie: pid 1 of this machine's sandbox (`process_api`)
 *   does not reap orphans, so a killed grandchild stays a zombie for ever and `process.kill(pid, 0)`
 *   still succeeds on it. Use {@link isGone}, not `kill(pid, 0)`, to check that a process ended.
 * - **Bounded.** stdout lines go to a sliding queue (the oldest are dropped when nobody reads), the
 *   last lines of stdout and stderr to a ring for error messages; every wait has a timeout.
 * - **Scope.** Closing the scope sends SIGTERM to the group, waits `forceKillAfter`, then SIGKILLs
 *   the tree that remains (members of the group and the descendants listed before the SIGTERM), and
 *   returns only once they are gone. If the test process itself dies first (a vitest worker killed
 *   with SIGKILL runs no finalizer), a watchdog ({@link orphanGuard}) kills the tree.
 * - **Clocks.** `waitForLine` timeouts use the Effect clock: run these tests with `it.live` (under
 *   `it.effect`'s TestClock they would wait for the clock to be adjusted). Cleanup waits use native
 *   timers, so a TestClock never stalls a finalizer.
 */
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as NodeChildProcess from "node:child_process"
import * as NodeFs from "node:fs"
import { createRequire } from "node:module"
import * as NodeNet from "node:net"

// =============================================================================
// Errors
// =============================================================================

/** The node program could not be started. */
export class SpawnError extends Schema.TaggedError<SpawnError>("@effect-codex/cluster/test/SpawnError")(
  "SpawnError",
  { script: Schema.String, description: Schema.String }
) {
  override get message(): string {
    return `${this.script}: ${this.description}`
  }
}

/** No line matched before the timeout. */
export class LineTimeout extends Schema.TaggedError<LineTimeout>("@effect-codex/cluster/test/LineTimeout")(
  "LineTimeout",
  { pid: Schema.Number, pattern: Schema.String, timeout: Schema.String, recentOutput: Schema.Array(Schema.String) }
) {
  override get message(): string {
    return `process ${this.pid}: no line matched ${this.pattern} within ${this.timeout}; last output:\n${
      this.recentOutput.join("\n")
    }`
  }
}

/** stdout ended (the process exited or closed it) before a line matched. */
export class ProcessEnded extends Schema.TaggedError<ProcessEnded>("@effect-codex/cluster/test/ProcessEnded")(
  "ProcessEnded",
  {
    pid: Schema.Number,
    pattern: Schema.String,
    exitCode: Schema.NullOr(Schema.Number),
    signal: Schema.NullOr(Schema.String),
    recentOutput: Schema.Array(Schema.String)
  }
) {
  override get message(): string {
    return `process ${this.pid} ended (code ${this.exitCode}, signal ${this.signal}) before a line matched ${this.pattern}; last output:\n${
      this.recentOutput.join("\n")
    }`
  }
}

// =============================================================================
// Models
// =============================================================================

/** How a process ended. */
export interface ProcessExit {
  readonly exitCode: number | null
  readonly signal: NodeJS.Signals | null
}

export interface SpawnNodeOptions {
  /** Added to (by default) or replacing the test's environment. */
  readonly env?: Readonly<Record<string, string>> | undefined
  /** `false`: the child gets only `env` (default `true`: `process.env` plus `env`). */
  readonly extendEnv?: boolean | undefined
  /** Arguments after the script path. */
  readonly args?: ReadonlyArray<string> | undefined
  /** Node options before the script path (`--enable-source-maps`, …). */
  readonly execArgv?: ReadonlyArray<string> | undefined
  readonly cwd?: string | undefined
  /** Grace between SIGTERM and SIGKILL when the scope closes (default 3 s). */
  readonly forceKillAfter?: Duration.Input | undefined
  /** How many unread stdout lines are kept (default 10 000; the oldest are dropped). */
  readonly lineCapacity?: number | undefined
}

/** A running node program (see the module doc). */
export interface NodeProcess {
  /** The pid of the real node process; also its process-group id. */
  readonly pid: number
  /**
   * stdout lines not yet taken. Shares its queue with {@link waitForLine}: a line taken by one is
   * not seen by the other. Ends when stdout ends.
   */
  readonly lines: Stream.Stream<string>
  /**
   * Takes stdout lines until one matches `pattern` and returns it (the lines before it are
   * consumed). Fails with {@link LineTimeout}, or {@link ProcessEnded} when stdout ends first.
   */
  readonly waitForLine: (
    pattern: RegExp,
    timeout: Duration.Input
  ) => Effect.Effect<string, LineTimeout | ProcessEnded>
  /** The last lines of stdout and stderr (stderr lines start with `[stderr] `), for messages. */
  readonly recentOutput: Effect.Effect<ReadonlyArray<string>>
  /** Waits for the node process to exit. */
  readonly exit: Effect.Effect<ProcessExit>
  /** Sends a signal to the process group, without waiting. */
  readonly signal: (signal: NodeJS.Signals) => Effect.Effect<void>
  /**
   * SIGKILLs the process and its whole tree (its group and its descendants in other groups) and
   * waits until all of them are gone (dies after 10 s).
   */
  readonly kill9: Effect.Effect<ProcessExit>
}

// =============================================================================
// /proc
// =============================================================================

/** One process, as read from `/proc/<pid>/stat`. */
export interface ProcStat {
  readonly pid: number
  readonly ppid: number
  readonly state: string
  /** The process group id. */
  readonly pgrp: number
  /** Start time in clock ticks since boot: with the pid, identifies a process (pids are reused). */
  readonly startTime: string
}

export const readStat = (pid: number): ProcStat | undefined => {
  let text: string
  try {
    text = NodeFs.readFileSync(`/proc/${pid}/stat`, "utf8")
  } catch {
    return undefined
  }
  // The command name is in parentheses and may contain spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ")
  // fields[0] is field 3 of stat(5) (state), [1] field 4 (ppid), [2] field 5 (pgrp), [19] field 22 (starttime).
  return { pid, state: fields[0] ?? "", ppid: Number(fields[1]), pgrp: Number(fields[2]), startTime: fields[19] ?? "" }
}

/**
 * The stat of a process just spawned (it exists until Node reaps it, which happens after the
 * 'spawn' event); a stand-in that counts as gone if it is already reaped.
 */
export const spawnedStat = (pid: number): ProcStat =>
  readStat(pid) ?? { pid, ppid: process.pid, pgrp: pid, state: "X", startTime: "gone" }

/** Whether `pid` is gone: no such process, or a zombie (see the module doc). */
export const isGone = (pid: number): boolean => {
  const stat = readStat(pid)
  return stat === undefined || stat.state === "Z" || stat.state === "X"
}

/** Whether the process `proc` (pid and start time) is gone (or a zombie), even if its pid was reused. */
export const procGone = (proc: ProcStat): boolean => {
  const now = readStat(proc.pid)
  return now === undefined || now.startTime !== proc.startTime || now.state === "Z" || now.state === "X"
}

/** The pids of the processes in group `pgid` (zombies included). */
const groupMembers = (pgid: number): ReadonlyArray<number> =>
  allStats().filter((stat) => stat.pgrp === pgid).map((stat) => stat.pid)

const allStats = (): ReadonlyArray<ProcStat> =>
  NodeFs.readdirSync("/proc").flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return []
    const stat = readStat(Number(entry))
    return stat === undefined ? [] : [stat]
  })

/** The live descendants of `pid` (not `pid` itself), from the parent links in `/proc`. */
export const descendants = (pid: number): ReadonlyArray<ProcStat> => {
  const children = new Map<number, Array<ProcStat>>()
  for (const stat of allStats()) {
    if (stat.state === "Z") continue
    const siblings = children.get(stat.ppid)
    if (siblings === undefined) children.set(stat.ppid, [stat])
    else siblings.push(stat)
  }
  const found: Array<ProcStat> = []
  const todo = [pid]
  for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
    for (const child of children.get(next) ?? []) {
      found.push(child)
      todo.push(child.pid)
    }
  }
  return found
}

/** `process.kill` that ignores a process that is already gone. */
const signalQuietly = (pid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(pid, signal)
  } catch {
    // ESRCH (gone) or EPERM (a zombie group on some systems): nothing to signal.
  }
}

/** Polls `done` every 10 ms (native timers: a TestClock must not stall cleanup) for up to `millis`. */
export const pollUntil = (done: () => boolean, millis: number): Effect.Effect<boolean> =>
  Effect.callback<boolean>((resume) => {
    const deadline = Date.now() + millis
    let timer: ReturnType<typeof setTimeout> | undefined
    const poll = () => {
      if (done()) return resume(Effect.succeed(true))
      if (Date.now() >= deadline) return resume(Effect.succeed(false))
      timer = setTimeout(poll, 10)
    }
    poll()
    return Effect.sync(() => clearTimeout(timer))
  })

/**
 * Whether signals to the group `-leader.pid` can only reach the leader's group: the pid is free
 * (then no other group can have that id while ours has members) or still the leader's.
 */
const groupIsOurs = (leader: ProcStat): boolean => {
  const now = readStat(leader.pid)
  return now === undefined || now.startTime === leader.startTime
}

/** Signals the leader's process group, unless its pid was reused (see {@link groupIsOurs}). */
const signalGroup = (leader: ProcStat, signal: NodeJS.Signals): void => {
  if (groupIsOurs(leader)) signalQuietly(-leader.pid, signal)
}

/**
 * SIGKILLs the process group of `leader` (a group leader) and its descendants (plus `also`, listed
 * earlier), and waits until every one of them is gone (dies after 10 s). The tree is first frozen
 * (SIGSTOP) so that nobody forks in between, and listed again until no new process shows up.
 */
export const killTree = (leader: ProcStat, also: ReadonlyArray<ProcStat> = []): Effect.Effect<void> =>
  Effect.gen(function*() {
    const known = new Map<number, ProcStat>()
    for (const proc of [leader, ...also]) if (!procGone(proc)) known.set(proc.pid, proc)
    for (let round = 0; round < 10; round++) {
      signalGroup(leader, "SIGSTOP")
      let added = 0
      for (const proc of [...known.values()].flatMap((p) => [p, ...descendants(p.pid)])) {
        if (procGone(proc)) continue
        if (!known.has(proc.pid)) added++
        known.set(proc.pid, proc)
        signalQuietly(proc.pid, "SIGSTOP")
      }
      if (added === 0) break
    }
    signalGroup(leader, "SIGKILL")
    for (const proc of known.values()) if (!procGone(proc)) signalQuietly(proc.pid, "SIGKILL")
    const groupGone = () => {
      if (!groupIsOurs(leader)) return true
      try {
        process.kill(-leader.pid, 0)
      } catch {
        return true
      }
      // Zombies still count as members of the group: a group of zombies is gone.
      return groupMembers(leader.pid).every((pid) => isGone(pid))
    }
    const gone = yield* pollUntil(() => [...known.values()].every(procGone) && groupGone(), 10_000)
    if (!gone) {
      const left = [...known.values()].filter((p) => !procGone(p)).map((p) => p.pid)
      return yield* Effect.die(
        `processes ${left.join(", ")} (tree of ${leader.pid}, group members ${
          groupMembers(leader.pid).join(", ")
        }) survived SIGKILL for 10 s`
      )
    }
  })

// =============================================================================
// The node binary
// =============================================================================

/**
 * The real node binary: `process.execPath` when it is Node ≥ 22 (the repo's node 24 under
 * `pnpm exec`), else the repo's pinned `node` package's binary (not the `.bin` shim).
 */
export const nodeBinary = (): string => {
  const major = Number(process.versions.node.split(".")[0])
  if (major >= 22) return process.execPath
  try {
    const pkg = createRequire(import.meta.url).resolve("node/package.json")
    return pkg.replace(/package\.json$/, "bin/node")
  } catch {
    return process.execPath
  }
}

// =============================================================================
// Watchdog
// =============================================================================

/** What a watchdog ends when the test process dies (see {@link orphanGuard}). */
export interface GuardTarget {
  readonly process: ProcStat
  /**
   * Sent first, then SIGKILL to the whole tree after 5 s (default: SIGKILL at once); e.g. SIGQUIT
   * for a postmaster, which then ends its backends itself.
   */
  readonly gentleSignal?: NodeJS.Signals | undefined
}

/**
 * The watchdog, a plain node program (`node -e`): polls the owner every 200 ms; once it is gone (or a
 * zombie, or its pid was reused), ends each target's tree (frozen with SIGSTOP, its group and
 * descendants SIGKILLed) and deletes the paths.
 */
const guardScript = `
const fs = require("node:fs")
const { owner, targets, paths } = JSON.parse(process.argv[1])
const stat = (pid) => {
  try {
    const text = fs.readFileSync("/proc/" + pid + "/stat", "utf8")
    const f = text.slice(text.lastIndexOf(")") + 2).split(" ")
    return { pid, state: f[0], ppid: Number(f[1]), startTime: f[19] }
  } catch { return undefined }
}
const alive = (p) => { const s = stat(p.pid); return s !== undefined && s.state !== "Z" && s.state !== "X" && s.startTime === p.startTime }
const signal = (pid, sig) => { try { process.kill(pid, sig) } catch {} }
const groupIsOurs = (p) => { const s = stat(p.pid); return s === undefined || s.startTime === p.startTime }
const tree = (root) => {
  const all = fs.readdirSync("/proc").filter((e) => /^[0-9]+$/.test(e)).map((e) => stat(Number(e)))
    .filter((s) => s !== undefined && s.state !== "Z")
  const found = [root]
  for (let i = 0; i < found.length; i++) for (const s of all) if (s.ppid === found[i].pid) found.push(s)
  return found
}
const kill = (p) => {
  if (groupIsOurs(p)) signal(-p.pid, "SIGSTOP")
  const procs = alive(p) ? tree(p) : []
  for (const s of procs) signal(s.pid, "SIGSTOP")
  if (groupIsOurs(p)) signal(-p.pid, "SIGKILL")
  for (const s of procs) signal(s.pid, "SIGKILL")
}
const finish = () => {
  for (const t of targets) kill(t.process)
  for (const path of paths) try { fs.rmSync(path, { recursive: true, force: true }) } catch {}
  process.exit(0)
}
const timer = setInterval(() => {
  if (alive(owner)) return
  clearInterval(timer)
  const gentle = targets.filter((t) => t.gentleSignal !== undefined && alive(t.process))
  for (const t of gentle) signal(t.process.pid, t.gentleSignal)
  for (const t of targets) if (t.gentleSignal === undefined) kill(t.process)
  const deadline = Date.now() + 5000
  const wait = setInterval(() => {
    if (Date.now() < deadline && gentle.some((t) => alive(t.process))) return
    clearInterval(wait)
    finish()
  }, 50)
}, 200)
`

/**
 * A watchdog for cleanups that must happen even when the test process dies without running its
 * finalizers (a vitest worker killed with SIGKILL): a detached node program that, once this process
 * is gone, ends the `targets` (their whole trees) and deletes `paths`. Closing the scope stops the
 * watchdog without it doing anything: the caller's own finalizers clean up.
 */
export const orphanGuard = (
  targets: ReadonlyArray<GuardTarget>,
  paths: ReadonlyArray<string> = []
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const spec = { owner: spawnedStat(process.pid), targets, paths }
      const guard = NodeChildProcess.spawn(nodeBinary(), ["-e", guardScript, JSON.stringify(spec)], {
        detached: true,
        stdio: "ignore",
        env: {}
      })
      guard.on("error", () => {})
      guard.unref()
      return guard
    }),
    (guard) =>
      Effect.gen(function*() {
        if (guard.pid === undefined || hasExited(guard)) return
        guard.kill("SIGKILL")
        yield* pollUntil(() => hasExited(guard), 5_000)
      })
  )

// =============================================================================
// spawnNode
// =============================================================================

const recentCapacity = 200

/**
 * Runs `node <execArgv> scriptPath <args>` (see the module doc). Scoped: closing the scope ends the
 * process and its tree and returns once they are gone.
 */
export const spawnNode = (
  scriptPath: string,
  options: SpawnNodeOptions = {}
): Effect.Effect<NodeProcess, SpawnError, Scope.Scope> =>
  Effect.gen(function*() {
    const lineQueue = yield* Queue.sliding<string, Cause.Done>(options.lineCapacity ?? 10_000)
    const recent: Array<string> = []
    const remember = (line: string) => {
      recent.push(line)
      if (recent.length > recentCapacity) recent.shift()
    }
    const exited = yield* Deferred.make<ProcessExit>()
    const forceKillMillis = Duration.toMillis(options.forceKillAfter ?? "3 seconds")

    const { leader, node: child } = yield* Effect.acquireRelease(
      Effect.callback<Spawned, SpawnError>((resume) => {
        const env = options.extendEnv === false ? { ...options.env } : { ...process.env, ...options.env }
        let node: NodeChildProcess.ChildProcess
        try {
          node = NodeChildProcess.spawn(
            nodeBinary(),
            [...(options.execArgv ?? []), scriptPath, ...(options.args ?? [])],
            { cwd: options.cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true }
          )
        } catch (error) {
          return resume(Effect.fail(new SpawnError({ script: scriptPath, description: String(error) })))
        }
        // Listeners first: the child may print and exit before anyone waits.
        node.on("exit", (exitCode, signal) => Deferred.doneUnsafe(exited, Exit.succeed({ exitCode, signal })))
        splitLines(node.stdout!, (line) => {
          remember(line)
          Queue.offerUnsafe(lineQueue, line)
        }, () => Queue.endUnsafe(lineQueue))
        splitLines(node.stderr!, (line) => remember(`[stderr] ${line}`), () => {})
        const onSpawn = () => {
          node.off("error", onError)
          node.on("error", () => {})
          resume(Effect.succeed({ node, leader: spawnedStat(node.pid!) }))
        }
        const onError = (error: Error) => {
          node.off("spawn", onSpawn)
          resume(Effect.fail(new SpawnError({ script: scriptPath, description: error.message })))
        }
        node.once("spawn", onSpawn)
        node.once("error", onError)
      }),
      ({ leader, node }) =>
        Effect.gen(function*() {
          // Listed before the SIGTERM: once the leader is gone its descendants are orphans.
          const tree = descendants(leader.pid)
          if (!hasExited(node)) {
            signalGroup(leader, "SIGTERM")
            // A stopped (SIGSTOP) process keeps SIGTERM pending until it is continued.
            signalGroup(leader, "SIGCONT")
            yield* pollUntil(() => hasExited(node), forceKillMillis)
          }
          yield* killTree(leader, tree)
          node.stdout?.destroy()
          node.stderr?.destroy()
        })
    )
    const pid = child.pid!
    yield* orphanGuard([{ process: leader }])

    const recentOutput = Effect.sync((): ReadonlyArray<string> => [...recent])
    const waitForLine = (pattern: RegExp, timeout: Duration.Input) => {
      const take: Effect.Effect<string, ProcessEnded> = Queue.take(lineQueue).pipe(
        Effect.catch(() =>
          Deferred.await(exited).pipe(
            Effect.timeoutOrElse({
              duration: "5 seconds",
              orElse: () => Effect.succeed<ProcessExit>({ exitCode: null, signal: null })
            }),
            Effect.flatMap((exit) =>
              Effect.fail(
                new ProcessEnded({ pid, pattern: String(pattern), ...exit, recentOutput: [...recent] })
              )
            )
          )
        )
      )
      const loop: Effect.Effect<string, ProcessEnded> = Effect.flatMap(
        take,
        (line) => {
          pattern.lastIndex = 0 // a /g or /y pattern remembers where it stopped
          return pattern.test(line) ? Effect.succeed(line) : loop
        }
      )
      return loop.pipe(
        Effect.timeoutOrElse({
          duration: timeout,
          orElse: () =>
            Effect.fail(
              new LineTimeout({
                pid,
                pattern: String(pattern),
                timeout: Duration.format(Duration.fromInputUnsafe(timeout)),
                recentOutput: [...recent]
              })
            )
        })
      )
    }

    const process_: NodeProcess = {
      pid,
      lines: Stream.fromQueue(lineQueue),
      waitForLine,
      recentOutput,
      exit: Deferred.await(exited),
      signal: (signal) => Effect.sync(() => signalGroup(leader, signal)),
      kill9: Effect.gen(function*() {
        yield* killTree(leader)
        return yield* Deferred.await(exited).pipe(
          Effect.timeoutOrElse({
            duration: "10 seconds",
            orElse: () => Effect.die(`process ${pid} was killed but its exit was not reported`)
          })
        )
      })
    }
    return process_
  })

interface Spawned {
  readonly node: NodeChildProcess.ChildProcess
  readonly leader: ProcStat
}

const hasExited = (node: NodeChildProcess.ChildProcess): boolean => node.exitCode !== null || node.signalCode !== null

/** Calls `onLine` for each line of `readable` (flowing: the child never blocks on the pipe). */
const splitLines = (
  readable: NodeJS.ReadableStream,
  onLine: (line: string) => void,
  onEnd: () => void
): void => {
  let buffer = ""
  readable.setEncoding("utf8")
  readable.on("data", (chunk: string) => {
    buffer += chunk
    let newline = buffer.indexOf("\n")
    while (newline !== -1) {
      onLine(buffer.slice(0, newline).replace(/\r$/, ""))
      buffer = buffer.slice(newline + 1)
      newline = buffer.indexOf("\n")
    }
    // A line longer than 1 MB is cut, so that a child that never prints a newline stays bounded.
    if (buffer.length > 1_000_000) {
      onLine(buffer)
      buffer = ""
    }
  })
  let ended = false
  const end = () => {
    if (ended) return
    ended = true
    if (buffer.length > 0) onLine(buffer)
    buffer = ""
    onEnd()
  }
  readable.on("end", end)
  readable.on("close", end)
  readable.on("error", end)
}

/** A port that was free a moment ago (bound on port 0, then released). */
export const freePort: Effect.Effect<number> = Effect.callback<number>((resume) => {
  const server = NodeNet.createServer()
  server.on("error", (error) => resume(Effect.die(error)))
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})
