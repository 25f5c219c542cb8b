/**
 * `Codex` on Node over a socket to an app-server that is already running: a WebSocket listener
 * (`codex app-server --listen ws://IP:PORT`), a Unix socket (`--listen unix://PATH`, which is
 * WebSocket over the socket), or the local daemon (`codex app-server daemon`). The transport is
 * `SocketTransport` from core; this module adds the Node WebSocket client (the `ws` package, which
 * can send the `Authorization` header and speak over Unix sockets), token files, `Config`
 * variants and the daemon.
 *
 * Upstream marks the WebSocket transport experimental; stdio (`NodeCodex.layer`) stays the default.
 *
 * Importing this module loads neither `ws` nor `effect/socket` (nor `effect/Config`): a layer
 * loads them the first time it is built, so that stdio-only programs do not pay for them.
 *
 * @example
 * ```ts
 * program.pipe(Effect.provide(NodeCodexRemote.layerWebSocket({
 *   url: "ws://127.0.0.1:4500",
 *   auth: SocketTransport.capabilityToken(Redacted.make(token))
 * })))
 * ```
 *
 * @since 0.1.0
 */
import * as AppServerClient from "@effect-codex/core/AppServerClient"
import * as Codex from "@effect-codex/core/Codex"
import * as Errors from "@effect-codex/core/Errors"
import { generatedFromVersion } from "@effect-codex/core/generated/Protocol"
import * as SocketTransport from "@effect-codex/core/SocketTransport"
import { Transport } from "@effect-codex/core/Transport"
import * as Version from "@effect-codex/core/Version"
import type * as Config from "effect/Config"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type * as Socket from "effect/socket/Socket"
import * as CodexBinary from "./CodexBinary.ts"
import * as ClientOptionsInternal from "./internal/clientOptions.ts"
import type { ClientFields } from "./internal/clientOptions.ts"
import * as ConfigLoad from "./internal/configLoad.ts"
import * as Daemon from "./internal/daemon.ts"
import * as Reconnect from "./internal/reconnect.ts"
import * as RemoteTransport from "./internal/remoteTransport.ts"

// =============================================================================
// WebSocket client
// =============================================================================

/**
 * `Socket.WebSocketConstructor` backed by the `ws` package: supports handshake headers
 * (`Authorization`), backpressure (pauses reads), and `ws+unix://` URLs. `ws` is loaded when the
 * layer is first built.
 */
export const webSocketConstructorLayer: Layer.Layer<Socket.WebSocketConstructor> = Layer.unwrap(
  Effect.map(Effect.promise(RemoteTransport.loadWebSocketClient), (client) => client.webSocketConstructorLayer)
)

/** Where to connect: the URL given to the WebSocket client and the one shown in errors. */
export interface Endpoint {
  readonly url: string
  readonly displayUrl: string
}

/**
 * Resolves an app-server URL: `ws://…` / `wss://…` as is; `unix://PATH` (absolute path) becomes
 * the `ws` client's `ws+unix://PATH:/`.
 */
export const endpoint = (url: string): Effect.Effect<Endpoint, Errors.InvalidOptionError> =>
  RemoteTransport.endpoint(url)

// =============================================================================
// Auth from files
// =============================================================================

/** A capability token read from a file (surrounding whitespace is dropped). */
export const capabilityTokenFile: (
  path: string
) => Effect.Effect<SocketTransport.CapabilityToken, Errors.InvalidOptionError> = Effect.fn(
  "NodeCodexRemote.capabilityTokenFile"
)(function*(path: string) {
  return SocketTransport.capabilityToken(yield* RemoteTransport.readSecret(path, "tokenFile"))
})

/** Signed bearer tokens minted from a shared secret read from a file (whitespace dropped). */
export const signedBearerTokenFile: (
  path: string,
  options?: Omit<SocketTransport.SignedBearerToken, "_tag" | "sharedSecret"> | undefined
) => Effect.Effect<SocketTransport.SignedBearerToken, Errors.InvalidOptionError> = Effect.fn(
  "NodeCodexRemote.signedBearerTokenFile"
)(function*(path: string, options?: Omit<SocketTransport.SignedBearerToken, "_tag" | "sharedSecret">) {
  const secret = yield* RemoteTransport.readSecret(path, "sharedSecretFile")
  return SocketTransport.signedBearerToken({ ...options, sharedSecret: secret })
})

// =============================================================================
// Layers
// =============================================================================

/** Client options: those of `NodeCodex.Options` without the launch settings (handshake, window, deadlines, admission). */
export interface ClientOptions extends ClientFields {}

