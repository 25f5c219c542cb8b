/**
 * Reading the `layerConfig` settings. `effect/Config` and the environment `Config`s
 * (`CodexEnv`) are loaded with a dynamic `import()` when a `layerConfig` is built, so that
 * importing the SDK never loads them.
 *
 * @internal
 */
import type * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import type * as CodexConfig from "../CodexConfig.ts"
import type { RemoteConfig } from "../NodeCodexRemote.ts"

const load = Effect.promise(() => Promise.all([import("effect/Config"), import("../CodexEnv.ts")]))

/** Reads `config` (default: `CodexEnv.config`, i.e. `CODEX_BIN`, … from the environment). */
export const codexConfig = (
  config: Config.Wrap<CodexConfig.CodexConfig> | undefined
): Effect.Effect<CodexConfig.CodexConfig, Config.ConfigError> =>
  Effect.flatMap(load, ([ConfigModule, CodexEnv]) => ConfigModule.unwrap(config ?? CodexEnv.config))

/** Reads `config` (default: `CodexEnv.remoteConfig`, i.e. `CODEX_APP_SERVER_URL`, …). */
export const remoteConfig = (
  config: Config.Config<RemoteConfig> | undefined
): Effect.Effect<RemoteConfig, Config.ConfigError> =>
  config ?? Effect.flatMap(load, ([, CodexEnv]) => CodexEnv.remoteConfig)
