/**
 * Turns what the child-process layer reports (`PlatformError`, exit results, raw stderr) into
 * errors and text a user can act on: no internal names such as `ChildProcess.fromWritable(stdin)`,
 * no terminal escape codes; and the stderr tail those errors carry.
 *
 * @internal
 */
import * as Errors from "@effect-codex/core/Errors"
import * as Exit from "effect/Exit"
import type * as PlatformError from "effect/PlatformError"
import type * as ChildProcessSpawner from "effect/process/ChildProcessSpawner"
import * as Os from "node:os"
import { CodexBinaryNotExecutableError, CodexBinaryNotFoundError } from "../CodexBinary.ts"
import type { ProcessExit, SpawnError } from "../NodeTransport.ts"

const reasonText: Readonly<Record<PlatformError.SystemErrorTag, string>> = {
  AlreadyExists: "already exists",
  BadResource: "bad resource",
  Busy: "resource busy",
  InvalidData: "invalid data",
  NotFound: "not found",
  PermissionDenied: "permission denied",
  TimedOut: "timed out",
  UnexpectedEof: "unexpected end of file",
  Unknown: "unknown error",
  WouldBlock: "operation would block",
  WriteZero: "nothing could be written"
}

/**
 * A user-facing description of a platform error: the operating system's own message (e.g.
 * `write EPIPE`, `spawn /x EACCES`) when there is one, else the kind of failure in words. The
 * Effect module/method names the error carries are left out.
 */
export const describe = (error: PlatformError.PlatformError): string => {
  const reason = error.reason
  const cause = reason.cause
  if (cause instanceof Error && cause.message.length > 0) return cause.message
  if (reason._tag === "BadArgument") return reason.description ?? "invalid argument"
  return reason.description ?? reasonText[reason._tag]
}

const signalNames: ReadonlySet<string> = new Set(Object.keys(Os.constants.signals))

/**
 * The signal named at the end of the Node spawner's "… receipt of signal: 'SIGKILL'" message (the
 * spawner has no structured field for it), looked up among the OS's signal names.
 */
const signalOf = (message: string): string | undefined => {
  const open = message.lastIndexOf("'", message.length - 2)
  if (open === -1 || !message.endsWith("'")) return undefined
  const name = message.slice(open + 1, -1)
  return signalNames.has(name) ? name : undefined
}

/** Reads the exit code or the terminating signal out of the spawner's `exitCode` result. */
export const toProcessExit = (
  exit: Exit.Exit<ChildProcessSpawner.ExitCode, PlatformError.PlatformError>
): ProcessExit => {
  if (Exit.isSuccess(exit)) return { exitCode: exit.value, signal: undefined }
  const error = Exit.findErrorOption(exit)
  if (error._tag === "Some") {
    const cause = error.value.reason.cause
    const signal = signalOf(cause instanceof Error ? cause.message : error.value.message)
    if (signal !== undefined) return { exitCode: undefined, signal }
  }
  return { exitCode: undefined, signal: undefined }
}

const ESC = String.fromCharCode(0x1b)
const BEL = String.fromCharCode(0x07)
const CSI = String.fromCharCode(0x9b)

/**
 * Terminal escape sequences: CSI (`ESC [` … final byte, or the one-byte CSI), OSC (`ESC ]` … ended
 * by BEL or `ESC \`, e.g. hyperlinks), and two-byte escapes (`ESC` + one character).
 */
const ansi = new RegExp(
  [
    `${ESC}\\[[0-?]*[ -/]*[@-~]`,
    `${ESC}\\][^${BEL}${ESC}]*(?:${BEL}|${ESC}\\\\)`,
    `${ESC}[@-Z\\\\-_]`,
    `${CSI}[0-?]*[ -/]*[@-~]`
  ].join("|"),
  "g"
)

/** Removes terminal escape sequences (colours, cursor moves, hyperlinks) from a line. */
export const stripAnsi = (line: string): string =>
  line.includes(ESC) || line.includes(CSI) ? line.replace(ansi, "") : line

/** Maps a failed spawn to the SDK's errors (the program is missing or cannot run, bad cwd, other). */
export const spawnError = (
  command: string,
  cwd: string | undefined,
  error: PlatformError.PlatformError
): SpawnError => {
  const reason = error.reason
  if (reason._tag === "NotFound" && reason.method === "spawn") {
    return new CodexBinaryNotFoundError({ tried: [command] })
  }
  if (reason._tag === "PermissionDenied" && reason.method === "spawn") {
    return new CodexBinaryNotExecutableError({
      path: command,
      reason: `the operating system refused to run it (${describe(error)})`
    })
  }
  if (reason._tag !== "BadArgument" && reason.method === "access") {
    return new Errors.InvalidOptionError({
      option: "cwd",
      message: `cwd ${JSON.stringify(cwd)} is not accessible: ${describe(error)}`
    })
  }
  return new Errors.TransportClosedError({ reason: `failed to start ${command}: ${describe(error)}` })
}

/** The last `size` stderr lines, for `TransportClosedError.stderrTail`. */
export const makeTail = (size: number) => {
  const lines: Array<string> = []
  return {
    push(line: string): void {
      if (size === 0) return
      lines.push(line)
      if (lines.length > size) lines.shift()
    },
    snapshot: (): ReadonlyArray<string> => lines.slice()
  }
}
