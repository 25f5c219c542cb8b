/**
 * An offline `CODEX_HOME` for the real `codex` binary: a `config.toml` that points codex at a
 * `FakeModel` on 127.0.0.1, with no auth, no retries and no network-using features.
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import { CodexHome, FakeModel } from "@effect-codex/testing"
 *
 * const home = Effect.gen(function*() {
 *   const fake = yield* FakeModel.FakeModel
 *   return yield* CodexHome.makeTemp({ port: fake.port, approvalPolicy: "never" })
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Path from "effect/Path"
import type * as PlatformError from "effect/PlatformError"
import type * as Scope from "effect/Scope"

/** `approval_policy` values (as in config.toml). */
export type ApprovalPolicy = "untrusted" | "on-request" | "never"

/** `sandbox_mode` values (as in config.toml). */
export type SandboxMode = "read-only" | "workspace-write" | "danger-full-access"

/** What goes into the generated config.toml. */
export interface Options {
  /** The FakeModel port: `base_url = "http://127.0.0.1:PORT/v1"`. */
  readonly port: number
  /** Default `"mock-model"`. */
  readonly model?: string | undefined
  /** Default `"never"`. */
  readonly approvalPolicy?: ApprovalPolicy | undefined
  /** Default `"read-only"`. */
  readonly sandboxMode?: SandboxMode | undefined
  /** Adds `requires_openai_auth = true` to the provider (to test the login flow). */
  readonly requiresOpenaiAuth?: boolean | undefined
  /** Adds `env_key = "..."` to the provider (requests then carry `Authorization: Bearer $VAR`). */
  readonly envKey?: string | undefined
  /** Extra `[features]` flags, merged over the defaults `plugins = false`, `shell_snapshot = false`. */
  readonly features?: Readonly<Record<string, boolean>> | undefined
  /**
   * Raw TOML appended at the end of the file, after the provider table: start it with a
   * `[table]` header (a bare key there would land in `[model_providers.mock_provider]`).
   */
  readonly extraConfig?: string | undefined
}

/** The name of the model provider the config defines. */
export const providerId = "mock_provider"

const str = (value: string): string => JSON.stringify(value)

/** The config.toml text for these options. */
export const configToml = (options: Options): string => {
  const features = { plugins: false, shell_snapshot: false, ...options.features }
  return [
    `model = ${str(options.model ?? "mock-model")}`,
    `model_provider = ${str(providerId)}`,
    `approval_policy = ${str(options.approvalPolicy ?? "never")}`,
    `sandbox_mode = ${str(options.sandboxMode ?? "read-only")}`,
    "",
    "[features]",
    ...Object.entries(features).map(([name, on]) => `${name} = ${on}`),
    "",
    `[model_providers.${providerId}]`,
    `name = "Mock provider"`,
    `base_url = ${str(`http://127.0.0.1:${options.port}/v1`)}`,
    `wire_api = "responses"`,
    "request_max_retries = 0",
    "stream_max_retries = 0",
    ...(options.requiresOpenaiAuth === true ? ["requires_openai_auth = true"] : []),
    ...(options.envKey === undefined ? [] : [`env_key = ${str(options.envKey)}`]),
    ...(options.extraConfig === undefined ? [] : ["", options.extraConfig]),
    ""
  ].join("\n")
}

/** Writes `dir/config.toml` (creating `dir` if needed). */
export const writeCodexHome = Effect.fn("CodexHome.writeCodexHome")(function*(
  dir: string,
  options: Options
): Effect.fn.Return<void, PlatformError.PlatformError, FileSystem.FileSystem | Path.Path> {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  yield* fs.makeDirectory(dir, { recursive: true })
  yield* fs.writeFileString(path.join(dir, "config.toml"), configToml(options))
})

/**
 * A fresh temporary `CODEX_HOME` with its config.toml, removed (with everything codex wrote in it)
 * when the scope closes. Returns its path.
 */
export const makeTemp = Effect.fn("CodexHome.makeTemp")(function*(
  options: Options
): Effect.fn.Return<string, PlatformError.PlatformError, FileSystem.FileSystem | Path.Path | Scope.Scope> {
  const fs = yield* FileSystem.FileSystem
  const dir = yield* fs.makeTempDirectoryScoped({ prefix: "effect-codex-home-" })
  yield* writeCodexHome(dir, options)
  return dir
})
