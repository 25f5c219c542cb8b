/**
 * Turns: a `TurnHandle` to stream, steer or interrupt one running turn, and the `TurnResult` that
 * `run` collects from its events.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const handle = yield* thread.turn("Explain this repository")
 *   yield* handle.stream.pipe(
 *     Stream.runForEach((event) =>
 *       Turn.isTextDelta(event) ? Effect.log(event.params.delta) : Effect.void
 *     )
 *   )
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as AppServerClient from "./AppServerClient.ts"
import * as Errors from "./Errors.ts"
import type * as Schemas from "./generated/Schemas.ts"
import * as Inputs from "./Inputs.ts"

/** One event of a turn: a typed server notification (or an `UnknownNotification`). */
export type TurnEvent = AppServerClient.Notification

/** The outcome of a turn, collected from its events (python-sdk-behaviour §3.7, §4). */
export interface TurnResult {
  readonly id: string
  readonly status: Schemas.TurnStatus
  readonly error: Schemas.TurnError | null
  /** Unix seconds. */
  readonly startedAt: number | null
  /** Unix seconds. */
  readonly completedAt: number | null
  readonly durationMs: number | null
  /** The final answer: the last `final_answer` agent message, else the last phase-less one; never commentary. */
  readonly finalResponse: string | null
  /** Items from `item/completed`, in order. */
  readonly items: ReadonlyArray<Schemas.ThreadItem>
  /** Token usage from the last `thread/tokenUsage/updated` of the turn. */
  readonly usage: Schemas.ThreadTokenUsage | null
}

/** A `TurnResult` whose final response was decoded with the `outputSchema` given to the turn. */
export interface TurnResultOf<A> extends TurnResult {
  readonly output: A
}

/** Errors a turn stream can fail with. */
export type StreamError = Errors.TransportClosedError | Errors.TimeoutError | Errors.ProtocolError

/** A running turn. */
export interface TurnHandle {
  readonly id: string
  readonly threadId: string
  /**
   * This turn's events, ending after its `turn/completed`. The first run of the stream starts from
   * the moment the turn was started (nothing is lost); later runs see events from when they start.
   */
  readonly stream: Stream.Stream<TurnEvent, StreamError>
  /**
   * Collects the stream into a `TurnResult`; a `failed` turn fails with `TurnFailedError`. After a
   * run of `stream` saw the turn complete, `run` returns at once with what that run collected.
   */
  readonly run: Effect.Effect<TurnResult, StreamError | Errors.TurnFailedError>
  /** Adds input to the running turn (`turn/steer`). */
  readonly steer: (
    input: Inputs.SteerInput
  ) => Effect.Effect<Schemas.TurnSteerResponse, AppServerClient.RequestError>
  /** Interrupts the turn (`turn/interrupt`); the stream then ends with status `interrupted`. */
  readonly interrupt: Effect.Effect<Schemas.TurnInterruptResponse, AppServerClient.RequestError>
}

/** Options of a turn's stream. */
export interface StreamOptions {
  /**
   * The idle watchdog: when the turn stays silent this long (or its thread reports `idle` without a
   * `turn/completed`), reconcile through `thread/read` and end the stream with what the server
   * knows, or fail with `TimeoutError` if the server still reports the turn in progress. Off by default.
   */
  readonly idleTimeout?: Duration.Input | undefined
}

/** Whether an event is an agent message text delta (`item/agentMessage/delta`). */
export const isTextDelta = (
  event: TurnEvent
): event is Extract<TurnEvent, { readonly method: "item/agentMessage/delta" }> =>
  !AppServerClient.isUnknown(event) && event.method === "item/agentMessage/delta"

/**
 * The answer text of a turn as it is written: the deltas of its agent messages.
 *
 * @example
 * ```ts
 * yield* handle.stream.pipe(Turn.textDeltas, Stream.runForEach((text) => Effect.sync(() => process.stdout.write(text))))
 * ```
 */