/** Options of {@link layerWebSocket}. */
export interface WebSocketOptions extends ClientOptions {
  /** `ws://host:port`, `wss://…`, or `unix:///absolute/path.sock`. */
  readonly url: string
  readonly auth?: SocketTransport.Auth | undefined
  /** Extra upgrade-request headers. */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** How long to wait for the connection to open (default 10 seconds). */
  readonly openTimeout?: Duration.Input | undefined
}

/** Everything the remote layers provide. */
export type Services = Codex.Codex | AppServerClient.AppServerClient | Transport

/** Errors of building a remote layer. */
export type LayerError = SocketTransport.ConnectError | Errors.InvalidOptionError | AppServerClient.RequestError

/** The socket `Transport` alone (Node `ws` client included). */
export const transportLayer = (
  options: WebSocketOptions
): Layer.Layer<Transport, SocketTransport.ConnectError | Errors.InvalidOptionError> =>
  RemoteTransport.transportLayer(options)

/**
 * `Codex` (and `AppServerClient`, `Transport`) connected to a running app-server over WebSocket
 * (or `unix://PATH`). The connection lives as long as the layer; the handshake runs on connect.
 */
export const layerWebSocket = (options: WebSocketOptions): Layer.Layer<Services, LayerError> =>
  Codex.layer.pipe(
    Layer.provideMerge(AppServerClient.layer(ClientOptionsInternal.clientOptions(options))),
    Layer.provideMerge(transportLayer(options))
  )

/** Options of {@link layerUnixSocket}. */
export interface UnixSocketOptions extends ClientOptions {
  /** Absolute path of the socket (`--listen unix://PATH`). */
  readonly path: string
  readonly openTimeout?: Duration.Input | undefined
}

/** `Codex` over a Unix socket (`codex app-server --listen unix://PATH`). */
export const layerUnixSocket = (options: UnixSocketOptions): Layer.Layer<Services, LayerError> =>
  layerWebSocket({ ...options, url: `unix://${options.path}` })

/** What `CodexEnv.remoteConfig` (`@effect-codex/node/CodexEnv`) reads. */
export interface RemoteConfig {
  readonly url: string
  readonly token: Option.Option<Redacted.Redacted<string>>
  readonly tokenFile: Option.Option<string>
  readonly sharedSecretFile: Option.Option<string>
  readonly issuer: Option.Option<string>
  readonly audience: Option.Option<string>
}

/** The auth setting a {@link RemoteConfig} describes (token, token file, or shared-secret file). */
export const authFromConfig = (
  remote: RemoteConfig
): Effect.Effect<SocketTransport.Auth | undefined, Errors.InvalidOptionError> => {
  if (Option.isSome(remote.token)) return Effect.succeed(SocketTransport.capabilityToken(remote.token.value))
  if (Option.isSome(remote.tokenFile)) return capabilityTokenFile(remote.tokenFile.value)
  if (Option.isSome(remote.sharedSecretFile)) {
    return signedBearerTokenFile(remote.sharedSecretFile.value, {
      issuer: Option.getOrUndefined(remote.issuer),
      audience: Option.getOrUndefined(remote.audience)
    })
  }
  return Effect.succeed(undefined)
}

/**
 * Like {@link layerWebSocket}, reading the URL and auth from `Config` (default: the environment,
 * see `CodexEnv.remoteConfig` in `@effect-codex/node/CodexEnv`). `effect/Config` is loaded when
 * the layer is built.
 *
 * @example
 * ```ts
 * // CODEX_APP_SERVER_URL=ws://127.0.0.1:4500 CODEX_APP_SERVER_TOKEN_FILE=/run/secrets/codex-token
 * program.pipe(Effect.provide(NodeCodexRemote.layerConfig()))
 * ```
 */
export const layerConfig = (
  options: ClientOptions & { readonly config?: Config.Config<RemoteConfig> | undefined } = {}
): Layer.Layer<Services, LayerError | Config.ConfigError> =>
  Layer.unwrap(Effect.gen(function*() {
    const remote = yield* ConfigLoad.remoteConfig(options.config)
    const auth = yield* authFromConfig(remote)
    return layerWebSocket({ ...options, url: remote.url, auth })
  }))

// =============================================================================
// Daemon
// =============================================================================

