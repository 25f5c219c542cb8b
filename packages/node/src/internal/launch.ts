/**
 * The command line, working directory and environment of the app-server process
 * (python-sdk-behaviour §1.3), built from a resolved `CodexConfig`.
 *
 * @internal
 */
import * as Errors from "@effect-codex/core/Errors"
import * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import * as Path from "node:path"
import * as CodexBinary from "../CodexBinary.ts"
import type * as CodexConfig from "../CodexConfig.ts"
import * as ChildEnv from "./childEnv.ts"
import * as Files from "./files.ts"

/** What to spawn. */
export interface LaunchCommand {
  /** The program (an absolute path unless `launchArgsOverride` says otherwise). */
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly cwd: string | undefined
  /** The complete child environment (spawned with `extendEnv: false`). */
  readonly env: Record<string, string | Redacted.Redacted<string>>
  /** The resolved binary, unless `launchArgsOverride` was used. */
  readonly binary: CodexBinary.ResolvedBinary | undefined
}

/** The arguments after the program: `--config k=v`…, then `app-server --listen stdio://`. */
export const appServerArgs = (configOverrides: ReadonlyArray<string>): ReadonlyArray<string> => [
  ...configOverrides.flatMap((kv) => ["--config", kv]),
  "app-server",
  "--listen",
  "stdio://"
]

/**
 * Prepends `dirs` to the PATH of a complete environment, dropping existing entries equal to them
 * and empty entries, as the Python SDK does. On Windows the key is `Path` if present, otherwise the
 * last key spelled `PATH` in any case; other PATH-like keys are removed.
 */
export const prependPath = (
  env: Record<string, string | Redacted.Redacted<string>>,
  dirs: ReadonlyArray<string>,
  platform: string = process.platform
): Record<string, string | Redacted.Redacted<string>> => {
  if (dirs.length === 0) return env
  const delimiter = platform === "win32" ? ";" : ":"
  const result = { ...env }
  let key = "PATH"
  if (platform === "win32") {
    const pathKeys = Object.keys(env).filter((k) => k.toUpperCase() === "PATH")
    key = pathKeys.includes("Path") ? "Path" : pathKeys.at(-1) ?? "PATH"
    for (const k of pathKeys) if (k !== key) delete result[k]
  }
  const current = (ChildEnv.text(env[key]) ?? "").split(delimiter).filter((entry) =>
    entry.length > 0 && !dirs.includes(entry)
  )
  result[key] = [...dirs, ...current].join(delimiter)
  return result
}

/**
 * The launch command: `launchArgsOverride` verbatim, or
 * `[codex, --config k=v…, app-server, --listen, stdio://]` with the bundled helper directories
 * prepended to PATH when the binary is the bundled one. The environment is built by `childEnv`.
 */
export const launchCommand = Effect.fnUntraced(function*(
  config: CodexConfig.ResolvedCodexConfig,
  parentEnv: Readonly<Record<string, string | undefined>> = process.env
) {
  if (config.cwd !== undefined) {
    const found = yield* Files.directory(config.cwd)
    if (found._tag !== "Directory") {
      return yield* new Errors.InvalidOptionError({
        option: "cwd",
        message: found._tag === "Unreadable"
          ? `cwd ${JSON.stringify(config.cwd)} cannot be inspected: ${found.reason}`
          : `cwd ${JSON.stringify(config.cwd)} is not an existing directory`
      })
    }
  }
  const cwd = config.cwd === undefined ? undefined : Path.resolve(config.cwd)
  // Reading the parent's environment can throw (Deno without --allow-env).
  const env = yield* Effect.try({
    try: () =>
      ChildEnv.make({ parent: parentEnv, inheritEnv: config.inheritEnv, env: config.env, apiKey: config.apiKey }),
    catch: (error) =>
      new Errors.InvalidOptionError({
        option: "env",
        message: `cannot read the environment for the app-server: ${
          error instanceof Error ? error.message : String(error)
        }`
      })
  })
  if (config.launchArgsOverride !== undefined) {
    const [command, ...args] = config.launchArgsOverride
    return { command: command!, args, cwd, env, binary: undefined } satisfies LaunchCommand
  }
  const binary = yield* CodexBinary.resolve({ codexBin: config.codexBin })
  return {
    command: binary.path,
    args: appServerArgs(config.configOverrides),
    cwd,
    env: prependPath(env, binary.pathDirs),
    binary
  } satisfies LaunchCommand
})
