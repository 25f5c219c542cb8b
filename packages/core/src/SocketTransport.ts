/**
 * The WebSocket `Transport`: JSON-RPC to a running `codex app-server --listen ws://IP:PORT` (or
 * `--listen unix://PATH`, which is WebSocket over a Unix socket), one JSON message per text frame.
 *
 * It is runtime-neutral: it is built on `effect/socket/Socket` (`Socket.makeWebSocket`) and needs
 * a `Socket.WebSocketConstructor`: `NodeCodexRemote.webSocketConstructorLayer` on Node (the `ws`
 * package), {@link layerWebSocketConstructorGlobal} on Bun and Deno (their global `WebSocket`
 * accepts `{ headers }`). Effect's own `Socket.layerWebSocketConstructorGlobal` cannot send the
 * `Authorization` header (with `auth` or `headers` set the transport fails with
 * {@link TransportConnectError} saying so), and a browser cannot connect at all (see
 * docs/transports.md).
 *
 * Upstream calls the WebSocket listener experimental; stdio stays the SDK's default transport.
 *
 * - Building the transport dials the server: a refused upgrade (HTTP 401/403) fails with
 *   {@link AuthenticationError}, any other failure to connect with {@link TransportConnectError}
 *   naming the URL.
 * - When the connection closes or breaks, `incoming` fails with `TransportClosedError` (close code
 *   and reason) after the frames already received, and `send` fails with the same error. The
 *   `AppServerClient` then fails every pending request and open turn at once.
 * - Closing the scope closes the connection (code 1000).
 *
 * Importing this module does not load `effect/socket`: {@link make} loads it (with a dynamic
 * `import()`) the first time a transport is built, so that stdio-only programs do not pay for it.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Base64Url from "effect/encoding/Base64Url"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type * as Socket from "effect/socket/Socket"
import { reasonText } from "./internal/socketErrors.ts"
import { Transport } from "./Transport.ts"

// =============================================================================
// Errors
// =============================================================================

/**
 * The server refused the WebSocket upgrade because of authentication (HTTP 401 or 403): the
 * capability token or the signed bearer token is missing, wrong, expired, or for another audience.
 */
export class AuthenticationError extends Schema.TaggedError<AuthenticationError>(
  "@effect-codex/core/SocketTransport/AuthenticationError"
)("AuthenticationError", {
  url: Schema.String,
  status: Schema.optional(Schema.Number),
  reason: Schema.String
}) {
  override get message(): string {
    return `the app-server at ${this.url} refused the connection (authentication): ${this.reason}`
  }
}

/** The app-server could not be reached at `url` (nothing listening, DNS, timeout, TLS, …). */
export class TransportConnectError extends Schema.TaggedError<TransportConnectError>(
  "@effect-codex/core/SocketTransport/TransportConnectError"
)("TransportConnectError", { url: Schema.String, reason: Schema.String }) {
  override get message(): string {
    return `cannot connect to the app-server at ${this.url}: ${this.reason}`
  }
}

/** Errors of opening a socket transport. */
export type ConnectError = AuthenticationError | TransportConnectError

// =============================================================================
// Auth
// =============================================================================

/**
 * How the client authenticates to a `--ws-auth` listener. Both send `Authorization: Bearer …`
 * in the upgrade request.
 *
 * - `CapabilityToken`: the listener's `--ws-token-file` content (or the token whose SHA-256 is
 *   `--ws-token-sha256`).
 * - `SignedBearerToken`: an HS256 JWT minted for each connection from the listener's
 *   `--ws-shared-secret-file`, with `iss`/`aud` matching `--ws-issuer`/`--ws-audience` and a short
 *   expiry.
 */
export type Auth = CapabilityToken | SignedBearerToken

/** A static capability token. */
export interface CapabilityToken {
  readonly _tag: "CapabilityToken"
  readonly token: Redacted.Redacted<string>
}

