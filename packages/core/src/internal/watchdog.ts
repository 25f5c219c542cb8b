/**
 * The turn idle watchdog: when a turn stays silent too long (or its thread reports `idle` with no
 * `turn/completed`), ask the server what it knows through `thread/read` and end the stream with
 * that, or fail with `TimeoutError`. The `thread/read` has its own deadline, so a frozen server
 * cannot hang the watchdog.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as AppServerClient from "../AppServerClient.ts"
import * as Errors from "../Errors.ts"
import * as Notification from "../Notification.ts"
import type * as Turn from "../Turn.ts"

/**
 * The deadline of the watchdog's `thread/read`: the idle timeout itself, at least 5 s (a loaded
 * machine may answer slowly) and at most 30 s (a healthy server answers in milliseconds; a server
 * that has not answered in 30 s is not going to report the turn).
 */
export const readDeadline = (idleTimeout: Duration.Duration): Duration.Duration =>
  Duration.clamp(idleTimeout, { minimum: Duration.seconds(5), maximum: Duration.seconds(30) })

const isIdle = (threadId: string) => (n: Notification.Notification): boolean =>
  Notification.is("thread/status/changed")(n) && n.params.threadId === threadId &&
  n.params.status.type === "idle"

/**
 * Asks the server what it knows about a turn: `item/completed` for its items the stream has not
 * delivered yet (`seen` holds the ids it did), then a synthetic `turn/completed`; or a `TimeoutError`
 * when the server still reports the turn in progress or does not answer within `deadline`.
 */
const reconcile = (
  client: AppServerClient.Service,
  threadId: string,
  turnId: string,
  reason: string,
  seen: ReadonlySet<string>,
  deadline: Duration.Duration
) =>
  client.request("thread/read", { threadId, includeTurns: true }, { timeout: deadline }).pipe(
    Effect.mapError((error) =>
      error._tag === "TransportClosedError" ? error : new Errors.TimeoutError({
        message: `turn ${turnId} ${reason}, and thread/read failed: ${error.message}`,
        method: "thread/read",
        turnId
      })
    ),
    Effect.flatMap((response) => {
      const turn = response.thread.turns.find((t) => t.id === turnId)
      if (turn === undefined || turn.status === "inProgress") {
        return Effect.fail(
          new Errors.TimeoutError({ message: `turn ${turnId} ${reason} and the server reports it in progress`, turnId })
        )
      }
      const completedItems = turn.items.filter((item) => !seen.has(item.id)).map((item): Turn.TurnEvent => ({
        method: "item/completed",
        params: { item, threadId, turnId, completedAtMs: 0 }
      } as Turn.TurnEvent))
      const done: Turn.TurnEvent = { method: "turn/completed", params: { threadId, turn } } as Turn.TurnEvent
      return Effect.succeed([...completedItems, done])
    }),
    Effect.withSpan("Turn.reconcile")
  )

/** Adds the idle watchdog (an already validated `idleTimeout`) to a turn's events. */
export const watchdog = (
  client: AppServerClient.Service,
  threadId: string,
  turnId: string,
  idleTimeout: Duration.Duration
) =>
<E>(events: Stream.Stream<Turn.TurnEvent, E>): Stream.Stream<Turn.TurnEvent, E | Turn.StreamError> =>
  Stream.suspend(() => {
    const grace = Duration.min(idleTimeout, Duration.seconds(1))
    const deadline = readDeadline(idleTimeout)
    // ids of the items this run of the stream completed, so that a reconciliation does not repeat them
    const seen = new Set<string>()
    const recovered = (reason: string) =>
      Stream.unwrap(Effect.map(reconcile(client, threadId, turnId, reason, seen, deadline), Stream.fromIterable))
    const idle = client.notifications.pipe(
      Stream.filter(isIdle(threadId)),
      Stream.take(1),
      Stream.mapEffect(() => Effect.sleep(grace)),
      Stream.flatMap(() => recovered("reported idle without turn/completed"))
    )
    const silent = events.pipe(
      Stream.map((e) => {
        if (Notification.is("item/completed")(e) && e.params.turnId === turnId) {
          seen.add(e.params.item.id)
        }
        return e
      }),
      Stream.timeoutOrElse({
        duration: idleTimeout,
        orElse: () => recovered(`was silent for ${Duration.format(idleTimeout)}`)
      })
    )
    return Stream.merge(silent, idle, { haltStrategy: "either" }).pipe(
      Stream.takeUntil((e) => Notification.is("turn/completed")(e) && e.params.turn.id === turnId)
    )
  })
