/**
 * The listening side of the test layers: a real `codex app-server --listen` (ws or unix) for a
 * `FakeModel` in temporary folders, the client connected to it, and the transport chosen by
 * `EFFECT_CODEX_TEST_TRANSPORT`. Shared by `CodexTest` (which honours the variable) and
 * `CodexTestRemote`.
 *
 * @internal
 */
import * as Errors from "@effect-codex/core/Errors"
import type * as SocketTransport from "@effect-codex/core/SocketTransport"
import * as CodexConfig from "@effect-codex/node/CodexConfig"
import * as NodeAppServer from "@effect-codex/node/NodeAppServer"
import * as NodeCodexRemote from "@effect-codex/node/NodeCodexRemote"
import * as NodeTransport from "@effect-codex/node/NodeTransport"
import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
import * as NodePath from "@effect/platform-node-shared/NodePath"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Path from "effect/Path"
import type * as CodexTest from "../CodexTest.ts"
import * as FakeModel from "../FakeModel.ts"
import * as Folders from "./folders.ts"
import * as Offline from "./offline.ts"

/** The transports a test can run over. */
export type TransportKind = "stdio" | "ws" | "unix"

/** The variable that switches `CodexTest.layer` (and so the integration suite) to a socket transport. */
export const transportVariable = "EFFECT_CODEX_TEST_TRANSPORT"

/** The transport `EFFECT_CODEX_TEST_TRANSPORT` asks for (`stdio` when unset). */
export const transportFromEnv = (): Effect.Effect<TransportKind, Errors.InvalidOptionError> => {
  const value = process.env[transportVariable]
  if (value === undefined || value === "") return Effect.succeed("stdio")
  if (value === "stdio" || value === "ws" || value === "unix") return Effect.succeed(value)
  return Effect.fail(
    new Errors.InvalidOptionError({
      option: transportVariable,
      message: `${transportVariable}=${JSON.stringify(value)}: expected stdio, ws or unix`
    })
  )
}

/** What a listener needs beyond `CodexTest.Options`. */
export interface ListenOptions extends CodexTest.Options {
  readonly transport: "ws" | "unix"
  readonly wsAuth?: NodeAppServer.WsAuth | undefined
}

/** The test's folders plus a private directory for the Unix socket. */
const folders = (options: CodexTest.Options, port: number) =>
  Effect.gen(function*() {
    const dirs = yield* Folders.make(options, port)
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const sockets = yield* fs.makeTempDirectoryScoped({ prefix: "effect-codex-sock-" })
    return { ...dirs, socket: path.join(sockets, "app-server.sock") }
  }).pipe(Effect.provide([NodeFileSystem.layer, NodePath.layer]))

/** Spawns a listening app-server for the `FakeModel` in temporary folders. Scoped. */
export const listen = Effect.fnUntraced(function*(options: ListenOptions) {
  const model = yield* FakeModel.FakeModel
  const dirs = yield* folders(options, model.port)
  const listener = yield* NodeAppServer.listen({
    listen: options.transport === "unix" ? `unix://${dirs.socket}` : "ws://127.0.0.1:0",
    wsAuth: options.wsAuth,
    cwd: dirs.workspace,
    codexBin: options.codex?.codexBin,
    configOverrides: CodexConfig.overrideEntries(options.codex?.configOverrides),
    env: { ...Offline.testEnv(dirs.codexHome), ...options.codex?.env, ...options.env }
  })
  return { dirs: { codexHome: dirs.codexHome, workspace: dirs.workspace }, listener }
})

/** The client of a listener, with the test's client options (handshake, window, deadlines). */
export const client = (
  options: CodexTest.Options,
  listener: NodeAppServer.Listener,
  auth: SocketTransport.Auth | undefined
): Layer.Layer<NodeCodexRemote.Services, NodeCodexRemote.LayerError> =>
  NodeCodexRemote.layerWebSocket({ ...options.codex, url: listener.url, auth })

/** The listener as the `ProcessInfo` a stdio test layer provides (its pid is the server's). */
export const processInfo = (listener: NodeAppServer.Listener): Layer.Layer<NodeTransport.ProcessInfo> =>
  Layer.succeed(
    NodeTransport.ProcessInfo,
    NodeTransport.ProcessInfo.of({
      pid: listener.pid,
      argv: listener.argv,
      exit: listener.exit,
      stderrTail: listener.stderrTail
    })
  )
