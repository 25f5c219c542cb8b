/**
 * Collecting a turn's events into its result, and the `TurnHandle` built on a started turn —
 * including what happens when its consumer gives up: the turn is interrupted on the server too.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as AppServerClient from "../AppServerClient.ts"
import * as Errors from "../Errors.ts"
import type * as Schemas from "../generated/Schemas.ts"
import * as Inputs from "../Inputs.ts"
import * as Notification from "../Notification.ts"
import type * as Turn from "../Turn.ts"
import * as Watchdog from "./watchdog.ts"

/**
 * Picks the final response from completed items: walking backwards, the first agent message with
 * phase `final_answer` wins; otherwise the last phase-less one. Commentary is never used; an empty
 * string is kept.
 */
export const finalResponse = (items: ReadonlyArray<Schemas.ThreadItem>): string | null => {
  let phaseless: string | undefined
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!
    if (item.type !== "agentMessage") continue
    const { phase, text } = item as { readonly phase?: string | null; readonly text: string }
    if (phase === "final_answer") return text
    if ((phase === null || phase === undefined) && phaseless === undefined) phaseless = text
  }
  return phaseless ?? null
}

/**
 * What a turn's events say so far: completed items (once each, in order), the last usage, and the
 * completed turn. A handle keeps one, fed by every run of its stream, so that `run` after a
 * consumed `stream` still has the whole result.
 */
export interface Collector {
  readonly items: Map<string, Schemas.ThreadItem>
  usage: Schemas.ThreadTokenUsage | null
  completed: Schemas.Turn | undefined
  /**
   * The last `additionalDetails` of the turn's `error` notifications: while the server retries
   * (`willRetry`, "Reconnecting... n/m") they carry the cause (e.g. "unexpected status 401
   * Unauthorized: …"), which the final error of the failed turn may leave out.
   */
  errorDetails: string | null
}

/** A fresh, empty `Collector`. */
export const makeCollector = (): Collector => ({
  items: new Map(),
  usage: null,
  completed: undefined,
  errorDetails: null
})

/** Folds one event of turn `turnId` into a collector. */
export const observe = (collector: Collector, turnId: string, event: Turn.TurnEvent): void => {
  if (Notification.isUnknown(event)) return
  switch (event.method) {
    case "item/completed":
      if (event.params.turnId === turnId) collector.items.set(event.params.item.id, event.params.item)
      break
    case "thread/tokenUsage/updated":
      if (event.params.turnId === turnId) collector.usage = event.params.tokenUsage
      break
    case "turn/completed":
      if (event.params.turn.id === turnId) collector.completed = event.params.turn
      break
    case "error":
      if (event.params.turnId === turnId && event.params.error.additionalDetails) {
        collector.errorDetails = event.params.error.additionalDetails
      }
      break
  }
}

/**
 * The result a collector holds: a `TurnResult`, `TurnFailedError` for a failed turn (its
 * `additionalDetails` filled from the turn's retry errors when the final error has none), or
 * `ProtocolError` if it never completed.
 */
export const toResult = (
  collector: Collector,
  threadId: string,
  turnId: string
): Effect.Effect<Turn.TurnResult, Errors.ProtocolError | Errors.TurnFailedError> => {
  const turn = collector.completed
  if (turn === undefined) {
    return Effect.fail(new Errors.ProtocolError({ message: "turn completed event not received" }))
  }
  if (turn.status === "failed") {
    return Effect.fail(
      new Errors.TurnFailedError({
        threadId,
        turnId,
        turnError: turn.error
          ? {
            message: turn.error.message || "turn failed with status failed",
            codexErrorInfo: turn.error.codexErrorInfo,
            additionalDetails: turn.error.additionalDetails || collector.errorDetails
          }
          : {
            message: "turn failed with status failed",
            ...(collector.errorDetails === null ? {} : { additionalDetails: collector.errorDetails })
          }
      })
    )
  }
  return Effect.succeed(resultOf(turn, [...collector.items.values()], collector.usage))
}

/** A `TurnResult` from a turn's fields, its items and its usage. */
export const resultOf = (
  turn: Schemas.Turn,
  items: ReadonlyArray<Schemas.ThreadItem>,
  usage: Schemas.ThreadTokenUsage | null
): Turn.TurnResult => ({
  id: turn.id,
  status: turn.status,
  error: turn.error ?? null,
  startedAt: turn.startedAt ?? null,
  completedAt: turn.completedAt ?? null,
  durationMs: turn.durationMs ?? null,
  finalResponse: finalResponse(items),
  items,
  usage
})

/** How long a consumer that gives up waits for the server to confirm the interrupt (`turn/completed`). */
export const interruptGrace = "2 seconds"

const isCompletedOf = (turnId: string) => (e: Turn.TurnEvent): boolean =>
  Notification.is("turn/completed")(e) && e.params.turn.id === turnId

/**
 * Whether the server refused an interrupt because the turn is not active (yet): right after the
 * `turn/start` reply the server may not have registered the turn.
 */
const notActiveYet = (error: AppServerClient.RequestError): boolean =>
  error._tag === "InvalidRequestError" && error.message.includes("no active turn")

/**
 * Interrupts a turn on the server and waits (at most {@link interruptGrace}) for its
 * `turn/completed`. An interrupt sent before the server registered the turn ("no active turn to
 * interrupt") is sent again every 25 ms until the turn completes. Uninterruptible and infallible:
 * on a closed transport the request fails at once and nothing more happens; a frozen server costs
 * the grace period, never more.
 */
