/** Helpers of the CLI tests: run the `effect-codex` bin as a user would, match its output. */
import { expect } from "@effect/vitest"
import { execFile } from "node:child_process"
import * as Path from "node:path"

/** The package folder. */
export const packageDir = Path.resolve(import.meta.dirname, "..")

/** The repository root. */
export const repoRoot = Path.resolve(packageDir, "..", "..")

/** The executable (`bin` of the package). */
export const bin = Path.join(packageDir, "src", "bin.ts")

/** The environment of a run: no credentials and no color, whatever the developer has set; `extra` on top. */
export const cliEnv = (extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", NO_PROXY: "127.0.0.1,localhost" }
  delete env["OPENAI_API_KEY"]
  delete env["CODEX_API_KEY"]
  delete env["OPENAI_BASE_URL"]
  return { ...env, ...extra }
}

/** What a run printed, and its exit code. */
export interface Run {
  readonly stdout: string
  readonly stderr: string
  readonly code: number | null
}

/** Runs the CLI with the current Node (24, which strips the types), piped (not a terminal). */
export const runCli = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = cliEnv()): Promise<Run> =>
  new Promise((resolve, reject) => {
    execFile(process.execPath, [bin, ...args], { cwd: repoRoot, env, timeout: 90_000 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== "number") return reject(error)
      resolve({ stdout, stderr, code: error === null ? 0 : (error.code as number) })
    })
  })

/** Checks that `expected` lines appear in `output`, in this order. */
export const expectLinesInOrder = (output: string, expected: ReadonlyArray<string | RegExp>) => {
  const lines = output.split("\n")
  let from = 0
  for (const want of expected) {
    const at = lines.findIndex((line, i) => i >= from && (typeof want === "string" ? line === want : want.test(line)))
    expect(at, `expected ${String(want)} after line ${from} in:\n${output}`).toBeGreaterThanOrEqual(0)
    from = at + 1
  }
}

/** Removes ANSI escape sequences (colors, cursor moves). */
// oxlint-disable-next-line no-control-regex -- matching the ESC character is the point
export const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "")
