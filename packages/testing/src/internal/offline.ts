/**
 * The offline settings of the real `codex` binary, with no dependency at all (not even Effect), so
 * that the benchmarks' raw driver can share them: the `config.toml` text and the environment.
 *
 * @internal
 */

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

/** The environment the app-server gets in tests: an isolated home and no proxy for loopback. */
export const testEnv = (codexHome: string): Readonly<Record<string, string | undefined>> => ({
  CODEX_HOME: codexHome,
  NO_PROXY: "127.0.0.1,localhost",
  no_proxy: "127.0.0.1,localhost",
  HTTP_PROXY: undefined,
  HTTPS_PROXY: undefined,
  ALL_PROXY: undefined,
  http_proxy: undefined,
  https_proxy: undefined,
  all_proxy: undefined,
  OPENAI_API_KEY: undefined,
  CODEX_API_KEY: undefined,
  RUST_LOG: "warn"
})
