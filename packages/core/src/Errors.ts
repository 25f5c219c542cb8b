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
import type * as Cause from "effect/Cause"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

const rpcFields = {
  code: Schema.Number,
  message: Schema.String,
  data: Schema.optional(Schema.Unknown),
  method: Schema.optional(Schema.String)
}

/**
 * One definition for the JSON-RPC error classes: they differ only in their tag (the code maps to
 * the tag in `fromRpcError`) and in whether they are worth retrying. `isRetryable` is what
 * `Retry.retryOnOverload` reads.
 */
const rpcError = <Self>() =>
<Tag extends string>(
  tag: Tag,
  retryable: (error: { readonly data?: unknown }) => boolean = () => false
): Schema.Class<Self, Schema.TaggedStruct<Tag, typeof rpcFields>, Cause.YieldableError & RetryableInfo> => {
  const Base = Schema.TaggedError<{ readonly data?: unknown }>(`@effect-codex/core/Errors/${tag}`)(tag, rpcFields)
  Object.defineProperty(Base.prototype, "isRetryable", {
    get(this: { readonly data?: unknown }) {
      return retryable(this)
    }
  })
  return Base as unknown as Schema.Class<
    Self,
    Schema.TaggedStruct<Tag, typeof rpcFields>,
    Cause.YieldableError & RetryableInfo
  >
}

/** What every JSON-RPC error class adds to its fields. */
export interface RetryableInfo {
  /** Whether retrying the call may succeed (an overloaded server); `Retry.retryOnOverload` reads it. */
  readonly isRetryable: boolean
}

/** JSON-RPC -32700: the server could not parse what it received. */
export class ParseError extends rpcError<ParseError>()("ParseError") {}

/** JSON-RPC -32600: the request was invalid (the app-server also uses this for unknown methods and bad params). */
export class InvalidRequestError extends rpcError<InvalidRequestError>()("InvalidRequestError") {}

/** JSON-RPC -32601: the method does not exist. */
export class MethodNotFoundError extends rpcError<MethodNotFoundError>()("MethodNotFoundError") {}

/** JSON-RPC -32602: the params were rejected by the server. */
export class InvalidParamsError extends rpcError<InvalidParamsError>()("InvalidParamsError") {}

/** JSON-RPC -32603: the server failed internally. */
export class InternalRpcError extends rpcError<InternalRpcError>()("InternalRpcError") {}

/**
 * The server is overloaded (code -32001 "Server overloaded; retry later.", or a server-error code
 * with a `serverOverloaded` marker in `data`). Safe to retry: see `Retry.retryOnOverload`.
 */
export class ServerBusyError extends rpcError<ServerBusyError>()("ServerBusyError", () => true) {}

/** The server reports that its own retries of an overloaded call ran out (a kind of `ServerBusyError`). */
export class RetryLimitExceededError extends rpcError<RetryLimitExceededError>()(
  "RetryLimitExceededError",
  () => true
) {}

/** The server is shutting down (-32600 with `data.reason: "serverShuttingDown"`): reconnect, then retry. */
export class ServerDrainingError extends rpcError<ServerDrainingError>()("ServerDrainingError") {}

/** Any other JSON-RPC error code (retryable when its `data` carries an overload marker). */
export class JsonRpcError extends rpcError<JsonRpcError>()("JsonRpcError", (e) => hasOverloadMarker(e.data)) {}

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

/**
 * A request's deadline passed (`method` and `requestId` name it) or the turn idle watchdog fired
 * (`turnId`). Not retried by `Retry.retryOnOverload`: the server may have run the request, and a
 * server that stays silent for a whole deadline is not overloaded (it answers -32001 at once when it
 * is) but stuck, so retrying would only multiply the wait. Retry it explicitly if the call is a read.
 */
export class TimeoutError extends Schema.TaggedError<TimeoutError>("@effect-codex/core/Errors/TimeoutError")(
  "TimeoutError",
  {
    message: Schema.String,
    method: Schema.optional(Schema.String),
    requestId: Schema.optional(Schema.Number),
    turnId: Schema.optional(Schema.String)
  }
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

/** Errors a request to the app-server can fail with (one union for signatures). */
export type RequestError =
  | RpcError
  | RetryLimitExceededError
  | TransportClosedError
  | ProtocolError
  | TimeoutError
  | InvalidOptionError

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
  | MissingCredentialsError

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
 * Whether an error is worth retrying: an error of this module whose `isRetryable` is true (an
 * overloaded server: `ServerBusyError`, `RetryLimitExceededError`, a `JsonRpcError` with an overload
 * marker). `retryOnOverload` retries exactly the errors this accepts.
 */
export const isRetryableError = (error: unknown): boolean =>
  Predicate.hasProperty(error, "_tag") && Predicate.hasProperty(error, "isRetryable") && error.isRetryable === true

/**
 * The app-server has no credentials for a provider that requires OpenAI auth (`account/read`
 * reports `requiresOpenaiAuth` and no account): a turn would only retry and fail. Returned by
 * `codex.requireCredentials`.
 */
export class MissingCredentialsError extends Schema.TaggedError<MissingCredentialsError>(
  "@effect-codex/core/Errors/MissingCredentialsError"
)("MissingCredentialsError", { message: Schema.String }) {}
