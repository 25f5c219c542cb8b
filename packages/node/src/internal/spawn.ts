/**
 * One child process with pipes, on `node:child_process` directly, exposed as Effect values: what the
 * stdio transport, `NodeAppServer.listen` and the daemon commands need, and nothing more.
 *
 * Why not `effect/process` (`ChildProcess` + `@effect/platform-node-shared/NodeChildProcessSpawner`):
 * measured from dist, that stack (`NodeSink`, `NodeStream`, `NodePath`, `CommandLine`, `effect/Path`,
 * `FileSystem`, `PlatformError`, glob…) costs ~20–27 ms of import after the `effect` modules every
 * program loads, half of the SDK's 50 ms start-up budget, for one process with three pipes. This
 * module is a few dozen lines over `node:child_process` and keeps the same guarantees:
 *
 * - **stdin**: `write` respects `write()`'s return value (it waits for `'drain'`, so a child that
 *   does not read blocks the writer instead of growing memory); `stdinError` completes when the pipe
 *   breaks.
 * - **stdout / stderr**: pull-based streams. Nothing is read from the pipe until the consumer pulls,
 *   so the buffer is Node's own (one `highWaterMark`): when the consumer stops, Node stops reading
 *   and the child blocks on a full pipe.
 * - **exit**: the exit code or the signal.
 * - **Scoped lifetime**: on POSIX the child leads its own process group. Closing the scope ends
 *   stdin, sends SIGTERM (and SIGCONT, so that a SIGSTOPped child handles it) to the group, waits up
 *   to `forceKillAfter`, then sends SIGKILL, and returns only once the child has exited and its group
 *   is gone (a one-second grace for members of the group after SIGKILL). Timers are native ones, so a
 *   `TestClock` never stalls the cleanup.
 * - **Spawn failures** are a typed {@link StartError} with the OS error code and message; when the
 *   working directory is the problem it says so (Node reports a missing `cwd` as `spawn … ENOENT`,
 *   like a missing program).
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as NodeChildProcess from "node:child_process"
import * as Fs from "node:fs/promises"
import type { ProcessExit } from "../NodeTransport.ts"
import * as ChildEnv from "./childEnv.ts"
import { errorMessage, IoError, readerOf, stdinOf } from "./pipes.ts"

export { IoError }

// =============================================================================
// Models
// =============================================================================

/** What to run. */
export interface Options {
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly cwd?: string | undefined
  /** The complete environment of the child (nothing is inherited). */
  readonly env: Readonly<Record<string, string | Redacted.Redacted<string>>>
  /** `"ignore"` gives the child `/dev/null` as stdin (default `"pipe"`). */
  readonly stdin?: "pipe" | "ignore" | undefined
  /** Grace period between SIGTERM and SIGKILL when the scope closes. */
  readonly forceKillAfter: Duration.Input
}

/** The child could not be started. */
export class StartError extends Schema.TaggedError<StartError>("@effect-codex/node/internal/spawn/StartError")(
  "StartError",
  {
    command: Schema.String,
    /** The OS error code (`ENOENT`, `EACCES`, …), when there is one. */
    code: Schema.optional(Schema.String),
    /** The OS message (`spawn /x ENOENT`) or what was wrong with the arguments. */
    description: Schema.String,
    /** Set when the working directory is what failed: the OS message for it. */
    cwdProblem: Schema.optional(Schema.String)
  }
) {
  override get message(): string {
    return this.description
  }
}

/** A running child process (see the module doc). */
export interface Child {
  /** OS process id (also its process-group id on POSIX). */
  readonly pid: number
  /**
   * Writes to stdin. Completes when Node accepted the data; when its buffer is full (`write()`
   * returned `false`) it waits for `'drain'`. Fails once stdin is broken or closed.
   */
  readonly write: (data: string | Uint8Array) => Effect.Effect<void, IoError>
  /** Completes with the error once stdin breaks (e.g. `write EPIPE` after the child closed it). */
  readonly stdinError: Effect.Effect<IoError>
  /** Ends stdin (what was written is still flushed). */
  readonly endStdin: Effect.Effect<void>
  /** stdout, pulled from the pipe as it is consumed (bounded by Node's buffer). Consume once. */
  readonly stdout: Stream.Stream<Uint8Array, IoError>
  /** stderr, as `stdout`. Consume it (or the child may block on a full pipe). */
  readonly stderr: Stream.Stream<Uint8Array, IoError>
  /** Waits for the child to exit. */
  readonly exit: Effect.Effect<ProcessExit>
  /** Sends a signal to the process group (POSIX) or the process, without waiting. */
  readonly signal: (signal: NodeJS.Signals) => Effect.Effect<void>
  /**
   * SIGTERM, then SIGKILL after `forceKillAfter`; returns when the child is gone. Closing the scope
   * does the same.
   */
  readonly terminate: Effect.Effect<ProcessExit>
}

