/**
 * The `Codex` service on Node: spawns `codex app-server` as a scoped resource, performs the
 * handshake, and provides `Codex`, the low-level `AppServerClient`, and the process facts
 * (`NodeTransport.ProcessInfo`). Closing the layer's scope ends the process (stdin closed,
 * SIGTERM, then SIGKILL after `forceKillAfter`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Codex } from "@effect-codex/core"
 * import { NodeCodex } from "@effect-codex/node"
 *
 * const program = Effect.gen(function*() {
 *   const codex = yield* Codex.Codex
 *   const thread = yield* codex.threadStart()
 *   return yield* thread.run("Hello")
 * })
 *
 * program.pipe(Effect.provide(NodeCodex.layer({ configOverrides: { model: '"gpt-5.5"' } })), Effect.runPromise)
 * ```
 *
 * @since 0.1.0
 */
import * as AppServerClient from "@effect-codex/core/AppServerClient"
import * as Codex from "@effect-codex/core/Codex"
import type { Transport } from "@effect-codex/core/Transport"
import type * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as CodexConfig from "./CodexConfig.ts"
import * as ClientOptions from "./internal/clientOptions.ts"
import * as ConfigLoad from "./internal/configLoad.ts"
import * as NodeTransport from "./NodeTransport.ts"

/** Launch settings (`CodexConfig`) plus client options. */
export interface Options extends CodexConfig.CodexConfig {
  /** Notification methods the server should not send at all. */
  readonly optOutNotificationMethods?: ReadonlyArray<string> | undefined
}

/** Everything `layer` provides. */
export type Services = Codex.Codex | AppServerClient.AppServerClient | NodeTransport.ProcessInfo | Transport

/** Errors of building the layer: spawning, or the handshake. */
export type LayerError = NodeTransport.SpawnError | AppServerClient.RequestError

/**
 * `Codex` (and `AppServerClient`, `Transport`, `ProcessInfo`) backed by a spawned `codex app-server`.
 */
export const layer = (options: Options = {}): Layer.Layer<Services, LayerError> =>
  Codex.layer.pipe(
    Layer.provideMerge(AppServerClient.layer(ClientOptions.clientOptions(options))),
    Layer.provideMerge(NodeTransport.layer(options))
  )

/**
 * Like `layer`, reading the launch settings from `Config` (default: `CODEX_BIN`, … from the
 * environment, see `CodexEnv.config` in `@effect-codex/node/CodexEnv`). `effect/Config` is loaded
 * when the layer is built.
 *
 * @example
 * ```ts
 * program.pipe(Effect.provide(NodeCodex.layerConfig()))
 * ```
 */
export const layerConfig = (
  config?: Config.Wrap<CodexConfig.CodexConfig> | undefined
): Layer.Layer<Services, LayerError | Config.ConfigError> =>
  Layer.unwrap(Effect.map(ConfigLoad.codexConfig(config), (c) => layer(c)))
