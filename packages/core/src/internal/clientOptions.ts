/**
 * Resolution of the client's numeric options: a default when absent, an `InvalidOptionError`
 * naming the option when out of range.
 *
 * @internal
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Errors from "../Errors.ts"
import * as PendingRequests from "./pendingRequests.ts"

/** A limit: an integer >= 1, or `Infinity` (no limit). */
export const limit = (
  option: string,
  value: number | undefined,
  fallback: number
): Effect.Effect<number, Errors.InvalidOptionError> => {
  const n = value ?? fallback
  return n === Infinity || (Number.isInteger(n) && n >= 1)
    ? Effect.succeed(n)
    : Effect.fail(
      new Errors.InvalidOptionError({ option, message: `${option} must be an integer >= 1 or Infinity (got ${n})` })
    )
}

/** A timeout: a valid duration (`Duration.infinity` waits for ever). */
export const timeout = (
  option: string,
  value: Duration.Input | undefined,
  fallback: Duration.Duration
): Effect.Effect<Duration.Duration, Errors.InvalidOptionError> =>
  value === undefined ? Effect.succeed(fallback) : PendingRequests.resolveTimeout(option, value)
