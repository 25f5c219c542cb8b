/**
 * Validation of what the cluster client is given (thread keys, idempotency keys, durations) and
 * the wire payload of a turn, checked before anything is sent.
 *
 * @internal
 */
import * as Errors from "@effect-codex/core/Errors"
import * as Inputs from "@effect-codex/core/Inputs"
import * as Thread from "@effect-codex/core/Thread"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as CodexCluster from "../CodexCluster.ts"
import type * as CodexThread from "../CodexThread.ts"

/** A non-empty string option (not blank). */
export const nonEmpty = (option: string, value: unknown) =>
  typeof value === "string" && value.trim() !== ""
    ? Effect.succeed(value)
    : Effect.fail(new Errors.InvalidOptionError({ option, message: `${option} must be a non-empty string` }))

/** The object without its `undefined` fields: messages are JSON, which has no `undefined`. */
export const omitUndefined = <A extends object>(value: A): A =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as A

/** A positive duration option in milliseconds; `undefined` stays `undefined`. */
export const millis = (option: string, input: Duration.Input | undefined) => {
  if (input === undefined) return Effect.succeed(undefined)
  const duration = Duration.fromInput(input)
  return duration._tag === "Some" && Duration.isGreaterThan(duration.value, Duration.zero)
    ? Effect.succeed(Duration.toMillis(duration.value))
    : Effect.fail(new Errors.InvalidOptionError({ option, message: `${option} must be a positive duration` }))
}

/** Checks a turn's input and options and makes its wire payload; nothing is sent. */
export const turnPayload = Effect.fnUntraced(function*(
  input: Inputs.RunInput,
  options: CodexCluster.TurnOptions,
  start: CodexCluster.ThreadOptions,
  events: boolean
) {
  const { idempotencyKey, idleTimeout, outputSchema, timeout: _, ...rest } = options
  const key = idempotencyKey === undefined ? crypto.randomUUID() : yield* nonEmpty("idempotencyKey", idempotencyKey)
  yield* Inputs.toWire(input)
  const wireOptions: CodexThread.WireTurnOptions = omitUndefined({
    ...rest,
    idleTimeoutMillis: yield* millis("idleTimeout", idleTimeout),
    outputSchema: outputSchema === undefined ? undefined : Thread.outputJsonSchema(outputSchema)
  })
  return { key, input, options: wireOptions, start, events }
})