/** A shared secret from which the SDK mints a short-lived HS256 JWT for each connection. */
export interface SignedBearerToken {
  readonly _tag: "SignedBearerToken"
  readonly sharedSecret: Redacted.Redacted<string | Uint8Array>
  readonly issuer?: string | undefined
  readonly audience?: string | undefined
  /** Lifetime of each minted token (default 60 seconds). */
  readonly expiresIn?: Duration.Input | undefined
  /** Subject claim (`sub`), if any. */
  readonly subject?: string | undefined
}

/** Authenticate with a capability token. */
export const capabilityToken = (token: Redacted.Redacted<string> | string): CapabilityToken => ({
  _tag: "CapabilityToken",
  token: typeof token === "string" ? Redacted.make(token) : token
})

/** Authenticate with JWTs minted from a shared secret (see {@link SignedBearerToken}). */
export const signedBearerToken = (options: Omit<SignedBearerToken, "_tag">): SignedBearerToken => ({
  _tag: "SignedBearerToken",
  ...options
})

const textEncoder = new TextEncoder()

const base64UrlJson = (value: unknown): string => Base64Url.encode(JSON.stringify(value))

/**
 * Mints an HS256 JWT (`iss`, `aud`, `sub`, `iat`, `exp`) with WebCrypto. `now` is the issue time
 * in milliseconds (default: the `Clock`).
 */
export const mintJwt: (
  auth: Omit<SignedBearerToken, "_tag">,
  now?: number | undefined
) => Effect.Effect<Redacted.Redacted<string>> = Effect.fnUntraced(function*(
  auth: Omit<SignedBearerToken, "_tag">,
  now?: number | undefined
) {
  const issuedAtMs = now ?? (yield* Effect.clockWith((clock) => clock.currentTimeMillis))
  const iat = Math.floor(issuedAtMs / 1000)
  const ttl = Math.max(1, Math.floor(Duration.toSeconds(auth.expiresIn ?? "60 seconds")))
  const claims = {
    ...(auth.issuer === undefined ? {} : { iss: auth.issuer }),
    ...(auth.audience === undefined ? {} : { aud: auth.audience }),
    ...(auth.subject === undefined ? {} : { sub: auth.subject }),
    iat,
    exp: iat + ttl
  }
  const signingInput = `${base64UrlJson({ alg: "HS256", typ: "JWT" })}.${base64UrlJson(claims)}`
  const secret = Redacted.value(auth.sharedSecret)
  const keyBytes = typeof secret === "string" ? textEncoder.encode(secret) : secret
  const signature = yield* Effect.promise(async () => {
    const key = await globalThis.crypto.subtle.importKey(
      "raw",
      new Uint8Array(keyBytes),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"]
    )
    return new Uint8Array(await globalThis.crypto.subtle.sign("HMAC", key, textEncoder.encode(signingInput)))
  })
  return Redacted.make(`${signingInput}.${Base64Url.encode(signature)}`)
})

/** The `Authorization` header for an auth setting (a fresh JWT for signed bearer tokens). */
export const authorizationHeader = (auth: Auth): Effect.Effect<string> =>
  auth._tag === "CapabilityToken"
    ? Effect.succeed(`Bearer ${Redacted.value(auth.token)}`)
    : Effect.map(mintJwt(auth), (token) => `Bearer ${Redacted.value(token)}`)

// =============================================================================
// Transport
// =============================================================================

/** Options of {@link make}. */
export interface Options {
  /**
   * The WebSocket URL: `ws://host:port` / `wss://…`, or for a Unix socket whatever the
   * `WebSocketConstructor` understands (`ws+unix:///path/to.sock:/` with the Node `ws` package).
   */
  readonly url: string
  /** The URL shown in errors (default `url`; e.g. `unix:///path/to.sock`). */
  readonly displayUrl?: string | undefined
  readonly auth?: Auth | undefined
  /** Extra upgrade-request headers (Node and Bun only). */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** How long to wait for the connection to open (default 10 seconds). */
  readonly openTimeout?: Duration.Input | undefined
}