/** The daemon answered with a version older than the protocol this SDK was generated from. */
export class DaemonVersionError extends Schema.TaggedError<DaemonVersionError>(
  "@effect-codex/node/NodeCodexRemote/DaemonVersionError"
)("DaemonVersionError", {
  daemonVersion: Schema.String,
  requiredVersion: Schema.String
}) {
  override get message(): string {
    return `the app-server daemon runs codex ${this.daemonVersion}, older than ${this.requiredVersion} which this SDK speaks; restart it with \`codex app-server daemon restart\` after updating codex`
  }
}

/** The daemon is not running (and `start` was not requested), or a daemon command failed. */
export class DaemonError extends Schema.TaggedError<DaemonError>(
  "@effect-codex/node/NodeCodexRemote/DaemonError"
)("DaemonError", {
  command: Schema.String,
  reason: Schema.String,
  stderrTail: Schema.optional(Schema.Array(Schema.String))
}) {
  override get message(): string {
    return `codex app-server daemon ${this.command}: ${this.reason}`
  }
}

/** What `codex app-server daemon version|start|stop` print (JSON). */
export const DaemonStatus = Schema.Struct({
  status: Schema.String,
  socketPath: Schema.String,
  cliVersion: Schema.optional(Schema.String),
  appServerVersion: Schema.optional(Schema.String),
  managedCodexVersion: Schema.optional(Schema.String),
  pid: Schema.optional(Schema.Number)
})

/** The decoded daemon status. */
export type DaemonStatus = typeof DaemonStatus.Type

/** Options of the daemon commands and {@link layerDaemon}. */
export interface DaemonOptions {
  /** Explicit `codex` executable (default: the pinned `@openai/codex` binary). */
  readonly codexBin?: string | undefined
  /** Variables merged over the parent's environment (e.g. `CODEX_HOME`). */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
}

const decodeStatus = Schema.decodeUnknownOption(Schema.fromJsonString(DaemonStatus))

/** Runs `codex app-server daemon <command>` and decodes its JSON status. */
export const daemonCommand: (
  command: "version" | "start" | "stop" | "restart",
  options?: DaemonOptions | undefined
) => Effect.Effect<
  DaemonStatus,
  DaemonError | CodexBinary.ResolveError
> = Effect.fn("NodeCodexRemote.daemonCommand")(function*(
  command: "version" | "start" | "stop" | "restart",
  options?: DaemonOptions | undefined
) {
  const binary = yield* CodexBinary.resolve({ codexBin: options?.codexBin })
  const { exit, stderr, stdout } = yield* Daemon.run(binary.path, command, options?.env).pipe(
    Effect.mapError((reason) => new DaemonError({ command, reason }))
  )
  const line = stdout.split("\n").findLast((l) => l.trim().startsWith("{"))
  const status = line === undefined ? Option.none() : decodeStatus(line)
  if (exit.exitCode === 0 && Option.isSome(status)) return status.value
  const lastError = stderr.split("\n").find((l) => l.startsWith("Error:"))
  const ended = exit.signal === undefined ? `exited with code ${exit.exitCode}` : `killed by ${exit.signal}`
  return yield* new DaemonError({
    command,
    reason: lastError ?? ended,
    stderrTail: stderr.split("\n").filter((l) => l.length > 0).slice(-20)
  })
})

/** Options of {@link layerDaemon}. */
export interface DaemonLayerOptions extends DaemonOptions, ClientOptions {
  /** Start the daemon (`codex app-server daemon start`) when it is not running. Default `false`. */
  readonly start?: boolean | undefined
  /** The oldest daemon version accepted (default: the codex version the SDK's protocol was generated from). */
  readonly requiredVersion?: string | undefined
  readonly openTimeout?: Duration.Input | undefined
}

/** Errors of {@link layerDaemon}. */
export type DaemonLayerError = LayerError | DaemonError | DaemonVersionError | CodexBinary.ResolveError

/** Fails with {@link DaemonVersionError} when `running` (a codex version) is older than `required`. */
const checkVersion = (running: string | undefined, required: string): Effect.Effect<void, DaemonVersionError> => {
  const parsedRunning = running === undefined ? undefined : Version.parse(running)
  const parsedRequired = Version.parse(required)
  if (parsedRunning === undefined || parsedRequired === undefined) return Effect.void
  return Version.compare(parsedRunning, parsedRequired) < 0
    ? Effect.fail(new DaemonVersionError({ daemonVersion: running!, requiredVersion: required }))
    : Effect.void
}

/**
 * Checks the version of a daemon status: fails with {@link DaemonVersionError} when the daemon's
 * app-server is older than `required`.
 */
