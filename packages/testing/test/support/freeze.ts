/**
 * Freezing a process for fault tests: SIGSTOP is delivered asynchronously (each thread stops when
 * it is next scheduled), so a test that sends requests "to a frozen server" must first wait until
 * every thread of the process is stopped — on a loaded machine a thread can otherwise still read
 * and answer what was sent right after `kill` returned.
 */
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as NodeFs from "node:fs"

/** Whether every thread of `pid` is stopped (state `T`), read from `/proc/<pid>/task/<tid>/stat`. */
const allStopped = (pid: number): boolean => {
  const tasks = NodeFs.readdirSync(`/proc/${pid}/task`)
  return tasks.every((tid) => {
    const stat = NodeFs.readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8")
    // the state follows the command name, which is in parentheses and may contain spaces
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "T"
  })
}

/** Waits (up to 10 s, then dies) until every thread of `pid` is stopped, after a SIGSTOP. */
export const waitStopped = (pid: number): Effect.Effect<void> =>
  Effect.suspend(() => allStopped(pid) ? Effect.void : Effect.fail("running" as const)).pipe(
    Effect.retry(Schedule.spaced("5 millis")),
    Effect.timeoutOrElse({ duration: "10 seconds", orElse: () => Effect.die(`process ${pid} did not stop`) }),
    Effect.orDie
  )

/** Sends SIGSTOP to `pid` and waits until every thread of it is stopped (see {@link waitStopped}). */
export const stop = (pid: number): Effect.Effect<void> =>
  Effect.sync(() => process.kill(pid, "SIGSTOP")).pipe(Effect.andThen(waitStopped(pid)))

/**
 * Freezes `pid` until the scope closes: {@link stop}, and SIGCONT when the scope closes, whatever
 * happened (a process that is gone by then is left alone).
 */
export const freeze = (pid: number): Effect.Effect<void, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => process.kill(pid, "SIGSTOP")),
    () => Effect.sync(() => thaw(pid))
  ).pipe(Effect.andThen(waitStopped(pid)))

/** Sends SIGCONT to `pid`, unless it is gone. */
export const thaw = (pid: number): void => {
  try {
    process.kill(pid, "SIGCONT")
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error
  }
}
