import type { TransportClosedError } from "@effect-codex/core/Errors"
import type { Transport } from "@effect-codex/core/Transport"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import { fileURLToPath } from "node:url"
import type * as CodexConfig from "../src/CodexConfig.ts"

/** Path of the fake app-server script. */
export const fixture = fileURLToPath(new URL("./fixtures/fake-app-server.mjs", import.meta.url))

/** A config that runs the fake app-server with the given flags. */
export const fake = (
  flags: ReadonlyArray<string> = [],
  extra: CodexConfig.CodexConfig = {}
): CodexConfig.CodexConfig => ({
  launchArgsOverride: [process.execPath, fixture, ...flags],
  forceKillAfter: "2 seconds",
  ...extra
})

/** The next line of `incoming` (fails if the stream ended without one). */
export const nextLine = (transport: Transport["Service"]): Effect.Effect<string, TransportClosedError | string> =>
  Effect.flatMap(
    Stream.runHead(transport.incoming),
    Option.match({ onNone: () => Effect.fail("incoming ended"), onSome: Effect.succeed })
  )

/** The next line, parsed as JSON. */
export const nextJson = (transport: Transport["Service"]): Effect.Effect<unknown, TransportClosedError | string> =>
  Effect.map(nextLine(transport), (line) => JSON.parse(line) as unknown)

/** Reads lines until one parses to an object with `"ready": true` (the fixture's first line). */
export const awaitReady = (transport: Transport["Service"]) =>
  Effect.flatMap(nextJson(transport), (msg) =>
    typeof msg === "object" && msg !== null && "ready" in msg
      ? Effect.succeed(msg as { readonly ready: true; readonly pid: number })
      : Effect.fail(`expected the ready line, got ${JSON.stringify(msg)}`))

/** Whether a process exists; `false` only when `kill(pid, 0)` fails with ESRCH. */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH"
  }
}

/**
 * Whether a process is gone: `kill(pid, 0)` fails with ESRCH, or (Linux) it is a zombie waiting to
 * be reaped by its new parent. Only for processes that are not our children (a grandchild is
 * re-parented to PID 1 when its parent exits, and some container inits reap late).
 */
export const isGoneOrZombie = (pid: number): boolean => {
  if (killZeroError(pid) === "ESRCH") return true
  try {
    const stat = Fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")
  } catch {
    return killZeroError(pid) === "ESRCH"
  }
}

/** The error code `process.kill(pid, 0)` throws (`undefined` when the process exists). */
export const killZeroError = (pid: number): string | undefined => {
  try {
    process.kill(pid, 0)
    return undefined
  } catch (error) {
    return (error as NodeJS.ErrnoException).code
  }
}
