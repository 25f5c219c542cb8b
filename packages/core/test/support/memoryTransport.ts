/**
 * A tiny in-memory `Transport` for core's own tests: what the client writes is recorded, and the
 * test plays the server by pushing lines. `answerInitialize` answers the handshake.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import type * as Errors from "../../src/Errors.ts"
import { Transport } from "../../src/Transport.ts"

/** A message the client wrote. */
export interface Written {
  readonly id?: number | string
  readonly method?: string
  readonly params?: unknown
  readonly result?: unknown
  readonly error?: { readonly code: number; readonly message: string }
}

/** The server side of the in-memory transport. */
export interface Server {
  readonly written: Array<Written>
  /** Pushes one line (an object is serialized) to the client. */
  readonly push: (message: object | string) => Effect.Effect<void>
  /** Called on every write; the default answers `initialize`. */
  onWrite: (message: Written) => void
}

/** Builds the transport and its server side; the server answers `initialize` by default. */
export const make = Effect.fnUntraced(function*() {
  const incoming = yield* Queue.unbounded<string, Errors.TransportClosedError>()
  const server: Server = {
    written: [],
    push: (message) => Queue.offer(incoming, typeof message === "string" ? message : JSON.stringify(message)),
    onWrite: () => {}
  }
  const transport = Transport.of({
    send: (line) =>
      Effect.sync(() => {
        const message = JSON.parse(line) as Written
        server.written.push(message)
        if (message.method === "initialize") {
          Queue.offerUnsafe(
            incoming,
            JSON.stringify({
              id: message.id,
              result: {
                userAgent: "codex-cli/0.171.0 (test)",
                codexHome: "/tmp/codex",
                platformFamily: "unix",
                platformOs: "linux"
              }
            })
          )
        } else server.onWrite(message)
      }),
    incoming: Stream.fromQueue(incoming)
  })
  return { server, layer: Layer.succeed(Transport, transport) }
})
