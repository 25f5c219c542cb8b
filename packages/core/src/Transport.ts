/**
 * The byte-level link to an app-server: send one JSON-RPC message (one line), and receive every
 * line the server writes. Implementations: the Node child process (`@effect-codex/node`), the
 * in-memory `FakeAppServer` (`@effect-codex/testing`), and later sockets.
 *
 * A `Transport` knows nothing about JSON-RPC: framing (one message per line) is its only job.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import type { TransportClosedError } from "./Errors.ts"

/**
 * The transport service.
 *
 * - `send(line)` writes one message (a JSON text without its trailing newline). Writes are
 *   serialized; a closed transport fails with `TransportClosedError`.
 * - `incoming` is the stream of lines the server wrote, without their newline. It has exactly one
 *   consumer (the `AppServerClient`). It fails with `TransportClosedError` (exit code, signal and
 *   stderr tail) when the process exits or the connection closes.
 */
export class Transport extends Context.Service<Transport, {
  readonly send: (line: string) => Effect.Effect<void, TransportClosedError>
  readonly incoming: Stream.Stream<string, TransportClosedError>
}>()("@effect-codex/core/Transport") {}
