/**
 * Turning `effect/socket` failures into the SDK's errors. Only types come from `effect/socket`:
 * this module is on the import path of `SocketTransport`, which must not load the socket module
 * before a socket transport is built.
 *
 * @internal
 */
import type * as Socket from "effect/socket/Socket"
import * as Errors from "../Errors.ts"

/** The most useful text of a failure's cause (an `Error`, an error event, or anything else). */
const describeCause = (cause: unknown): string => {
  if (cause instanceof Error) return cause.message
  if (typeof cause === "object" && cause !== null) {
    const record = cause as { readonly message?: unknown; readonly error?: unknown }
    if (typeof record.message === "string" && record.message.length > 0) return record.message
    if (record.error instanceof Error) return record.error.message
    // an error event without a message (Node's global WebSocket): no reason, not "[object ErrorEvent]"
    if (typeof record.message === "string") return ""
  }
  return String(cause)
}

/** What a socket failure says: its cause's text when it has one, else its own message. */
export const reasonText = (reason: Socket.SocketError["reason"]): string =>
  "cause" in reason && reason.cause !== undefined ? describeCause(reason.cause) : reason.message

/** The `TransportClosedError` of an open connection that closed (close code and reason) or broke. */
export const closedError = (url: string, error: Socket.SocketError): Errors.TransportClosedError => {
  const reason = error.reason
  if (reason._tag === "SocketCloseError") {
    const detail = reason.closeReason === undefined || reason.closeReason === ""
      ? `code ${reason.code}`
      : `code ${reason.code}: ${reason.closeReason}`
    return new Errors.TransportClosedError({ reason: `app-server connection ${url} closed (${detail})` })
  }
  return new Errors.TransportClosedError({ reason: `app-server connection ${url} failed: ${reasonText(reason)}` })
}