/**
 * Classifies a failure to open the socket: an upgrade refused with 401/403 is an
 * {@link AuthenticationError}, whatever the WebSocket client's wording (`ws`: "Unexpected server
 * response: 401", Bun: "Expected 101 status code: 401", Deno: "Invalid status code: 401"). A
 * failure without any reason (Node's global `WebSocket` reports none, even for a refused token)
 * is a {@link TransportConnectError} that says what it may be.
 */
export const classifyOpenError = (url: string, error: Socket.SocketError): ConnectError => {
  const reason = error.reason
  const text = reason._tag === "SocketCloseError" ? `connection closed (${reason.message})` : reasonText(reason)
  const status = upgradeStatus(text)
  if (status === 401 || status === 403) return new AuthenticationError({ url, status, reason: text })
  if (reason._tag === "SocketOpenError" && reason.kind === "Timeout") {
    return new TransportConnectError({ url, reason: "timed out waiting for the connection to open" })
  }
  return new TransportConnectError({ url, reason: text.length === 0 ? noReason : text })
}

/** The HTTP status of a refused upgrade, in any of the WebSocket clients' wordings. */
const upgradeStatus = (text: string): number | undefined => {
  const match = /(?:server response|status code|status)\W*(\d{3})\b/i.exec(text)
  return match === null ? undefined : Number(match[1])
}

const noReason = "the WebSocket failed without giving a reason (the server may have refused the upgrade, e.g. " +
  "a wrong or missing token; Node's global WebSocket does not report the HTTP status, " +
  "NodeCodexRemote.webSocketConstructorLayer does)"

/**
 * Connects to a listening app-server and returns the transport. Scoped: closing the scope closes
 * the connection. Needs a `Socket.WebSocketConstructor`.
 *
 * @example
 * ```ts
 * const transport = yield* SocketTransport.make({
 *   url: "ws://127.0.0.1:4500",
 *   auth: SocketTransport.capabilityToken(Redacted.make(token))
 * })
 * ```
 */
export const make: (
  options: Options
) => Effect.Effect<Transport["Service"], ConnectError, Scope.Scope | Socket.WebSocketConstructor> = Effect.fn(
  "SocketTransport.make"
)(function*(options: Options) {
  yield* Effect.annotateCurrentSpan({ "codex.url": options.displayUrl ?? options.url })
  // Loaded on first use: importing the SDK (e.g. for stdio) does not load `effect/socket`.
  const internal = yield* Effect.promise(() => import("./internal/socketConnect.ts"))
  return yield* internal.connect(options)
})

/**
 * `Socket.WebSocketConstructor` from the runtime's global `WebSocket`, given the handshake headers
 * (`Authorization`) as `new WebSocket(url, { headers, protocols })`: what Bun and Deno accept
 * (tested on Bun 1.4.5 and Deno 2.9.6). On Node use `NodeCodexRemote.webSocketConstructorLayer`
 * (the `ws` package: Unix sockets, backpressure, the HTTP status of a refused upgrade). Loads
 * `effect/socket` when first built.
 *
 * @example
 * ```ts
 * // Bun or Deno
 * program.pipe(Effect.provide(Codex.layer.pipe(
 *   Layer.provideMerge(AppServerClient.layer()),
 *   Layer.provideMerge(SocketTransport.layer({ url: "ws://127.0.0.1:4500", auth: SocketTransport.capabilityToken(token) })),
 *   Layer.provide(SocketTransport.layerWebSocketConstructorGlobal)
 * )))
 * ```
 */
export const layerWebSocketConstructorGlobal: Layer.Layer<Socket.WebSocketConstructor> = Layer.unwrap(
  Effect.map(
    Effect.promise(() => import("./internal/socketConnect.ts")),
    (internal) => internal.globalWebSocketConstructorLayer
  )
)

/** `Transport` over a WebSocket (see {@link make}); needs a `Socket.WebSocketConstructor`. */
export const layer = (
  options: Options
): Layer.Layer<Transport, ConnectError, Socket.WebSocketConstructor> => Layer.effect(Transport, make(options))
