/**
 * The few file operations a runner needs for rollouts, on `node:fs`.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"

/** `path.join`. */
export const join = (...parts: ReadonlyArray<string>): string => path.join(...parts)

/** A rollout's path from its `sessions/` folder on (`sessions/2026/12/07/rollout-….jsonl`), else its file name. */
export const sessionRelative = (file: string): string => {
  const parts = file.split(path.sep)
  const at = parts.lastIndexOf("sessions")
  return at === -1 ? path.basename(file) : parts.slice(at).join("/")
}

/** The default `CODEX_HOME`: the variable, else `~/.codex` (what codex itself uses). */
export const defaultCodexHome = (): string => process.env.CODEX_HOME ?? path.join(os.homedir(), ".codex")

/** Reads a UTF-8 file. */
export const readText = (file: string) => Effect.tryPromise(() => fs.readFile(file, "utf8"))

/** Writes a UTF-8 file, creating its directory. */
export const writeText = (file: string, text: string) =>
  Effect.tryPromise(async () => {
    await fs.mkdir(path.dirname(file), { recursive: true })
    await fs.writeFile(file, text, "utf8")
  })
