/**
 * The SDK's settings read from the environment with `effect/Config`: {@link config} (the launch and
 * handshake settings, `CODEX_BIN`, …) and {@link remoteConfig} (`CODEX_APP_SERVER_URL` and its
 * auth). `NodeCodex.layerConfig()`, `NodeTransport.layerConfig()` and
 * `NodeCodexRemote.layerConfig()` read them by default.
 *
 * This module is not part of the package index: import it as `@effect-codex/node/CodexEnv` when
 * you build on these `Config`s (e.g. to adjust one field). That keeps `effect/Config` off the import
 * path of programs that do not read the environment; the `layerConfig`s load it when built.
 *
 * @example
 * ```ts
 * import * as CodexEnv from "@effect-codex/node/CodexEnv"
 * import * as NodeCodex from "@effect-codex/node/NodeCodex"
 * import * as Config from "effect/Config"
 *
 * // Everything from the environment, and a fixed client name.
 * const CodexLive = NodeCodex.layerConfig(Config.map(CodexEnv.config, (c) => ({ ...c, clientName: "my_service" })))
 * ```
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as Schema from "effect/Schema"
import type * as CodexConfig from "./CodexConfig.ts"
import type { RemoteConfig } from "./NodeCodexRemote.ts"

const optional = <A>(config: Config.Config<A>): Config.Config<A | undefined> => Config.withDefault(config, undefined)

/**
 * Reads a `CodexConfig` from the environment (or any `ConfigProvider`). Every variable is
 * optional:
 *
 * | variable | field |
 * |---|---|
 * | `CODEX_BIN` | `codexBin` |
 * | `CODEX_CWD` | `cwd` |
 * | `CODEX_CONFIG_OVERRIDES` | `configOverrides` (comma-separated `key=value`; for values containing commas use your own `Config`) |
 * | `CODEX_CLIENT_NAME` / `CODEX_CLIENT_TITLE` / `CODEX_CLIENT_VERSION` | `clientName` / `clientTitle` / `clientVersion` |
 * | `CODEX_EXPERIMENTAL_API` | `experimentalApi` (`true`/`false`/`1`/`0`/…) |
 * | `CODEX_FORCE_KILL_AFTER` | `forceKillAfter` (e.g. `"5 seconds"`) |
 * | `CODEX_STDERR_TAIL_LINES` | `stderrTailLines` |
 * | `CODEX_MAX_LINE_LENGTH` | `maxLineLength` (bytes) |
 * | `CODEX_INHERIT_ENV` | `inheritEnv` (`true`/`false`) |
 * | `CODEX_REQUEST_TIMEOUT` | `requestTimeout` (e.g. `"30 seconds"`, `"Infinity"`) |
 * | `CODEX_MAX_IN_FLIGHT` | `maxInFlight` (an integer, or `Infinity`) |
 * | `CODEX_MAX_STARTING_TURNS` | `maxStartingTurns` (an integer, or `Infinity`: admission off) |
 * | `CODEX_STARTING_TURN_TIMEOUT` | `startingTurnTimeout` |
 * | `OPENAI_API_KEY` | `apiKey` (as `Redacted`) |
 *
 * `env` and `launchArgsOverride` are not read from the environment.
 */
export const config: Config.Config<CodexConfig.CodexConfig> = Config.all({
  codexBin: optional(Config.NonEmptyString("CODEX_BIN")),
  cwd: optional(Config.NonEmptyString("CODEX_CWD")),
  configOverrides: optional(Config.Array(Schema.String, "CODEX_CONFIG_OVERRIDES")),
  clientName: optional(Config.String("CODEX_CLIENT_NAME")),
  clientTitle: optional(Config.String("CODEX_CLIENT_TITLE")),
  clientVersion: optional(Config.String("CODEX_CLIENT_VERSION")),
  experimentalApi: optional(Config.Boolean("CODEX_EXPERIMENTAL_API")),
  forceKillAfter: optional(Config.Duration("CODEX_FORCE_KILL_AFTER")),
  stderrTailLines: optional(Config.Int("CODEX_STDERR_TAIL_LINES")),
  maxLineLength: optional(Config.Int("CODEX_MAX_LINE_LENGTH")),
  inheritEnv: optional(Config.Boolean("CODEX_INHERIT_ENV")),
  requestTimeout: optional(Config.Duration("CODEX_REQUEST_TIMEOUT")),
  maxInFlight: optional(Config.Number("CODEX_MAX_IN_FLIGHT")),
  maxStartingTurns: optional(Config.Number("CODEX_MAX_STARTING_TURNS")),
  startingTurnTimeout: optional(Config.Duration("CODEX_STARTING_TURN_TIMEOUT")),
  apiKey: optional(Config.Redacted("OPENAI_API_KEY"))
})

/**
 * The remote settings from the environment: `CODEX_APP_SERVER_URL`, and optionally
 * `CODEX_APP_SERVER_TOKEN` (redacted) or `CODEX_APP_SERVER_TOKEN_FILE` (capability token), or
 * `CODEX_APP_SERVER_SHARED_SECRET_FILE` with `CODEX_APP_SERVER_ISSUER` /
 * `CODEX_APP_SERVER_AUDIENCE` (signed bearer tokens). `NodeCodexRemote.authFromConfig` turns the
 * result into the auth setting.
 */
export const remoteConfig: Config.Config<RemoteConfig> = Config.all({
  url: Config.String("CODEX_APP_SERVER_URL"),
  token: Config.option(Config.Redacted("CODEX_APP_SERVER_TOKEN")),
  tokenFile: Config.option(Config.String("CODEX_APP_SERVER_TOKEN_FILE")),
  sharedSecretFile: Config.option(Config.String("CODEX_APP_SERVER_SHARED_SECRET_FILE")),
  issuer: Config.option(Config.String("CODEX_APP_SERVER_ISSUER")),
  audience: Config.option(Config.String("CODEX_APP_SERVER_AUDIENCE"))
})
