/**
 * Deadlines of cluster calls: a cluster with no runner left keeps a message waiting silently, so
 * every call the client makes is bounded, and the cluster's own refusals become the same typed
 * error, naming the thread key.
 *
 * @internal
 */
import * as Errors from "@effect-codex/core/Errors"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as ClusterErrors from "../ClusterErrors.ts"

/** The tags of the errors a cluster client adds to an entity's own. */
const clusterTags = new Set([
  "MailboxFull",
  "AlreadyProcessingMessage",
  "PersistenceError",
  "EntityNotAssignedToRunner"
])

/** The cluster's refusals of a message. */
type Refusal = {
  readonly _tag: "MailboxFull" | "AlreadyProcessingMessage" | "PersistenceError" | "EntityNotAssignedToRunner"
}

const isRefusal = (error: unknown): error is Refusal =>
  typeof error === "object" && error !== null && clusterTags.has((error as { readonly _tag?: unknown })._tag as string)

const refused = (threadKey: string, operation: string) => (error: unknown) =>
  isRefusal(error)
    ? new ClusterErrors.ClusterUnavailableError({
      threadKey,
      operation,
      reason: error._tag,
      message: `the cluster refused ${operation} on thread ${threadKey}: ${error._tag}`
    })
    : error

const unavailable = (threadKey: string, operation: string, timeout: Duration.Duration) =>
  new ClusterErrors.ClusterUnavailableError({
    threadKey,
    operation,
    message: `no runner answered ${operation} on thread ${threadKey} within ${Duration.format(timeout)}`
  })

/** A control call: the cluster's refusals typed, a deadline. */
export const call = <A, E>(
  effect: Effect.Effect<A, E>,
  options: { readonly threadKey: string; readonly operation: string; readonly timeout: Duration.Duration }
): Effect.Effect<A, Exclude<E, Refusal> | ClusterErrors.ClusterUnavailableError> =>
  effect.pipe(
    Effect.mapError(refused(options.threadKey, options.operation)),
    Effect.timeoutOrElse({
      duration: options.timeout,
      orElse: () => Effect.fail(unavailable(options.threadKey, options.operation, options.timeout))
    })
  ) as Effect.Effect<A, Exclude<E, Refusal> | ClusterErrors.ClusterUnavailableError>

/**
 * A turn's stream: the first chunk within `startTimeout` (else `ClusterUnavailableError`), the
 * whole stream within `timeout` (else core's `TimeoutError`); the cluster's refusals typed.
 */
export const stream = <A, E>(
  self: Stream.Stream<A, E>,
  options: {
    readonly threadKey: string
    readonly turnKey: string
    readonly startTimeout: Duration.Duration
    readonly timeout: Duration.Duration
  }
): Stream.Stream<A, Exclude<E, Refusal> | ClusterErrors.ClusterUnavailableError | Errors.TimeoutError> =>
  Stream.suspend(() => {
    let started = false
    const noStart = Effect.sleep(options.startTimeout).pipe(
      Effect.andThen(
        Effect.suspend(() =>
          started ? Effect.never : Effect.fail(unavailable(options.threadKey, "turn", options.startTimeout))
        )
      )
    )
    const tooLong = Effect.sleep(options.timeout).pipe(
      Effect.andThen(Effect.fail(
        new Errors.TimeoutError({
          message: `turn ${options.turnKey} on thread ${options.threadKey} did not complete within ${
            Duration.format(options.timeout)
          }`
        })
      ))
    )
    return self.pipe(
      Stream.mapError(refused(options.threadKey, "turn")),
      Stream.tap(() =>
        Effect.sync(() => {
          started = true
        })
      ),
      Stream.interruptWhen(Effect.raceFirst(noStart, tooLong))
    )
  }) as Stream.Stream<A, Exclude<E, Refusal> | ClusterErrors.ClusterUnavailableError | Errors.TimeoutError>
