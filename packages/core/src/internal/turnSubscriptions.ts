/**
 * Turn subscriptions on top of the `TurnRouter`: `subscribe` for a turn already known, and `start`
 * for a `turn/start` in flight — the router buffers the thread's events from the moment the
 * request is written until the reply names the turn, and the new subscription receives them, so
 * no event is lost.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import type { TurnSubscription } from "../AppServerClient.ts"
import type * as Schemas from "../generated/Schemas.ts"
import * as NotificationHub from "./notificationHub.ts"
import type * as TurnRouter from "./turnRouter.ts"

/** The turn subscriptions of one client. */
export interface TurnSubscriptions {
  /** Subscribes to the events of a turn from now on. */
  readonly subscribe: (turnId: string) => Effect.Effect<TurnSubscription>
  /**
   * Runs `send` (the `turn/start` request), which must call `beforeSend` just before the write,
   * and subscribes to the turn its reply names, with the events that came before the reply.
   * `onSend` (if any) runs at the write, after the router started buffering.
   */
  readonly start: <E>(
    threadId: string,
    onSend: (() => void) | undefined,
    send: (beforeSend: () => void) => Effect.Effect<{ readonly turn: Schemas.Turn }, E>
  ) => Effect.Effect<{ readonly turn: Schemas.Turn; readonly subscription: TurnSubscription }, E>
}

/** Builds the turn subscriptions on a router. */
export const make = (router: TurnRouter.TurnRouter): TurnSubscriptions => {
  const subscription = (turnId: string, q: TurnRouter.Subscriber): TurnSubscription => {
    const close = Effect.sync(() => {
      router.detach(turnId, q)
      Queue.endUnsafe(q)
    })
    return { turnId, events: Stream.fromQueue(q).pipe(Stream.ensuring(close)), close }
  }

  const subscribe = (turnId: string) =>
    Effect.flatMap(NotificationHub.newSubscriber(), (q) =>
      Effect.sync(() => {
        router.attach(turnId, q, false)
        return subscription(turnId, q)
      }))

  const start = <E>(
    threadId: string,
    onSend: (() => void) | undefined,
    send: (beforeSend: () => void) => Effect.Effect<{ readonly turn: Schemas.Turn }, E>
  ) =>
    Effect.gen(function*() {
      const q = yield* NotificationHub.newSubscriber()
      let marked = false
      const unmark = Effect.sync(() => {
        if (!marked) return
        marked = false
        router.endStart(threadId)
      })
      const response = yield* send(() => {
        marked = true
        router.beginStart(threadId)
        onSend?.()
      }).pipe(Effect.onError(() => unmark))
      router.attach(response.turn.id, q, true, threadId)
      yield* unmark
      return { turn: response.turn, subscription: subscription(response.turn.id, q) }
    })

  return { subscribe, start }
}