export const textDeltas = <E, R>(events: Stream.Stream<TurnEvent, E, R>): Stream.Stream<string, E, R> =>
  events.pipe(Stream.filter(isTextDelta), Stream.map((event) => event.params.delta))

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
}

/** A fresh, empty `Collector`. */
export const makeCollector = (): Collector => ({ items: new Map(), usage: null, completed: undefined })

/** Folds one event of turn `turnId` into a collector. */
export const observe = (collector: Collector, turnId: string, event: TurnEvent): void => {
  if (AppServerClient.isUnknown(event)) return
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
  }
}

/** The result a collector holds: a `TurnResult`, `TurnFailedError` for a failed turn, or `ProtocolError` if it never completed. */
export const toResult = (
  collector: Collector,
  threadId: string,
  turnId: string
): Effect.Effect<TurnResult, Errors.ProtocolError | Errors.TurnFailedError> => {
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
            additionalDetails: turn.error.additionalDetails
          }
          : { message: "turn failed with status failed" }
      })
    )
  }
  const items = [...collector.items.values()]
  return Effect.succeed({
    id: turn.id,
    status: turn.status,
    error: turn.error ?? null,
    startedAt: turn.startedAt ?? null,
    completedAt: turn.completedAt ?? null,
    durationMs: turn.durationMs ?? null,
    finalResponse: finalResponse(items),
    items,
    usage: collector.usage
  })
}

/** Collects a turn's events into its result (python-sdk-behaviour §4). */
export const collect = (
  turnId: string,
  threadId: string,
  events: Stream.Stream<TurnEvent, StreamError>
): Effect.Effect<TurnResult, StreamError | Errors.TurnFailedError> =>
  Effect.suspend(() => {
    const collector = makeCollector()
    return Stream.runForEach(events, (event) => Effect.sync(() => observe(collector, turnId, event))).pipe(
      Effect.andThen(Effect.suspend(() => toResult(collector, threadId, turnId)))
    )
  })

/**
 * Decodes a result's final response as JSON with a Schema, keeping the raw text on failure. The
 * schema's JSON codec (`Schema.toCodecJson`) is used, the one its derived JSON Schema describes:
 * `null` for an optional field, an ISO string for a `Date`, … decode as the model was told.
 */
export const decodeOutput = <A, I, RD>(
  result: TurnResult,
  schema: Schema.Codec<A, I, RD>
): Effect.Effect<TurnResultOf<A>, Errors.StructuredOutputError, RD> =>
  Schema.decodeUnknownEffect(Schema.fromJsonString(Schema.toCodecJson(schema)))(result.finalResponse ?? "").pipe(
    Effect.map((output) => ({ ...result, output })),
    Effect.mapError((error) =>
      new Errors.StructuredOutputError({
        message: `the final response does not match the output schema: ${error.message}`,
        raw: result.finalResponse
      })
    )
  )

const isIdle = (threadId: string) => (n: AppServerClient.Notification): boolean =>
  !AppServerClient.isUnknown(n) && n.method === "thread/status/changed" && n.params.threadId === threadId &&
  n.params.status.type === "idle"

/**
 * Asks the server what it knows about a turn: `item/completed` for its items the stream has not
 * delivered yet (`seen` holds the ids it did), then a synthetic `turn/completed`; or a `TimeoutError`.
 */