// =============================================================================
// Spawning
// =============================================================================

const isWindows = process.platform === "win32"
/** After SIGKILL: how long members of the group (not the leader) may take to disappear. */
const groupGraceMillis = 1_000
const pollMillis = 10

/**
 * Node rejects a NUL character by throwing an error that shows the value, which may be a secret
 * (`Redacted`); say where it is instead.
 */
const findNul = (options: Options): string | undefined => {
  if (options.command.includes("\0")) return "the command contains a NUL character"
  const index = options.args.findIndex((arg) => arg.includes("\0"))
  if (index !== -1) return `argument ${index + 1} contains a NUL character`
  for (const [name, value] of Object.entries(options.env)) {
    if (ChildEnv.text(value)!.includes("\0")) return `the environment variable ${name} contains a NUL character`
  }
  return undefined
}

/** The OS error code, or `NotCapable` for Deno's permission error (which has no code). */
const errorCode = (error: unknown): string | undefined => {
  const record = error as { readonly code?: unknown; readonly name?: unknown } | null | undefined
  if (typeof record?.code === "string") return record.code
  return record?.name === "NotCapable" ? "NotCapable" : undefined
}

/** Why `cwd` cannot be used as a working directory, or `undefined` if it can. */
const cwdProblem = (cwd: string): Promise<string | undefined> =>
  Fs.stat(cwd).then(
    (info) =>
      info.isDirectory()
        ? Fs.access(cwd, Fs.constants.X_OK).then(() => undefined, errorMessage)
        : `${cwd} is not a directory`,
    errorMessage
  )

/** A failed spawn; when the OS error could be about the working directory, the directory is checked. */
const startError = (options: Options, error: unknown): Effect.Effect<never, StartError> => {
  const code = errorCode(error)
  const base = { command: options.command, description: errorMessage(error), ...(code === undefined ? {} : { code }) }
  const cwd = options.cwd
  if (cwd === undefined || (code !== "ENOENT" && code !== "EACCES" && code !== "ENOTDIR" && code !== "EPERM")) {
    return Effect.fail(new StartError(base))
  }
  return Effect.flatMap(
    Effect.promise(() => cwdProblem(cwd)),
    (problem) => Effect.fail(new StartError(problem === undefined ? base : { ...base, cwdProblem: problem }))
  )
}

/**
 * Spawns the child. Scoped: closing the scope terminates it (see the module doc) and returns only
 * once it is gone.
 */
export const spawn = (options: Options): Effect.Effect<Child, StartError, Scope.Scope> =>
  Effect.suspend(() => {
    const nul = findNul(options)
    if (nul !== undefined) return Effect.fail(new StartError({ command: options.command, description: nul }))
    return Effect.map(
      Effect.acquireRelease(start(options), (proc) => release(proc)),
      (proc) => proc.child
    )
  })

/** The Node process and what the module keeps about it. */
interface Proc {
  readonly node: NodeChildProcess.ChildProcess
  readonly child: Child
  readonly exited: Deferred.Deferred<ProcessExit>
  readonly terminate: Effect.Effect<ProcessExit>
  /** Stops reading stdout/stderr and discards what comes, so the child never blocks on them. */
  readonly discardOutput: () => void
}

const start = (options: Options): Effect.Effect<Proc, StartError> =>
  Effect.callback<Proc, unknown>((resume) => {
    let node: NodeChildProcess.ChildProcess
    try {
      const env: Record<string, string> = {}
      for (const [name, value] of Object.entries(options.env)) env[name] = ChildEnv.text(value)!
      node = NodeChildProcess.spawn(options.command, options.args, {
        cwd: options.cwd,
        env,
        stdio: [options.stdin ?? "pipe", "pipe", "pipe"],
        // Its own process group on POSIX, so that the whole group can be signalled.
        detached: !isWindows,
        windowsHide: true
      })
    } catch (error) {
      resume(Effect.fail(error))
      return
    }
    // Listeners first (synchronously): the child may exit, and a pipe may fail, before anyone waits.
    const proc = attach(node, options)
    const onSpawn = () => {
      node.off("error", onError)
      resume(Effect.succeed(proc))
    }
    const onError = (error: Error) => {
      node.off("spawn", onSpawn)
      resume(Effect.fail(error))
    }
    node.once("spawn", onSpawn)
    node.once("error", onError)
  }).pipe(Effect.catch((error) => startError(options, error)))

/** Whether the leader exited (Node reaped it: its pid may be reused from now on). */
const hasExited = (node: NodeChildProcess.ChildProcess): boolean => node.exitCode !== null || node.signalCode !== null

