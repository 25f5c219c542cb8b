/**
 * The Node WebSocket client for the remote transports: `Socket.WebSocketConstructor` backed by the
 * `ws` package (through `@effect/platform-node-shared/NodeWS`). `NodeCodexRemote` loads this
 * module with a dynamic `import()` when a remote layer is first built, so that importing the SDK
 * (e.g. for stdio) never loads `ws`, `node:http`, `node:tls`, … or `effect/socket`.
 *
 * @internal
 */
import * as NodeWS from "@effect/platform-node-shared/NodeWS"
import * as Layer from "effect/Layer"
import * as Socket from "effect/socket/Socket"

/**
 * `Socket.WebSocketConstructor` backed by the `ws` package: supports handshake headers
 * (`Authorization`), backpressure (pauses reads), and `ws+unix://` URLs.
 */
export const webSocketConstructorLayer: Layer.Layer<Socket.WebSocketConstructor> = Layer.succeed(
  Socket.WebSocketConstructor
)((url, options) => {
  if (options === undefined || typeof options === "string" || Array.isArray(options)) {
    return new NodeWS.WebSocket(url, options, { perMessageDeflate: false })
  }
  return new NodeWS.WebSocket(url, options.protocols, { headers: options.headers, perMessageDeflate: false })
})