const reconcile = (
  client: AppServerClient.Service,
  threadId: string,
  turnId: string,
  reason: string,
  seen: ReadonlySet<string>
) =>
  client.request("thread/read", { threadId, includeTurns: true }).pipe(
    Effect.mapError((error) =>
      error._tag === "TransportClosedError" ? error : new Errors.TimeoutError({
        message: `turn ${turnId} ${reason}, and thread/read failed: ${error.message}`,
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
      const completedItems = turn.items.filter((item) => !seen.has(item.id)).map((item): TurnEvent => ({
        method: "item/completed",
        params: { item, threadId, turnId, completedAtMs: 0 }
      } as TurnEvent))
      const done: TurnEvent = { method: "turn/completed", params: { threadId, turn } } as TurnEvent
      return Effect.succeed([...completedItems, done])
    }),
    Effect.withSpan("Turn.reconcile")
  )

/** Adds the idle watchdog to a turn's events. */
export const watchdog = (
  client: AppServerClient.Service,
  threadId: string,
  turnId: string,
  idleTimeout: Duration.Input
) =>
<E>(events: Stream.Stream<TurnEvent, E>): Stream.Stream<TurnEvent, E | StreamError> =>
  Stream.suspend(() => {
    const grace = Duration.min(Duration.fromInputUnsafe(idleTimeout), Duration.seconds(1))
    // ids of the items this run of the stream completed, so that a reconciliation does not repeat them
    const seen = new Set<string>()
    const recovered = (reason: string) =>
      Stream.unwrap(Effect.map(reconcile(client, threadId, turnId, reason, seen), Stream.fromIterable))
    const idle = client.notifications.pipe(
      Stream.filter(isIdle(threadId)),
      Stream.take(1),
      Stream.mapEffect(() => Effect.sleep(grace)),
      Stream.flatMap(() => recovered("reported idle without turn/completed"))
    )
    const silent = events.pipe(
      Stream.map((e) => {
        if (!AppServerClient.isUnknown(e) && e.method === "item/completed" && e.params.turnId === turnId) {
          seen.add(e.params.item.id)
        }
        return e
      }),
      Stream.timeoutOrElse({
        duration: idleTimeout,
        orElse: () => recovered(`was silent for ${Duration.format(Duration.fromInputUnsafe(idleTimeout))}`)
      })
    )
    return Stream.merge(silent, idle, { haltStrategy: "either" }).pipe(
      Stream.takeUntil((e) =>
        !AppServerClient.isUnknown(e) && e.method === "turn/completed" && e.params.turn.id === turnId
      )
    )
  })

/**
 * Builds a handle on a started turn. `subscription` is the one created when the turn started
 * (it holds every event since the request was sent); without one, the handle subscribes now.
 */
export const makeHandle = (
  client: AppServerClient.Service,
  threadId: string,
  turnId: string,
  subscription: AppServerClient.TurnSubscription | undefined,
  options: StreamOptions = {}
): TurnHandle => {
  let initial = subscription
  const collector = makeCollector()
  const events: Stream.Stream<TurnEvent, StreamError> = Stream.unwrap(Effect.suspend(() => {
    const first = initial
    initial = undefined
    return first ? Effect.succeed(first.events) : Effect.map(client.subscribeTurn(turnId), (s) => s.events)
  }))
  const watched = options.idleTimeout === undefined
    ? events
    : events.pipe(watchdog(client, threadId, turnId, options.idleTimeout))
  // Observed a chunk at a time, synchronously: an effect per event (`Stream.tap`) costs more than
  // routing the event did.
  const stream = watched.pipe(Stream.mapArray((chunk) => {
    for (let i = 0; i < chunk.length; i++) observe(collector, turnId, chunk[i]!)
    return chunk
  }))
  return {
    id: turnId,
    threadId,
    stream,
    run: Effect.suspend(() =>
      collector.completed === undefined
        ? Stream.runDrain(stream).pipe(Effect.andThen(Effect.suspend(() => toResult(collector, threadId, turnId))))
        : toResult(collector, threadId, turnId)
    ).pipe(Effect.withSpan("TurnHandle.run", { attributes: { turnId } })),
    steer: Effect.fn("TurnHandle.steer")(function*(input: Inputs.SteerInput) {
      const wire = yield* Inputs.toWire(input, { forSteer: true })
      return yield* client.request("turn/steer", { threadId, expectedTurnId: turnId, input: wire.input })
    }),
    interrupt: client.request("turn/interrupt", { threadId, turnId }).pipe(Effect.withSpan("TurnHandle.interrupt"))
  }
}
