/**
 * Turns what the child-process layer reports (spawn failures, raw stderr) into errors and text a
 * user can act on: the OS's own messages, no terminal escape codes; and the stderr tail those
 * errors carry.
 *
 * @internal
 */
import * as Errors from "@effect-codex/core/Errors"
import { CodexBinaryNotExecutableError, CodexBinaryNotFoundError } from "../CodexBinary.ts"
import type { SpawnError } from "../NodeTransport.ts"
import type { StartError } from "./spawn.ts"

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

/**
 * Maps a failed spawn to the SDK's errors: a working directory that cannot be used, a program that
 * is missing or that the OS refuses to run, anything else.
 */
export const spawnError = (command: string, cwd: string | undefined, error: StartError): SpawnError => {
  if (error.cwdProblem !== undefined) {
    return new Errors.InvalidOptionError({
      option: "cwd",
      message: `cwd ${JSON.stringify(cwd)} is not accessible: ${error.cwdProblem}`
    })
  }
  if (error.code === "ENOENT") return new CodexBinaryNotFoundError({ tried: [command] })
  if (error.code === "NotCapable") {
    return new CodexBinaryNotExecutableError({
      path: command,
      reason: `the runtime's permissions do not allow it (${error.description}${
        error.description.includes("--allow-run") ? "" : "; Deno: --allow-run"
      })`
    })
  }
  if (error.code === "EACCES" || error.code === "EPERM") {
    return new CodexBinaryNotExecutableError({
      path: command,
      reason: `the operating system refused to run it (${error.description})`
    })
  }
  return new Errors.TransportClosedError({ reason: `failed to start ${command}: ${error.description}` })
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
