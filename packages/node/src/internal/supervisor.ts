/**
 * A listening app-server must not outlive its parent. A stdio child exits when its stdin reaches
 * EOF, but `codex app-server --listen` does not read stdin (checked with 0.169.0: it keeps running
 * after its stdin is closed), and Node has no `prctl(PR_SET_PDEATHSIG)`. So on POSIX the listener
 * is spawned through this tiny `/bin/sh` supervisor, which holds the pipe the parent keeps open:
 *
 * - it runs the program in the background (stdin `/dev/null`) and prints its pid on stderr
 *   (`effect-codex-supervisor: pid N`), then waits for it and exits with its status; on SIGTERM it
 *   waits too, and reaps the program and the watcher before it exits, so that no zombie keeps the
 *   process group alive;
 * - a watcher reads the supervisor's stdin; at EOF (the parent died: the kernel closed its end of
 *   the pipe) it sends SIGTERM to the process group, and SIGKILL two seconds later.
 *
 * Everything stays in the one process group that `spawn` leads, so closing the scope (SIGTERM to the
 * group, with `endStdinFirst: false` so that the watcher dies with the rest instead of starting its
 * own shutdown) works as for any child. Windows has no `/bin/sh` (and no process groups): there the
 * program is spawned directly, unsupervised.
 *
 * @internal
 */

const script = [
  "exec 3<&0",
  "\"$@\" 3<&- </dev/null &",
  "child=$!",
  "echo \"effect-codex-supervisor: pid $child\" >&2",
  "(while read -r _ <&3; do :; done; trap '' TERM; kill -TERM 0; trap - TERM; sleep 2; kill -KILL 0) </dev/null &",
  "watcher=$!",
  "exec 3<&-",
  // survive the group's SIGTERM, to reap the program and the watcher (orphaned zombies would keep
  // the process group alive until an init reaps them)
  "trap 'kill -TERM \"$child\" 2>/dev/null' TERM",
  "while :; do wait \"$child\"; code=$?; kill -0 \"$child\" 2>/dev/null || break; done",
  "kill -KILL \"$watcher\" 2>/dev/null",
  "wait \"$watcher\"",
  // a program killed by a signal: end the same way, so that the parent sees the signal
  "if [ \"$code\" -gt 128 ]; then trap - TERM; kill -$((code - 128)) $$; fi",
  "exit \"$code\""
].join("\n")

/** The stderr line that carries the supervised program's pid. */
export const pidLine = /^effect-codex-supervisor: pid (\d+)$/

/** Whether programs are supervised on this platform. */
export const supported = process.platform !== "win32"

/** The command that runs `command args` under the supervisor (as is where it is not {@link supported}). */
export const wrap = (
  command: string,
  args: ReadonlyArray<string>
): { readonly command: string; readonly args: ReadonlyArray<string> } =>
  supported
    ? { command: "/bin/sh", args: ["-c", script, "effect-codex-supervisor", command, ...args] }
    : { command, args }
