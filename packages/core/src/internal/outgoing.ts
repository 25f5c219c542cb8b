/**
 * The client's writing side: notifications and our answers written as lines, requests sent
 * through the pending-request table with the caller's `traceparent`, typed requests encoded and
 * decoded with their method's schemas, each request under its `AppServerClient.request <method>`
 * span.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as AppServerClient from "../AppServerClient.ts"
import type * as Errors from "../Errors.ts"
import type * as Protocol from "../generated/Protocol.ts"
import * as Codec from "./codec.ts"
import type * as PendingRequests from "./pendingRequests.ts"

const traceparent = Effect.map(Effect.option(Effect.currentSpan), (span) => {
  if (Option.isNone(span)) return undefined
  const { spanId, traceId, sampled } = span.value
  if (!/^[0-9a-f]{32}$/.test(traceId) || !/^[0-9a-f]{16}$/.test(spanId)) return undefined
  return `00-${traceId}-${spanId}-${sampled ? "01" : "00"}`
})

/**
 * Span options of the client's own spans: no stack trace capture (it costs an `Error` per request,
 * and the frame it records would be this module, not the caller).
 */
export const traceOptions = { captureStackTrace: false } as const

/** What the writing side needs from its client. */
export interface Options {
  /** Writes one line to the server. */
  readonly send: (line: string) => Effect.Effect<void, Errors.TransportClosedError>
  readonly pending: PendingRequests.PendingRequests
  /** Why the connection closed, once it has (writes then fail with it). */
  readonly closed: () => Errors.TransportClosedError | undefined
}

/** The writing side of one client. */
export interface Outgoing {
  /** Writes a message (a notification, or our answer to a server request). */
  readonly write: (message: object) => Effect.Effect<void, Errors.TransportClosedError | Errors.InvalidOptionError>
  /** Sends a request whose params are already encoded, and waits for its raw result. */
  readonly call: (
    method: string,
    params: unknown,
    options: AppServerClient.RequestOptions | undefined,
    beforeSend?: () => void
  ) => Effect.Effect<unknown, AppServerClient.RequestError>
  /** A typed request without its span (`beforeSend` runs right before the write). */
  readonly requestWith: <M extends Protocol.ClientRequestMethod>(
    method: M,
    params: Protocol.ClientRequestParams<M>,
    options: AppServerClient.RequestOptions | undefined,
    beforeSend?: () => void
  ) => Effect.Effect<Protocol.ClientRequestResult<M>, AppServerClient.RequestError>
  readonly request: AppServerClient.Service["request"]
  readonly requestUnknown: AppServerClient.Service["requestUnknown"]
  readonly notify: AppServerClient.Service["notify"]
}

/** Builds the writing side of a client. */
export const make = (options: Options): Outgoing => {
  const { pending, send } = options

  const write = (message: object): Effect.Effect<void, Errors.TransportClosedError | Errors.InvalidOptionError> => {
    const closed = options.closed()
    if (closed) return Effect.fail(closed)
    const line = Codec.serialize(message)
    return typeof line === "string" ? send(line) : Effect.fail(line)
  }

  const call = (
    method: string,
    params: unknown,
    requestOptions: AppServerClient.RequestOptions | undefined,
    beforeSend?: () => void
  ) =>
    Effect.flatMap(traceparent, (trace) =>
      pending.call(method, params, {
        timeout: requestOptions?.timeout,
        traceparent: trace,
        beforeSend
      }))

  const requestWith = <M extends Protocol.ClientRequestMethod>(
    method: M,
    params: Protocol.ClientRequestParams<M>,
    requestOptions: AppServerClient.RequestOptions | undefined,
    beforeSend?: () => void
  ): Effect.Effect<Protocol.ClientRequestResult<M>, AppServerClient.RequestError> =>
    Codec.encodeParams(method, params).pipe(
      Effect.flatMap((encoded) => call(method, encoded, requestOptions, beforeSend)),
      Effect.flatMap((result) => Codec.decodeResult(method, result))
    ) as Effect.Effect<Protocol.ClientRequestResult<M>, AppServerClient.RequestError>

  const request = <M extends Protocol.ClientRequestMethod>(
    method: M,
    params: Protocol.ClientRequestParams<M>,
    requestOptions?: AppServerClient.RequestOptions
  ) =>
    requestWith(method, params, requestOptions).pipe(
      Effect.withSpan(`AppServerClient.request ${method}`, undefined, traceOptions)
    )

  const requestUnknown = (method: string, params: unknown, requestOptions?: AppServerClient.RequestOptions) =>
    call(method, params, requestOptions).pipe(
      Effect.withSpan(`AppServerClient.request ${method}`, undefined, traceOptions)
    )

  const notify = (method: string, params?: unknown) => write(params === undefined ? { method } : { method, params })

  return { write, call, requestWith, request, requestUnknown, notify }
}
