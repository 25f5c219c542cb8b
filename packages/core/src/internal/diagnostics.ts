/**
 * The client's diagnostics: lines it could not understand go to the `diagnostics` streams of its
 * subscribers and to the log — one warning each for the first `maxDiagnosticLogs`, then one summary
 * per `DIAGNOSTIC_LOG_EVERY` lines, so that a server gone mad cannot flood the log.
 *
 * @internal
 */
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import type * as Errors from "../Errors.ts"

/** After the first `maxDiagnosticLogs` warnings, one summary per this many undecodable lines. */
const DIAGNOSTIC_LOG_EVERY = 1000

/** The diagnostics of one client. */
export interface Diagnostics {
  /** Publishes one error to the subscribers and logs it (or counts it). */
  readonly diagnose: (error: Errors.ProtocolError) => Effect.Effect<void>
  /** Every error from the moment the stream starts; it ends when the client closes. */
  readonly stream: Stream.Stream<Errors.ProtocolError>
  /** Ends every subscriber's stream. */
  readonly close: () => void
}

/** Builds the diagnostics of one client. */
export const make = (maxDiagnosticLogs: number): Diagnostics => {
  const listeners = new Set<Queue.Queue<Errors.ProtocolError, Cause.Done>>()
  let diagnosed = 0

  const diagnose = (error: Errors.ProtocolError) =>
    Effect.suspend(() => {
      for (const q of listeners) Queue.offerUnsafe(q, error)
      diagnosed++
      if (diagnosed <= maxDiagnosticLogs) return Effect.logWarning(`effect-codex: ${error.message}`)
      if ((diagnosed - maxDiagnosticLogs) % DIAGNOSTIC_LOG_EVERY === 0) {
        return Effect.logWarning(
          `effect-codex: ${diagnosed} lines could not be understood so far (the last: ${error.message})`
        )
      }
      return Effect.void
    })

  const stream = Stream.callback<Errors.ProtocolError>((q) =>
    Effect.acquireRelease(
      Effect.sync(() => listeners.add(q)),
      () => Effect.sync(() => listeners.delete(q))
    )
  )

  const close = () => {
    for (const q of listeners) Queue.endUnsafe(q)
  }

  return { diagnose, stream, close }
}
