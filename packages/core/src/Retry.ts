/**
 * Retrying calls that failed because the app-server was overloaded.
 *
 * The policy is the one of the Python SDK's `retry_on_overload`: exponential backoff from
 * 250 ms, doubling, capped at 2 s, with ±20 % jitter, and 3 attempts in all. Only errors accepted
 * by {@link isRetryableError} are retried (the errors whose `isRetryable` is true); when the attempts
 * run out, the last error surfaces unchanged.
 *
 * A `TimeoutError` is not retried, even for an idempotent read such as `thread/read`, `thread/list`
 * or `model/list`: an overloaded server says so at once (-32001), so a server that stays silent for
 * a whole request deadline is stuck or gone, and retrying would multiply the wait by `maxAttempts`
 * for nothing. Retry a read on timeout explicitly when that is what you want:
 * `Effect.retry({ times: 1, while: (e) => e._tag === "TimeoutError" })`.
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import * as Retry from "@effect-codex/core/Retry"
 *
 * const program = thread.run("Summarize the diff.").pipe(Retry.retryOnOverload({ maxAttempts: 5 }))
 * ```
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import { InvalidOptionError, isRetryableError } from "./Errors.ts"

/**
 * Whether an error is worth retrying (an overloaded server). Re-exported from `Errors`;
 * {@link retryOnOverload} retries exactly the errors this accepts.
 *
 * @example
 * ```ts
 * Retry.isRetryableError(new Errors.ServerBusyError({ code: -32001, message: "Server overloaded; retry later." })) // true
 * ```
 */
export { isRetryableError }

/**
 * Options of {@link overloadSchedule} and {@link retryOnOverload}. Every field is optional.
 *
 * - `maxAttempts`: calls in all, the first one included (default 3, so at most 2 retries).
 * - `initialDelay`: the delay before the first retry (default 250 ms).
 * - `maxDelay`: the cap of the un-jittered delay (default 2 s).
 * - `factor`: the growth of the delay from one retry to the next (default 2).
 * - `jitter`: a ratio; each delay moves by a uniform random amount in ±`jitter` × delay (default 0.2).
 *
 * @example
 * ```ts
 * const options: Retry.OverloadRetryOptions = { maxAttempts: 5, initialDelay: "100 millis", jitter: 0 }
 * ```
 */
export interface OverloadRetryOptions {
  readonly maxAttempts?: number | undefined
  readonly initialDelay?: Duration.Input | undefined
  readonly maxDelay?: Duration.Input | undefined
  readonly factor?: number | undefined
  readonly jitter?: number | undefined
}

/**
 * The defaults of {@link OverloadRetryOptions} (the Python SDK's defaults).
 *
 * @example
 * ```ts
 * Retry.defaults.maxAttempts // 3
 * ```
 */
export const defaults: {
  readonly maxAttempts: number
  readonly initialDelay: Duration.Duration
  readonly maxDelay: Duration.Duration
  readonly factor: number
  readonly jitter: number
} = {
  maxAttempts: 3,
  initialDelay: Duration.millis(250),
  maxDelay: Duration.seconds(2),
  factor: 2,
  jitter: 0.2
}

interface Resolved {
  readonly maxAttempts: number
  readonly initialDelayMillis: number
  readonly maxDelayMillis: number
  readonly factor: number
  readonly jitter: number
}

const nonNegative = (n: number): number => (n > 0 ? n : 0)

const durationMillis = (input: Duration.Input | undefined, fallback: Duration.Duration): number =>
  input === undefined
    ? Duration.toMillis(fallback)
    : Option.match(Duration.fromInput(input), {
      onNone: () => Duration.toMillis(fallback),
      onSome: (d) => nonNegative(Duration.toMillis(d))
    })

/** Lenient resolution: garbage is clamped into range (strict checks live in `validate`). */
const resolve = (options: OverloadRetryOptions | undefined): Resolved => {
  const maxAttempts = options?.maxAttempts ?? defaults.maxAttempts
  const factor = options?.factor ?? defaults.factor
  const jitter = options?.jitter ?? defaults.jitter
  return {
    maxAttempts: Number.isNaN(maxAttempts) ? defaults.maxAttempts : Math.max(1, Math.floor(maxAttempts)),
    initialDelayMillis: durationMillis(options?.initialDelay, defaults.initialDelay),
    maxDelayMillis: durationMillis(options?.maxDelay, defaults.maxDelay),
    factor: Number.isFinite(factor) ? nonNegative(factor) : defaults.factor,
    jitter: Number.isFinite(jitter) ? Math.min(1, nonNegative(jitter)) : defaults.jitter
  }
}

const invalid = (option: string, message: string) => Effect.fail(new InvalidOptionError({ option, message }))