export const stopTurn = (client: AppServerClient.Service, threadId: string, turnId: string): Effect.Effect<void> =>
  Effect.scoped(Effect.gen(function*() {
    // subscribe first: the turn/completed that answers the interrupt cannot be missed
    const subscription = yield* client.subscribeTurn(turnId)
    yield* Effect.addFinalizer(() => subscription.close)
    const completed = subscription.events.pipe(Stream.takeUntil(isCompletedOf(turnId)), Stream.runDrain)
    const interrupt = client.request("turn/interrupt", { threadId, turnId }).pipe(
      Effect.retry({ while: notActiveYet, schedule: Schedule.spaced("25 millis") })
    )
    // done when the turn completes; a failed interrupt leaves the wait to the grace period
    yield* Effect.raceFirst(Effect.andThen(Effect.ignore(interrupt), Effect.never), completed)
  })).pipe(
    Effect.timeout(interruptGrace),
    Effect.ignore,
    Effect.uninterruptible,
    Effect.withSpan("Turn.stopOnServer", { attributes: { turnId } })
  )

/**
 * Whether the consumer of a turn's stream gave up on it: it was interrupted (`Effect.timeout`, an
 * interrupted fiber, a closed scope). Ending early by choice (`Stream.take`) and failures (a closed
 * transport, the watchdog's `TimeoutError`, after which the caller may still wait or interrupt)
 * do not count.
 */
const gaveUp = (exit: Exit.Exit<unknown, Turn.StreamError>): boolean =>
  Exit.isFailure(exit) && Cause.hasInterrupts(exit.cause)

/**
 * Builds a handle on a started turn. `subscription` is the one created when the turn started
 * (it holds every event since the request was sent); without one, the handle subscribes now.
 * `idleTimeout` must already be validated.
 */
export const makeHandle = (
  client: AppServerClient.Service,
  threadId: string,
  turnId: string,
  subscription: AppServerClient.TurnSubscription | undefined,
  options: { readonly idleTimeout?: Duration.Duration | undefined } = {}
): Turn.TurnHandle => makeStoppableHandle(client, threadId, turnId, subscription, options).handle

/**
 * `makeHandle`, plus `stop`: interrupts the turn on the server unless it completed or was already
 * stopped (for callers that can be interrupted before the handle's stream even starts).
 */
export const makeStoppableHandle = (
  client: AppServerClient.Service,
  threadId: string,
  turnId: string,
  subscription: AppServerClient.TurnSubscription | undefined,
  options: { readonly idleTimeout?: Duration.Duration | undefined } = {}
): { readonly handle: Turn.TurnHandle; readonly stop: Effect.Effect<void> } => {
  let initial = subscription
  const collector = makeCollector()
  let stopped = false
  const stop = Effect.suspend(() => {
    if (stopped || collector.completed !== undefined) return Effect.void
    stopped = true
    // a subscription never run holds the turn's events: release it
    const unused = initial
    initial = undefined
    return Effect.andThen(unused === undefined ? Effect.void : unused.close, stopTurn(client, threadId, turnId))
  })
  const events: Stream.Stream<Turn.TurnEvent, Turn.StreamError> = Stream.unwrap(Effect.suspend(() => {
    const first = initial
    initial = undefined
    return first ? Effect.succeed(first.events) : Effect.map(client.subscribeTurn(turnId), (s) => s.events)
  }))
  const watched = options.idleTimeout === undefined
    ? events
    : events.pipe(Watchdog.watchdog(client, threadId, turnId, options.idleTimeout))
  // Observed a chunk at a time, synchronously: an effect per event (`Stream.tap`) costs more than
  // routing the event did.
  const stream = watched.pipe(
    Stream.mapArray((chunk) => {
      for (let i = 0; i < chunk.length; i++) observe(collector, turnId, chunk[i]!)
      return chunk
    }),
    Stream.onExit((exit) => gaveUp(exit) ? stop : Effect.void)
  )
  const handle: Turn.TurnHandle = {
    id: turnId,
    threadId,
    stream,
    run: Effect.suspend(() =>
      collector.completed === undefined
        ? Stream.runDrain(stream).pipe(Effect.andThen(Effect.suspend(() => toResult(collector, threadId, turnId))))
        : toResult(collector, threadId, turnId)
    ).pipe(Effect.onInterrupt(() => stop), Effect.withSpan("TurnHandle.run", { attributes: { turnId } })),
    steer: Effect.fn("TurnHandle.steer")(function*(input: Inputs.SteerInput) {
      const wire = yield* Inputs.toWire(input, { forSteer: true })
      return yield* client.request("turn/steer", { threadId, expectedTurnId: turnId, input: wire.input })
    }),
    interrupt: client.request("turn/interrupt", { threadId, turnId }).pipe(Effect.withSpan("TurnHandle.interrupt"))
  }
  return { handle, stop }
}

/** Collects a turn's events into its result (python-sdk-behaviour §4). */
export const collect = (
  turnId: string,
  threadId: string,
  events: Stream.Stream<Turn.TurnEvent, Turn.StreamError>
): Effect.Effect<Turn.TurnResult, Turn.StreamError | Errors.TurnFailedError> =>
  Effect.suspend(() => {
    const collector = makeCollector()
    return Stream.runForEach(events, (event) => Effect.sync(() => observe(collector, turnId, event))).pipe(
      Effect.andThen(Effect.suspend(() => toResult(collector, threadId, turnId)))
    )
  })