/** Whether the leader runs, or (POSIX) a member of its process group still exists. */
const isAlive = (node: NodeChildProcess.ChildProcess): boolean => {
  if (!hasExited(node)) return true
  if (isWindows) return false
  try {
    process.kill(-node.pid!, 0)
    return true
  } catch (error) {
    // EPERM: the group exists but only holds members that cannot be signalled (zombies on macOS).
    return errorCode(error) === "EPERM"
  }
}

/** Sends `signal` to the process group (POSIX; the whole tree via taskkill on Windows for SIGKILL). */
const signalGroup = (node: NodeChildProcess.ChildProcess, signal: NodeJS.Signals): void => {
  if (isWindows) {
    if (signal === "SIGKILL" && !hasExited(node)) {
      const taskkill = NodeChildProcess.spawn("taskkill", ["/pid", String(node.pid), "/T", "/F"], {
        stdio: "ignore",
        windowsHide: true
      })
      taskkill.on("error", () => node.kill("SIGKILL"))
      return
    }
    if (!hasExited(node)) node.kill(signal)
    return
  }
  try {
    process.kill(-node.pid!, signal)
  } catch {
    // The group is gone (ESRCH) or holds only zombies (EPERM); the leader itself may still be
    // signalled if it left the group.
    if (!hasExited(node)) node.kill(signal)
  }
}

/**
 * Resolves when `done()` holds (checked on every exit event and every `pollMillis`) or after
 * `timeoutMillis`. Native timers: a `TestClock` must not stall a cleanup.
 */
const waitUntil = (
  node: NodeChildProcess.ChildProcess,
  done: () => boolean,
  timeoutMillis: number
): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    const deadline = Date.now() + timeoutMillis
    let timer: ReturnType<typeof setTimeout> | undefined
    const stop = () => {
      clearTimeout(timer)
      node.off("exit", poll)
    }
    const poll = () => {
      clearTimeout(timer)
      if (done() || Date.now() >= deadline) {
        stop()
        resume(Effect.void)
        return
      }
      timer = setTimeout(poll, Math.min(pollMillis, Math.max(1, deadline - Date.now())))
    }
    node.on("exit", poll)
    poll()
    return Effect.sync(stop)
  })

const attach = (node: NodeChildProcess.ChildProcess, options: Options): Proc => {
  // Set synchronously by `spawn` when the OS started the process (only used once 'spawn' fired).
  const pid = node.pid!
  const exited = Deferred.makeUnsafe<ProcessExit>()
  node.on("exit", (code, signal) => {
    Deferred.doneUnsafe(
      exited,
      Exit.succeed({ exitCode: code ?? undefined, signal: signal ?? undefined })
    )
    // A leader that failed may leave children behind: ask its group to stop.
    if (!isWindows && code !== null && code !== 0) signalGroup(node, "SIGTERM")
  })
  // From now on errors are reported through the exit or the pipes; `kill` failures land here.
  node.on("error", () => {})

  const stdin = stdinOf(node.stdin)
  const stdout = readerOf(node.stdout!, "stdout")
  const stderr = readerOf(node.stderr!, "stderr")

  const forceKillMillis = Duration.toMillis(options.forceKillAfter)
  const terminate = Effect.gen(function*() {
    stdin.end()
    if (isAlive(node)) {
      signalGroup(node, "SIGTERM")
      // A stopped (SIGSTOP) child keeps SIGTERM pending until it is continued.
      if (!isWindows) signalGroup(node, "SIGCONT")
      yield* waitUntil(node, () => !isAlive(node), forceKillMillis)
      if (isAlive(node)) {
        signalGroup(node, "SIGKILL")
        yield* waitUntil(node, () => !isAlive(node), groupGraceMillis)
      }
    }
    // SIGKILL cannot be ignored: the leader's exit is only a matter of time.
    return yield* Deferred.await(exited)
  })

  const child: Child = {
    pid,
    write: stdin.write,
    stdinError: stdin.failed,
    endStdin: Effect.sync(stdin.end),
    stdout: stdout.stream,
    stderr: stderr.stream,
    exit: Deferred.await(exited),
    signal: (signal) => Effect.sync(() => signalGroup(node, signal)),
    terminate
  }
  return {
    node,
    child,
    exited,
    terminate,
    discardOutput: () => {
      stdout.discard()
      stderr.discard()
    }
  }
}

/** Scope release: terminate, then free the pipes (a grandchild outside the group may hold them). */
const release = (proc: Proc): Effect.Effect<void> =>
  Effect.gen(function*() {
    proc.discardOutput()
    yield* proc.terminate
    proc.node.stdin?.destroy()
    proc.node.stdout?.destroy()
    proc.node.stderr?.destroy()
  })
