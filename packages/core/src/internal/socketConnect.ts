/**
 * The body of `SocketTransport.make`: dials the server with `effect/socket/Socket` and adapts the
 * connection to a `Transport`. `SocketTransport` loads this module with a dynamic `import()` when
 * a socket transport is first built, so that importing the SDK (e.g. for stdio) never loads
 * `effect/socket`.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Socket from "effect/socket/Socket"
import * as Stream from "effect/Stream"
import * as Errors from "../Errors.ts"
import {
  authorizationHeader,
  classifyOpenError,
  type ConnectError,
  type Options,
  TransportConnectError
} from "../SocketTransport.ts"
import { Transport } from "../Transport.ts"
import { closedError } from "./socketErrors.ts"

/** The global `WebSocket` class, as Bun and Deno type it: the second argument may hold headers. */
type GlobalWebSocket = new(
  url: string,
  options?: string | Array<string> | {
    readonly protocols?: string | Array<string> | undefined
    readonly headers?: Readonly<Record<string, string>> | undefined
  }
) => globalThis.WebSocket

/** See `SocketTransport.layerWebSocketConstructorGlobal`. */
export const globalWebSocketConstructorLayer: Layer.Layer<Socket.WebSocketConstructor> = Layer.succeed(
  Socket.WebSocketConstructor
)((url, options) => {
  const WebSocket = globalThis.WebSocket as unknown as GlobalWebSocket
  if (options === undefined || typeof options === "string" || Array.isArray(options)) {
    return new WebSocket(url, options)
  }
  return new WebSocket(url, {
    ...(options.protocols === undefined ? {} : { protocols: options.protocols }),
    ...(options.headers === undefined ? {} : { headers: options.headers })
  })
})

/**
 * A `WebSocketConstructor` that throws (effect's `Socket.layerWebSocketConstructorGlobal` refuses
 * headers with a `TypeError`, a runtime without `WebSocket` has none) is a connect error, not a defect.
 */
const constructorFailed = (url: string, defect: unknown, headers: boolean): TransportConnectError => {
  const text = defect instanceof Error ? defect.message : String(defect)
  return new TransportConnectError({
    url,
    reason: headers
      ? `the WebSocket constructor cannot send the handshake headers (auth): ${text}; provide ` +
        "SocketTransport.layerWebSocketConstructorGlobal (Bun, Deno) or " +
        "NodeCodexRemote.webSocketConstructorLayer (Node) instead"
      : `the WebSocket constructor failed: ${text}`
  })
}

/** Frames buffered for `incoming` before the reader stops pulling from the socket. */
const incomingCapacity = 4096

/** Connects and returns the transport (see `SocketTransport.make`). */
export const connect: (
  options: Options
) => Effect.Effect<Transport["Service"], ConnectError, Scope.Scope | Socket.WebSocketConstructor> = Effect
  .fnUntraced(function*(options: Options) {
    const displayUrl = options.displayUrl ?? options.url
    const authorization = options.auth === undefined ? undefined : yield* authorizationHeader(options.auth)
    const headers = {
      ...options.headers,
      ...(authorization === undefined ? {} : { Authorization: authorization })
    }
    const socket = yield* Socket.makeWebSocket(options.url, {
      openTimeout: options.openTimeout ?? "10 seconds",
      ...(Object.keys(headers).length === 0 ? {} : { headers })
    })
    // Dial now, so that the layer fails to build when the server is absent or refuses us.
    const pull = yield* Socket.readerString(socket).pipe(
      Effect.mapError((error) => classifyOpenError(displayUrl, error)),
      Effect.catchDefect((defect) =>
        Effect.fail(constructorFailed(displayUrl, defect, Object.keys(headers).length > 0))
      )
    )
    const writer = yield* socket.writer

    const closed = yield* Deferred.make<Errors.TransportClosedError>()
    const incoming = yield* Queue.bounded<string, Errors.TransportClosedError>(incomingCapacity)
    const close = (error: Errors.TransportClosedError) =>
      Effect.flatMap(Deferred.succeed(closed, error), (first) => first ? Queue.fail(incoming, error) : Effect.void)

    // The only reader: each text frame is one message (a frame holding several lines is split).
    yield* pull.pipe(
      Effect.flatMap((frames) => {
        const lines: Array<string> = []
        for (const frame of frames) {
          if (frame.includes("\n")) {
            for (const line of frame.split("\n")) if (line.length > 0) lines.push(line)
          } else if (frame.length > 0) {
            lines.push(frame)
          }
        }
        return Queue.offerAll(incoming, lines)
      }),
      Effect.forever,
      Effect.catch((error) => close(closedError(displayUrl, error))),
      Effect.forkScoped
    )
    yield* Effect.addFinalizer(() =>
      close(new Errors.TransportClosedError({ reason: `app-server connection ${displayUrl} closed (scope closed)` }))
    )

    const failClosed = Effect.flatMap(Deferred.await(closed), Effect.fail)
    const send = (line: string): Effect.Effect<void, Errors.TransportClosedError> =>
      Effect.suspend(() => {
        if (Deferred.isDoneUnsafe(closed)) return failClosed
        // A write on a dropped socket would wait for a reconnection that never comes: race it with the close.
        return Effect.raceFirst(
          Effect.catch(
            writer.write(line),
            (error) => Effect.andThen(close(closedError(displayUrl, error)), failClosed)
          ),
          failClosed
        )
      })

    return Transport.of({ send, incoming: Stream.fromQueue(incoming) })
  })