export const checkDaemonVersion = (
  status: DaemonStatus,
  required: string = generatedFromVersion
): Effect.Effect<void, DaemonVersionError> =>
  checkVersion(status.appServerVersion ?? status.managedCodexVersion ?? status.cliVersion, required)

/**
 * `Codex` connected to the local app-server daemon's control socket
 * (`$CODEX_HOME/app-server-control/app-server-control.sock`).
 *
 * The fast path spawns nothing: the layer connects straight to that socket, and checks the
 * version the daemon's app-server reports in the handshake. Only when nothing answers there does it
 * run `codex app-server daemon version` (for the socket the daemon reports) and, with
 * `start: true`, `daemon start` (the daemon then outlives this program; stop it with
 * `codex app-server daemon stop`). A daemon older than this SDK's protocol (or `requiredVersion`)
 * fails with {@link DaemonVersionError}.
 */
export const layerDaemon = (options: DaemonLayerOptions = {}): Layer.Layer<Services, DaemonLayerError> => {
  const required = options.requiredVersion ?? generatedFromVersion
  const connect = (path: string) =>
    layerUnixSocket({ ...options, path }).pipe(
      Layer.tap((context) =>
        checkVersion(Context.get(context, AppServerClient.AppServerClient).metadata.serverInfo.version, required)
      )
    )
  const viaCommands = Layer.unwrap(Effect.gen(function*() {
    const running = yield* daemonCommand("version", options).pipe(
      Effect.map(Option.some),
      Effect.catchTag(
        "DaemonError",
        (error) => options.start === true ? Effect.succeed(Option.none<DaemonStatus>()) : Effect.fail(error)
      )
    )
    const status = Option.isSome(running) && running.value.status === "running"
      ? running.value
      : options.start === true
      ? yield* Effect.andThen(daemonCommand("start", options), daemonCommand("version", options))
      : yield* new DaemonError({ command: "version", reason: "the daemon is not running" })
    yield* checkDaemonVersion(status, required)
    return connect(status.socketPath)
  }))
  return connect(Daemon.controlSocket(options.env)).pipe(Layer.catchTag("TransportConnectError", () => viaCommands))
}

// =============================================================================
// Reconnection
// =============================================================================

/** The state of a {@link RemoteConnection}. */
export type ConnectionState =
  | { readonly _tag: "Connected"; readonly generation: number }
  | { readonly _tag: "Reconnecting"; readonly generation: number; readonly lastError: Errors.TransportClosedError }
  | { readonly _tag: "Failed"; readonly error: LayerError }

/**
 * A connection to a remote app-server that is re-established after a drop (see
 * {@link layerReconnecting}). Each connection has its own `Codex` and `AppServerClient`: get the
 * current one with `codex` (it waits while reconnecting) and do not keep it across a drop.
 */
export class RemoteConnection extends Context.Service<RemoteConnection, {
  /** The `Codex` of the current connection; waits while reconnecting; fails once the policy gave up. */
  readonly codex: Effect.Effect<Codex.Codex["Service"], LayerError>
  /** The `AppServerClient` of the current connection (as `codex`). */
  readonly client: Effect.Effect<AppServerClient.AppServerClient["Service"], LayerError>
  /** The current state. */
  readonly state: Effect.Effect<ConnectionState>
  /** Waits until a connection newer than `generation` is up (or the policy gave up). */
  readonly awaitGeneration: (generation: number) => Effect.Effect<void, LayerError>
}>()("@effect-codex/node/NodeCodexRemote/RemoteConnection") {}

/** Options of {@link layerReconnecting}. */
export interface ReconnectingOptions extends WebSocketOptions {
  /**
   * When to try again after a drop (and after each failed attempt), e.g.
   * `Schedule.exponential("100 millis").pipe(Schedule.take(10))`. When it ends, the connection
   * fails for good with the last connect error.
   */
  readonly reconnect: Schedule.Schedule<unknown, LayerError>
}

/**
 * A {@link RemoteConnection} that reconnects with a `Schedule` when the connection drops, and
 * re-runs the `initialize` handshake on each new connection. Building the layer makes the first
 * connection (its failure fails the layer). Nothing is replayed: requests and turn streams open at
 * the drop fail with `TransportClosedError`; threads live on in the server (`threadResume` them on
 * the new connection; a turn that was running continues there and can be read with `thread/read`).
 */
export const layerReconnecting = (
  options: ReconnectingOptions
): Layer.Layer<RemoteConnection, LayerError> =>
  Layer.effect(RemoteConnection, Reconnect.make(options, transportLayer(options)))