/** Strict validation, mirroring the Python SDK's `ValueError("max_attempts must be >= 1")`. */
const validate = Effect.fnUntraced(function*(options: OverloadRetryOptions | undefined) {
  const maxAttempts = options?.maxAttempts
  if (maxAttempts !== undefined) {
    if (!(maxAttempts >= 1)) return yield* invalid("maxAttempts", `maxAttempts must be >= 1 (got ${maxAttempts})`)
    if (!Number.isInteger(maxAttempts)) {
      return yield* invalid("maxAttempts", `maxAttempts must be an integer (got ${maxAttempts})`)
    }
  }
  for (const option of ["initialDelay", "maxDelay"] as const) {
    const input = options?.[option]
    if (input === undefined) continue
    const duration = Duration.fromInput(input)
    if (
      Option.isNone(duration) || Duration.isNegative(duration.value) ||
      (option === "initialDelay" && !Duration.isFinite(duration.value))
    ) {
      return yield* invalid(
        option,
        `${option} must be a ${option === "initialDelay" ? "finite, " : ""}non-negative duration (got ${String(input)})`
      )
    }
  }
  const factor = options?.factor
  if (factor !== undefined && !(Number.isFinite(factor) && factor >= 1)) {
    return yield* invalid("factor", `factor must be a finite number >= 1 (got ${factor})`)
  }
  const jitter = options?.jitter
  if (jitter !== undefined && !(jitter >= 0 && jitter <= 1)) {
    return yield* invalid("jitter", `jitter must be a ratio between 0 and 1 (got ${jitter})`)
  }
})

/**
 * The backoff of {@link retryOnOverload} as a `Schedule`, for use with `Effect.retry`,
 * `Stream.retry` and friends. The n-th retry (n = 0, 1, …) waits
 * `min(maxDelay, initialDelay × factor^n)` moved by a uniform random amount within ±`jitter` of
 * that value (never below 0); it recurs `maxAttempts - 1` times. Randomness comes from the
 * `effect/Random` service, so tests can seed or replace it.
 *
 * This constructor does not fail: out-of-range values are clamped (`maxAttempts` to at least 1,
 * negative delays to 0, `jitter` to 0..1). {@link retryOnOverload} rejects them instead.
 *
 * @example
 * ```ts
 * const program = request.pipe(
 *   Effect.retry({ schedule: Retry.overloadSchedule({ maxAttempts: 4 }), while: Retry.isRetryableError })
 * )
 * ```
 */
export const overloadSchedule = (options?: OverloadRetryOptions): Schedule.Schedule<Duration.Duration> => {
  const { factor, initialDelayMillis, jitter, maxAttempts, maxDelayMillis } = resolve(options)
  return Schedule.exponential(Duration.millis(initialDelayMillis), factor).pipe(
    Schedule.modifyDelay(({ duration }) => {
      const base = Math.min(maxDelayMillis, Duration.toMillis(duration))
      if (jitter === 0) return Effect.succeed(Duration.millis(base))
      const spread = base * jitter
      return Effect.map(
        Random.next,
        (r) => Duration.millis(nonNegative(base - spread + 2 * spread * r))
      )
    }),
    Schedule.upTo({ times: maxAttempts - 1 })
  )
}

const retryOnOverloadImpl = Effect.fn("Retry.retryOnOverload")(
  function*<A, E, R>(self: Effect.Effect<A, E, R>, options?: OverloadRetryOptions) {
    yield* validate(options)
    return yield* Effect.retry(self, { schedule: overloadSchedule(options), while: isRetryableError })
  }
)

/**
 * Retries an effect while it fails with an overload error ({@link isRetryableError}), with the
 * backoff of {@link overloadSchedule}. Other errors surface at once; when the attempts run out,
 * the last error surfaces unchanged. Invalid options (for example `maxAttempts < 1`) fail with
 * `InvalidOptionError` naming the option, without running the effect.
 *
 * @example
 * ```ts
 * // pipeable
 * const a = thread.run("hello").pipe(Retry.retryOnOverload())
 * // data-first
 * const b = Retry.retryOnOverload(thread.run("hello"), { maxAttempts: 5, jitter: 0 })
 * ```
 */
export const retryOnOverload: {
  (
    options?: OverloadRetryOptions
  ): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | InvalidOptionError, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, options?: OverloadRetryOptions): Effect.Effect<A, E | InvalidOptionError, R>
} = dual(
  (args) => Effect.isEffect(args[0]),
  <A, E, R>(self: Effect.Effect<A, E, R>, options?: OverloadRetryOptions): Effect.Effect<
    A,
    E | InvalidOptionError,
    R
  > => retryOnOverloadImpl(self, options)
)
