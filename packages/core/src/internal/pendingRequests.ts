/**
 * Client → server requests: ids, correlation of responses, the in-flight window and deadlines.
 *
 * **The window.** At most `maxInFlight` requests are outstanding (written, no response yet); the
 * others wait in a FIFO queue (`fifoGate.ts`, shared with the admission of turn starts) and are written in order of arrival as slots free up. Only requests
 * pass through the window: notifications, and the client's replies to server → client requests,
 * are written directly (a turn's approval must never wait behind a burst of reads).
 *
 * **The deadline** of a request starts when it is written, not when it is queued: it bounds how
 * long the server takes to answer, which is what a lost reply or a frozen server breaks. Queued
 * time is still bounded, since every slot ahead frees within one deadline (queue position ÷
 * `maxInFlight` deadlines at most). A request whose deadline passes fails with `TimeoutError`
 * (method and request id), frees its slot at once, and a reply that arrives later is dropped
 * (debug log).
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Errors from "../Errors.ts"
import * as Codec from "./codec.ts"
import * as FifoGate from "./fifoGate.ts"

/** Options of the table. */
export interface Options {
  /** Writes one line to the server. */
  readonly send: (line: string) => Effect.Effect<void, Errors.TransportClosedError>
  /** The in-flight window (a positive integer, or `Infinity` for none). */
  readonly maxInFlight: number
  /** The default deadline of a request (`Duration.infinity`: none). */
  readonly timeout: Duration.Duration
}

/** Options of one call. */
export interface CallOptions {
  /** The deadline of this call (overrides the default). */
  readonly timeout?: Duration.Input | undefined
  /** The W3C `traceparent` to send with the request. */
  readonly traceparent?: string | undefined
  /** Runs synchronously right before the request is written (after its slot is granted). */
  readonly beforeSend?: (() => void) | undefined
}

/** The pending-request table of one connection. */
export interface PendingRequests {
  /** Sends a request (params already encoded) and waits for its result. */
  readonly call: (
    method: string,
    params: unknown,
    options?: CallOptions
  ) => Effect.Effect<unknown, Errors.RequestError>
  /** Completes the request a response message answers; returns an effect still to run (a debug log), if any. */
  readonly onResponse: (message: Readonly<Record<string, unknown>>) => Effect.Effect<void> | undefined
  /** Fails every in-flight and queued request at once; later calls fail at once too. */
  readonly failAll: (error: Errors.TransportClosedError) => void
  /** Requests written and not answered yet. */
  readonly inFlight: () => number
  /** Requests waiting for a slot. */
  readonly queued: () => number
}

interface Entry {
  readonly method: string
  readonly resume: (effect: Effect.Effect<unknown, Errors.RequestError>) => void
}

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Resolves a timeout option: the duration, or an `InvalidOptionError`. */
export const resolveTimeout = (
  option: string,
  input: Duration.Input
): Effect.Effect<Duration.Duration, Errors.InvalidOptionError> => {
  const duration = Duration.fromInput(input)
  return duration._tag === "Some" && !Duration.isNegative(duration.value) && !Duration.isZero(duration.value)
    ? Effect.succeed(duration.value)
    : Effect.fail(
      new Errors.InvalidOptionError({
        option,
        message: `${option} must be a positive duration or Duration.infinity (got ${String(input)})`
      })
    )
}

/** Builds the table of one connection. */
export const make = (options: Options): PendingRequests => {
  const { maxInFlight, send } = options
  let nextId = 1
  let closed: Errors.TransportClosedError | undefined
  const pending = new Map<number, Entry>()
  const window = FifoGate.make<Errors.TransportClosedError>(maxInFlight)
  const release = () => window.release()

  const timeoutError = (method: string, id: number, timeout: Duration.Duration) =>
    new Errors.TimeoutError({
      message: `no response to ${method} (request ${id}) within ${Duration.format(timeout)}`,
      method,
      requestId: id
    })

  /** Writes the request and waits for its response, within the deadline. */
  const sendAndAwait = (
    method: string,
    params: unknown,
    timeout: Duration.Duration,
    callOptions: CallOptions | undefined
  ): Effect.Effect<unknown, Errors.RequestError> =>
    Effect.suspend(() => {
      if (closed) return Effect.fail(closed)
      const id = nextId++
      const trace = callOptions?.traceparent
      const message = {
        id,
        method,
        ...(params === undefined ? {} : { params }),
        ...(trace ? { trace: { traceparent: trace } } : {})
      }
      const line = Codec.serialize(message)
      if (typeof line !== "string") return Effect.fail(line)
      const wait = Effect.callback<unknown, Errors.RequestError>((resume) => {
        pending.set(id, { method, resume })
        return Effect.sync(() => {
          pending.delete(id)
        })
      })
      callOptions?.beforeSend?.()
      const written = Effect.flatMap(send(line), () => wait)
      return Duration.isFinite(timeout)
        ? Effect.timeoutOrElse(written, {
          duration: timeout,
          orElse: () => Effect.fail(timeoutError(method, id, timeout))
        })
        : written
    })

  const call = (method: string, params: unknown, callOptions?: CallOptions) => {
    const timeoutInput = callOptions?.timeout
    const run = (timeout: Duration.Duration) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(
          window.take(restore),
          () => Effect.onExit(restore(sendAndAwait(method, params, timeout, callOptions)), () => Effect.sync(release))
        )
      )
    return timeoutInput === undefined
      ? run(options.timeout)
      : Effect.flatMap(resolveTimeout("timeout", timeoutInput), run)
  }

  const onResponse = (message: Readonly<Record<string, unknown>>): Effect.Effect<void> | undefined => {
    const id = message.id
    const entry = typeof id === "number" ? pending.get(id) : undefined
    if (entry === undefined) {
      return Effect.logDebug(
        `effect-codex: dropped a response for unknown id ${
          JSON.stringify(id)
        } (its request timed out or was interrupted)`
      )
    }
    pending.delete(id as number)
    const { method, resume } = entry
    const error = message.error
    if (error === undefined) resume(Effect.succeed(message.result))
    else if (isObject(error)) {
      const code = typeof error.code === "number" ? error.code : -32000
      const text = typeof error.message === "string" ? error.message : "unknown"
      resume(Effect.fail(Errors.fromRpcError({ code, message: text, data: error.data }, method)))
    } else {
      resume(Effect.fail(new Errors.ProtocolError({ message: "Malformed JSON-RPC error response", method })))
    }
    return undefined
  }

  const failAll = (error: Errors.TransportClosedError) => {
    if (closed) return
    closed = error
    const entries = Array.from(pending.values())
    pending.clear()
    for (const entry of entries) entry.resume(Effect.fail(error))
    window.close(error)
  }

  return { call, onResponse, failAll, inFlight: window.taken, queued: window.queued }
}
