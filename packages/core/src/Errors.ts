/**
 * Every error the SDK can fail with. All are `Schema.TaggedError` classes, so they can be
 * matched with `Effect.catchTag` and serialized; `CodexError` is their union.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Errors } from "@effect-codex/core"
 *
 * const program = thread.run("hello").pipe(
 *   Effect.catchTag("TurnFailedError", (e) => Effect.logError(e.turnError.message))
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

const rpcFields = {
  code: Schema.Number,
  message: Schema.String,
  data: Schema.optional(Schema.Unknown),
  method: Schema.optional(Schema.String)
}

/** JSON-RPC -32700: the server could not parse what it received. */
export class ParseError extends Schema.TaggedError<ParseError>("@effect-codex/core/Errors/ParseError")(
  "ParseError",
  rpcFields
) {}

/** JSON-RPC -32600: the request was invalid (the app-server also uses this for unknown methods and bad params). */
export class InvalidRequestError extends Schema.TaggedError<InvalidRequestError>(
  "@effect-codex/core/Errors/InvalidRequestError"
)("InvalidRequestError", rpcFields) {}

/** JSON-RPC -32601: the method does not exist. */
export class MethodNotFoundError extends Schema.TaggedError<MethodNotFoundError>(
  "@effect-codex/core/Errors/MethodNotFoundError"
)("MethodNotFoundError", rpcFields) {}

/** JSON-RPC -32602: the params were rejected by the server. */
export class InvalidParamsError extends Schema.TaggedError<InvalidParamsError>(
  "@effect-codex/core/Errors/InvalidParamsError"
)("InvalidParamsError", rpcFields) {}

/** JSON-RPC -32603: the server failed internally. */
export class InternalRpcError extends Schema.TaggedError<InternalRpcError>(
  "@effect-codex/core/Errors/InternalRpcError"
)("InternalRpcError", rpcFields) {}

/**
 * The server is overloaded (code -32001 "Server overloaded; retry later.", or a server-error code
 * with a `serverOverloaded` marker in `data`). Safe to retry: see `Retry.retryOnOverload`.
 */
export class ServerBusyError extends Schema.TaggedError<ServerBusyError>(
  "@effect-codex/core/Errors/ServerBusyError"
)("ServerBusyError", rpcFields) {}

/** The server reports that its own retries of an overloaded call ran out (a kind of `ServerBusyError`). */
export class RetryLimitExceededError extends Schema.TaggedError<RetryLimitExceededError>(
  "@effect-codex/core/Errors/RetryLimitExceededError"
)("RetryLimitExceededError", rpcFields) {}

/** The server is shutting down (-32600 with `data.reason: "serverShuttingDown"`): reconnect, then retry. */
export class ServerDrainingError extends Schema.TaggedError<ServerDrainingError>(
  "@effect-codex/core/Errors/ServerDrainingError"
)("ServerDrainingError", rpcFields) {}

/** Any other JSON-RPC error code. */
export class JsonRpcError extends Schema.TaggedError<JsonRpcError>("@effect-codex/core/Errors/JsonRpcError")(
  "JsonRpcError",
  rpcFields
) {}

/**
 * The app-server process exited or its connection closed. Every pending call and every open
 * stream fails with this error at once.
 */
export class TransportClosedError extends Schema.TaggedError<TransportClosedError>(
  "@effect-codex/core/Errors/TransportClosedError"
)("TransportClosedError", {
  reason: Schema.String,
  exitCode: Schema.optional(Schema.Number),
  signal: Schema.optional(Schema.String),
  stderrTail: Schema.optional(Schema.Array(Schema.String))
}) {
  override get message(): string {
    const parts = [this.reason]
    if (this.exitCode !== undefined) parts.push(`exit code ${this.exitCode}`)
    if (this.signal !== undefined) parts.push(`signal ${this.signal}`)
    if (this.stderrTail && this.stderrTail.length > 0) parts.push(`stderr:\n${this.stderrTail.join("\n")}`)
    return parts.join("; ")
  }
}

/** A line that is not JSON, or a message that does not match its schema. */
export class ProtocolError extends Schema.TaggedError<ProtocolError>("@effect-codex/core/Errors/ProtocolError")(
  "ProtocolError",
  {
    message: Schema.String,
    method: Schema.optional(Schema.String),
    line: Schema.optional(Schema.String),
    cause: Schema.optional(Schema.Defect())
  }
) {}

