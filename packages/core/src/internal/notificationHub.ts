/**
 * The subscribers of every notification (`AppServerClient.subscribe` / `notifications`): each has
 * an unbounded queue, fed synchronously on the reading fiber, failed when the connection closes.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Errors from "../Errors.ts"
import type { Notification } from "../Notification.ts"
import type * as TurnRouter from "./turnRouter.ts"

/** The notification subscribers of one client. */
export interface NotificationHub {
  /** Subscribes now; the subscription lives as long as the scope. */
  readonly subscribe: Effect.Effect<Stream.Stream<Notification, Errors.TransportClosedError>, never, Scope.Scope>
  /** Hands one notification to every subscriber (nothing to do when there is none). */
  readonly publish: (notification: Notification) => void
  /** Fails every subscriber, and every later one, with `error`. */
  readonly fail: (error: Errors.TransportClosedError) => void
}

/** A new subscriber queue (the same kind the turn router feeds). */
export const newSubscriber = (): Effect.Effect<TurnRouter.Subscriber> =>
  Queue.unbounded<Notification, Errors.TransportClosedError | Cause.Done>()

/** Builds the hub of one client. */
export const make = (): NotificationHub => {
  const listeners = new Set<TurnRouter.Subscriber>()
  let closed: Errors.TransportClosedError | undefined

  const subscribe = Effect.gen(function*() {
    const q = yield* newSubscriber()
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        if (closed) Queue.failCauseUnsafe(q, Cause.fail(closed))
        else listeners.add(q)
      }),
      () => Effect.sync(() => listeners.delete(q))
    )
    return Stream.fromQueue(q)
  })

  const publish = (notification: Notification) => {
    if (listeners.size > 0) { for (const q of listeners) Queue.offerUnsafe(q, notification) }
  }

  const fail = (error: Errors.TransportClosedError) => {
    closed = error
    for (const q of listeners) Queue.failCauseUnsafe(q, Cause.fail(error))
    listeners.clear()
  }

  return { subscribe, publish, fail }
}
