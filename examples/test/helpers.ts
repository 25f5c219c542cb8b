/** Helpers of the example tests: run a program offline, match its output. */
import { expect } from "@effect/vitest"
import { execFile } from "node:child_process"
import * as Path from "node:path"
import { promisify } from "node:util"

/** The `examples/` folder. */
export const examplesDir = Path.resolve(import.meta.dirname, "..")

/** The repository root. */
export const repoRoot = Path.dirname(examplesDir)

/** The environment of an offline run: no credentials, whatever the developer has set. */
export const offlineEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" }
  delete env["OPENAI_API_KEY"]
  delete env["CODEX_API_KEY"]
  return env
}

/** Runs an example with the current Node (24, which strips the types) and returns what it printed. */
export const runExample = async (file: string, args: ReadonlyArray<string> = []) => {
  const { stderr, stdout } = await promisify(execFile)(process.execPath, [Path.join(examplesDir, file), ...args], {
    cwd: repoRoot,
    env: offlineEnv(),
    timeout: 90_000
  })
  return { stdout, stderr }
}

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
