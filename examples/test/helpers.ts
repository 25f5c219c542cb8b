/** Helpers of the example tests: run a program offline, match its output. */
import * as CodexBinary from "@effect-codex/node/CodexBinary"
import * as Effect from "effect/Effect"
import { execFile, execFileSync } from "node:child_process"
import * as Path from "node:path"
import { promisify } from "node:util"

/** The `examples/` folder. */
export const examplesDir = Path.resolve(import.meta.dirname, "..")

/** The repository root. */
export const repoRoot = Path.dirname(examplesDir)

/**
 * The version of the codex binary the examples spawn: the pinned one, or the one `EFFECT_CODEX_BIN`
 * names (`pnpm run compat`), as its `--version` prints it.
 */
export const codexVersion: string = execFileSync(
  (await Effect.runPromise(CodexBinary.resolve())).path,
  ["--version"],
  { encoding: "utf8" }
).trim().replace(/^codex-cli\s+/, "")

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
