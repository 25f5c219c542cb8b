/**
 * The socket side of `NodeCodexRemote`: app-server URLs, secrets read from files, and the socket
 * `Transport` with the Node WebSocket client (loaded with a dynamic `import()` on first use, so
 * that importing the SDK does not load `ws`).
 *
 * @internal
 */
import * as Errors from "@effect-codex/core/Errors"
import * as SocketTransport from "@effect-codex/core/SocketTransport"
import type { Transport } from "@effect-codex/core/Transport"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Socket from "effect/socket/Socket"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import type { Endpoint, WebSocketOptions } from "../NodeCodexRemote.ts"

/** The Node client module, loaded on first use (importing the SDK does not load `ws`). */
export const loadWebSocketClient = () => import("./webSocket.ts")

/**
 * The client for a URL: `unix://` servers get the `node:net` client of `unixWebSocket.ts` (no
 * `ws`, `node:http` or TLS to load: the daemon's fast path), the others `ws`.
 */
const loadClientFor = (
  url: string
): Promise<{ readonly webSocketConstructorLayer: Layer.Layer<Socket.WebSocketConstructor> }> =>
  url.startsWith("ws+unix://") ? import("./unixWebSocket.ts") : loadWebSocketClient()

/** See `NodeCodexRemote.endpoint`. */
export const endpoint = (url: string): Effect.Effect<Endpoint, Errors.InvalidOptionError> => {
  if (url.startsWith("ws://") || url.startsWith("wss://")) return Effect.succeed({ url, displayUrl: url })
  if (url.startsWith("unix://")) {
    const path = url.slice("unix://".length)
    if (!Path.isAbsolute(path)) {
      return Effect.fail(
        new Errors.InvalidOptionError({ option: "url", message: `unix socket path must be absolute: ${url}` })
      )
    }
    return Effect.succeed({ url: `ws+unix://${path}:/`, displayUrl: url })
  }
  return Effect.fail(
    new Errors.InvalidOptionError({
      option: "url",
      message: `unsupported app-server URL ${JSON.stringify(url)} (expected ws://, wss:// or unix://PATH)`
    })
  )
}

/** A secret read from a file, trimmed; an unreadable file is an `InvalidOptionError` for `option`. */
export const readSecret = (
  path: string,
  option: string
): Effect.Effect<Redacted.Redacted<string>, Errors.InvalidOptionError> =>
  Effect.tryPromise({
    try: () => Fs.readFile(path, "utf8"),
    catch: (cause) =>
      new Errors.InvalidOptionError({
        option,
        message: `cannot read ${path}: ${cause instanceof Error ? cause.message : String(cause)}`
      })
  }).pipe(Effect.map((text) => Redacted.make(text.trim())))

/** See `NodeCodexRemote.transportLayer`. */
export const transportLayer = (
  options: WebSocketOptions
): Layer.Layer<Transport, SocketTransport.ConnectError | Errors.InvalidOptionError> =>
  Layer.unwrap(Effect.gen(function*() {
    const target = yield* endpoint(options.url)
    const client = yield* Effect.tryPromise({
      try: () => loadClientFor(target.url),
      catch: (cause) =>
        new SocketTransport.TransportConnectError({
          url: target.displayUrl,
          reason: `cannot load the Node WebSocket client: ${cause instanceof Error ? cause.message : String(cause)}`
        })
    })
    return SocketTransport.layer({
      url: target.url,
      displayUrl: target.displayUrl,
      auth: options.auth,
      headers: options.headers,
      openTimeout: options.openTimeout
    }).pipe(Layer.provide(client.webSocketConstructorLayer))
  }))