/** A turn ended with status `failed`; `turnError` is the server's `TurnError`. */
export class TurnFailedError extends Schema.TaggedError<TurnFailedError>(
  "@effect-codex/core/Errors/TurnFailedError"
)("TurnFailedError", {
  threadId: Schema.String,
  turnId: Schema.String,
  turnError: Schema.Struct({
    message: Schema.String,
    codexErrorInfo: Schema.optional(Schema.Unknown),
    additionalDetails: Schema.optional(Schema.Unknown)
  })
}) {
  override get message(): string {
    return this.turnError.message
  }
}

/** A turn's final response did not decode with its `outputSchema`; `raw` keeps the text. */
export class StructuredOutputError extends Schema.TaggedError<StructuredOutputError>(
  "@effect-codex/core/Errors/StructuredOutputError"
)("StructuredOutputError", { message: Schema.String, raw: Schema.NullOr(Schema.String) }) {}

/** A per-request timeout or the turn idle watchdog fired. */
export class TimeoutError extends Schema.TaggedError<TimeoutError>("@effect-codex/core/Errors/TimeoutError")(
  "TimeoutError",
  { message: Schema.String, method: Schema.optional(Schema.String), turnId: Schema.optional(Schema.String) }
) {}

/** An option was rejected locally; nothing was sent. */
export class InvalidOptionError extends Schema.TaggedError<InvalidOptionError>(
  "@effect-codex/core/Errors/InvalidOptionError"
)("InvalidOptionError", { option: Schema.String, message: Schema.String }) {}

/** Errors that carry a JSON-RPC error response from the server. */
export type RpcError =
  | ParseError
  | InvalidRequestError
  | MethodNotFoundError
  | InvalidParamsError
  | InternalRpcError
  | ServerBusyError
  | ServerDrainingError
  | JsonRpcError

/** Every error of the SDK. */
export type CodexError =
  | RpcError
  | RetryLimitExceededError
  | TransportClosedError
  | ProtocolError
  | TurnFailedError
  | StructuredOutputError
  | TimeoutError
  | InvalidOptionError

const isRecord = (u: unknown): u is Record<string, unknown> => Predicate.isObject(u) && !Array.isArray(u)

const isOverloadText = (u: unknown): boolean =>
  typeof u === "string" && u.replaceAll("_", "").toLowerCase() === "serveroverloaded"

/** Finds an overload marker (`serverOverloaded` or `server_overloaded`) anywhere in an error's `data`. */
const hasOverloadMarker = (data: unknown, depth = 0): boolean => {
  if (depth > 8) return false
  if (isOverloadText(data)) return true
  if (Array.isArray(data)) return data.some((d) => hasOverloadMarker(d, depth + 1))
  if (isRecord(data)) return Object.values(data).some((d) => hasOverloadMarker(d, depth + 1))
  return false
}

const retryLimitText = /retry limit|too many failed attempts/i

/**
 * Maps a JSON-RPC error object to its typed error class, by code (see DESIGN.md "Errors").
 *
 * @example
 * ```ts
 * fromRpcError({ code: -32001, message: "Server overloaded; retry later." }) // ServerBusyError
 * ```
 */
export const fromRpcError = (
  error: { readonly code: number; readonly message: string; readonly data?: unknown },
  method?: string
): RpcError | RetryLimitExceededError => {
  const fields = {
    code: error.code,
    message: error.message,
    ...(error.data === undefined ? {} : { data: error.data }),
    ...(method === undefined ? {} : { method })
  }
  const serverRange = error.code <= -32000 && error.code >= -32099
  if (error.code === -32001 || (serverRange && hasOverloadMarker(error.data))) {
    return retryLimitText.test(error.message)
      ? new RetryLimitExceededError(fields)
      : new ServerBusyError(fields)
  }
  switch (error.code) {
    case -32700:
      return new ParseError(fields)
    case -32600:
      return isRecord(error.data) && error.data.reason === "serverShuttingDown"
        ? new ServerDrainingError(fields)
        : new InvalidRequestError(fields)
    case -32601:
      return new MethodNotFoundError(fields)
    case -32602:
      return new InvalidParamsError(fields)
    case -32603:
      return new InternalRpcError(fields)
    default:
      return new JsonRpcError(fields)
  }
}

/**
 * Whether an error is worth retrying: an overloaded server (`ServerBusyError`).
 * `retryOnOverload` retries exactly the errors this accepts.
 */
export const isRetryableError = (error: unknown): boolean =>
  Predicate.isTagged(error, "ServerBusyError") || Predicate.isTagged(error, "RetryLimitExceededError") ||
  (Predicate.isTagged(error, "JsonRpcError") && hasOverloadMarker((error as JsonRpcError).data))
