/**
 * The client's reading side: each line the server writes is parsed and dispatched — a response to
 * its pending request, a notification (decoded, then handed on), a server request to its handler,
 * anything else to the diagnostics.
 *
 * Responses and notifications, the hot path, are handled synchronously on the reading fiber; an
 * effect is built only for the lines that need one (a diagnostic, a server request, a log).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Errors from "../Errors.ts"
import type { Notification } from "../Notification.ts"
import * as Codec from "./codec.ts"

/** Lines handled before the reader yields, so that subscribers consume a big batch as it is routed. */
const LINES_PER_SLICE = 512

/** Where the lines go. */
export interface Handlers {
  /** A notification, decoded (`rawParams` for the routing by ids). */
  readonly onNotification: (method: string, rawParams: unknown, notification: Notification) => void
  /** A server → client request; returns the effect answering it. */
  readonly onServerRequest: (id: unknown, method: string, params: unknown) => Effect.Effect<void>
  /** A response; returns the effect still to run (a log), if any. */
  readonly onResponse: (message: Readonly<Record<string, unknown>>) => Effect.Effect<void> | undefined
  /** A line that could not be understood. */
  readonly diagnose: (error: Errors.ProtocolError) => Effect.Effect<void>
}

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Builds the handler of batches of lines: it handles them in order, running an effect only when a line needs one. */
export const make = (handlers: Handlers): (lines: ReadonlyArray<string>) => Effect.Effect<void> => {
  const { diagnose, onResponse, onServerRequest } = handlers
  const decodeNotification = Codec.makeNotificationDecoder()

  let mismatch: Errors.ProtocolError | undefined
  const onMismatch = (error: Errors.ProtocolError) => {
    mismatch = error
  }

  /** Decodes and hands on a notification; returns the effect still to run (a diagnostic), if any. */
  const onNotification = (method: string, rawParams: unknown): Effect.Effect<void> | undefined => {
    handlers.onNotification(method, rawParams, decodeNotification(method, rawParams, onMismatch))
    if (mismatch === undefined) return undefined
    const error = mismatch
    mismatch = undefined
    return diagnose(error)
  }

  const onLine = (line: string): Effect.Effect<void> | undefined => {
    // a JSON-RPC message starts with "{"; only other lines need the whitespace check
    if (line.charCodeAt(0) !== 123 && line.trim() === "") return undefined
    let message: unknown
    try {
      message = JSON.parse(line)
    } catch (cause) {
      return diagnose(
        new Errors.ProtocolError({ message: "invalid JSON-RPC line (not JSON)", line: line.slice(0, 1000), cause })
      )
    }
    if (!isObject(message)) {
      return diagnose(
        new Errors.ProtocolError({ message: "invalid JSON-RPC payload (not an object)", line: line.slice(0, 1000) })
      )
    }
    const method = message.method
    if (typeof method === "string") {
      return "id" in message
        ? onServerRequest(message.id, method, message.params)
        : onNotification(method, message.params)
    }
    if ("id" in message && ("result" in message || "error" in message)) return onResponse(message)
    return diagnose(new Errors.ProtocolError({ message: "unknown JSON-RPC message shape", line: line.slice(0, 1000) }))
  }

  const onLines = (lines: ReadonlyArray<string>, from = 0): Effect.Effect<void> => {
    const end = Math.min(lines.length, from + LINES_PER_SLICE)
    for (let i = from; i < end; i++) {
      const effect = onLine(lines[i]!)
      if (effect !== undefined) {
        return i + 1 < lines.length ? Effect.flatMap(effect, () => onLines(lines, i + 1)) : effect
      }
    }
    // a big batch: let the subscribers drain what was routed so far before going on
    return end < lines.length ? Effect.flatMap(Effect.yieldNow, () => onLines(lines, end)) : Effect.void
  }

  return (lines) => onLines(lines)
}
