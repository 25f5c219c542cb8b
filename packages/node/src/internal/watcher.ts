/**
 * A listening app-server must not outlive its parent. A stdio child exits when its stdin reaches
 * EOF, but `codex app-server --listen` does not read stdin (checked with 0.171.0: it keeps running
 * after its stdin is closed), and Node has no `prctl(PR_SET_PDEATHSIG)`. So on POSIX a tiny
 * `/bin/sh` watcher runs beside the listener: it reads a pipe that only this process holds open,
 * and at EOF (this process closed it, or died: the kernel closes its end) it sends SIGTERM to the
 * listener's process group, and SIGKILL two seconds later.
 *
 * The listener stays this process's direct child (its pid, its exit status, reaped by Node); the
 * watcher is a second child in its own group. Windows has no `/bin/sh` (and no process groups):
 * there is no watcher.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Spawn from "./spawn.ts"

const script = "while read -r _; do :; done; kill -TERM -\"$1\" 2>/dev/null; sleep 2; kill -KILL -\"$1\" 2>/dev/null"

/** Whether watchers are used on this platform. */
export const supported = process.platform !== "win32"

/**
 * Starts the watcher of the process group `pgid`. Scoped: closing the scope ends it (which also
 * sends SIGTERM to the group, harmless when the group is being closed anyway).
 */
export const watch = (pgid: number): Effect.Effect<void, Spawn.StartError, Scope.Scope> =>
  supported
    ? Effect.asVoid(Spawn.spawn({
      command: "/bin/sh",
      args: ["-c", script, "effect-codex-watcher", String(pgid)],
      env: {},
      forceKillAfter: "1 second"
    }))
    : Effect.void
