/**
 * Like `CodexTest.layer`, over any transport: the real `codex app-server` against a `FakeModel` in
 * a fresh `CODEX_HOME`, reached over stdio (spawned as usual), over WebSocket (spawned with
 * `--listen ws://127.0.0.1:0`, optionally with `--ws-auth`) or over a Unix socket (`--listen
 * unix://PATH`). Also provides the {@link RemoteServer} so a test can kill the listener.
 *
 * @example
 * ```ts
 * // declare: const it: { live: (name: string, f: () => Effect.Effect<void, unknown>) => void }
 * for (const transport of CodexTestRemote.transports) {
 *   it.live(`runs over ${transport}`, () => program.pipe(Effect.provide(CodexTestRemote.layer({ transport }))))
 * }
 * ```
 *
 * @since 0.1.0
 */
import type * as Codex from "@effect-codex/core/Codex"
import type * as Errors from "@effect-codex/core/Errors"
import type * as SocketTransport from "@effect-codex/core/SocketTransport"
import type * as CodexBinary from "@effect-codex/node/CodexBinary"
import * as NodeAppServer from "@effect-codex/node/NodeAppServer"
import type * as NodeCodex from "@effect-codex/node/NodeCodex"
import * as NodeCodexRemote from "@effect-codex/node/NodeCodexRemote"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as PlatformError from "effect/PlatformError"
import type * as Scope from "effect/Scope"
import * as CodexTest from "./CodexTest.ts"
import * as FakeModel from "./FakeModel.ts"
import * as Remote from "./internal/remote.ts"

/** The transports a test can run over. */
export type TransportKind = Remote.TransportKind

/** Every transport, for parametrised tests. */
export const transports: ReadonlyArray<TransportKind> = ["stdio", "ws", "unix"]

/** Options of {@link layer}. */
export interface Options extends CodexTest.Options {
  /** Default `"ws"` (this option is not read from `EFFECT_CODEX_TEST_TRANSPORT`). */
  readonly transport?: TransportKind | undefined
  /** `--ws-auth` settings of the spawned listener (ws only). */
  readonly wsAuth?: NodeAppServer.WsAuth | undefined
  /** What the client sends (ws only). */
  readonly auth?: SocketTransport.Auth | undefined
}

/** The listening server of a ws/unix test (absent for stdio). */
export class RemoteServer extends Context.Service<RemoteServer, NodeAppServer.Listener>()(
  "@effect-codex/testing/CodexTestRemote/RemoteServer"
) {}

/** The folders, model and listener of a remote test, without the client (to connect several times). */
export interface Setup {
  readonly dirs: CodexTest.Service
  readonly listener: NodeAppServer.Listener
}

/**
 * Spawns a listening app-server (ws or unix) for a FakeModel in temporary folders. Scoped; needs
 * the `FakeModel`.
 */
export const listen: (
  options: Options & { readonly transport: "ws" | "unix" }
) => Effect.Effect<
  Setup,
  CodexBinary.ResolveError | Errors.TransportClosedError | PlatformError.PlatformError,
  FakeModel.FakeModel | Scope.Scope
> = Effect.fn("CodexTestRemote.listen")(function*(options: Options & { readonly transport: "ws" | "unix" }) {
  return yield* Remote.listen(options)
})

/** Everything {@link layer} provides. */
export type Services = NodeCodexRemote.Services | FakeModel.FakeModel | CodexTest.CodexTest

/**
 * A listening app-server (ws or unix) against a fresh `FakeModel`, and a client connected to it.
 * Provides `Codex`, `AppServerClient`, `Transport`, `FakeModel`, `CodexTest` and {@link RemoteServer}.
 */
export const layerRemote = (
  options: Options & { readonly transport: "ws" | "unix" }
): Layer.Layer<Services | RemoteServer, unknown> =>
  Layer.unwrap(
    Effect.gen(function*() {
      const { dirs, listener } = yield* Remote.listen(options)
      return Remote.client(options, listener, options.auth).pipe(
        Layer.merge(Layer.succeed(CodexTest.CodexTest, dirs)),
        Layer.merge(Layer.succeed(RemoteServer, listener))
      )
    })
  ).pipe(Layer.provideMerge(FakeModel.layer))

/**
 * The real app-server against a fresh `FakeModel`, over the chosen transport (default `"ws"`):
 * `CodexTest.layer` for stdio, {@link layerRemote} otherwise.
 */
export const layer = (options: Options = {}): Layer.Layer<Services, unknown> => {
  const transport = options.transport ?? "ws"
  return transport === "stdio" ? CodexTest.layer({ ...options, transport }) : layerRemote({ ...options, transport })
}

/** Re-exported for convenience. */
export type { Codex, NodeCodex }
