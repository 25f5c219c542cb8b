/** Helpers of the example tests: run a program offline, match its output. */
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

/** Output checks shared with the CLI package's tests (one definition). */
export { expectLinesInOrder, stripAnsi } from "../../packages/cli/test/helpers.ts"
