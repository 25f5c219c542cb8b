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
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as AppServerClient from "./AppServerClient.ts"
import * as Errors from "./Errors.ts"
import type * as Schemas from "./generated/Schemas.ts"
import type * as Inputs from "./Inputs.ts"
import * as Collect from "./internal/collect.ts"
import * as Notification from "./Notification.ts"

/** One event of a turn: a typed server notification (or an `UnknownNotification`). */
export type TurnEvent = Notification.Notification

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

/**
 * A running turn.
 *
 * Giving up on a turn stops it on the server too: when a run of `stream` (and so `run`,
 * `Turn.collect` over it, or `thread.run`) is interrupted — `Effect.timeout`, an interrupted fiber,
 * a closed scope — while the turn is still in progress, the handle sends `turn/interrupt` and
 * waits up to 2 seconds for its `turn/completed` (uninterruptibly; nothing is sent when the
 * connection is already closed). Ending a stream early by choice (`Stream.take`,
 * `Stream.takeUntil`) or a failure (the idle watchdog's `TimeoutError`) leaves the turn running:
 * run the stream again to keep waiting, or call `interrupt`.
 */
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
   * knows, or fail with `TimeoutError` if the server still reports the turn in progress (or does not
   * answer the `thread/read` within the idle timeout, clamped to 5–30 s). Must be a positive
   * duration; anything else fails with `InvalidOptionError` before `turn/start` is sent. Off by default.
   */
  readonly idleTimeout?: Duration.Input | undefined
}

/** Whether an event is an agent message text delta (`item/agentMessage/delta`). */
export const isTextDelta = (
  event: TurnEvent
): event is Extract<TurnEvent, { readonly method: "item/agentMessage/delta" }> =>
  Notification.is("item/agentMessage/delta")(event)

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

/** A `dynamicToolCall` item: a call of one of the thread's own tools (see the `Tools` module). */
export type ToolCallItem = Extract<Schemas.ThreadItem, { readonly type: "dynamicToolCall" }>

/** Whether an item is a `dynamicToolCall`. */
export const isToolCall = (item: Schemas.ThreadItem): item is ToolCallItem => item.type === "dynamicToolCall"

/**
 * The calls of the thread's own tools among some items (a `TurnResult`'s `items`, or the items of
 * `item/completed` events), in order: tool name, arguments, `success` and the `contentItems` sent
 * back to the model.
 *
 * @example
 * ```ts
 * // declare: const result: Turn.TurnResult
 * const calls = Turn.toolCalls(result.items)
 * calls.map((call) => `${call.tool} ${call.success ? "ok" : "failed"}`)
 * ```
 */
export const toolCalls = (items: ReadonlyArray<Schemas.ThreadItem>): ReadonlyArray<ToolCallItem> =>
  items.filter(isToolCall)

/**
 * Picks the final response from completed items: walking backwards, the first agent message with
 * phase `final_answer` wins; otherwise the last phase-less one. Commentary is never used; an empty
 * string is kept.
 *
 * @example
 * ```ts
 * // declare: const result: Turn.TurnResult
 * Turn.finalResponse(result.items) // the same as result.finalResponse
 * ```
 */
export const finalResponse: (items: ReadonlyArray<Schemas.ThreadItem>) => string | null = Collect.finalResponse

/**
 * The result of a turn read back from its thread (`thread.read({ includeTurns: true })`): its items,
 * status and times; `usage` is `null` (a thread does not keep a turn's token usage).
 *
 * @example
 * ```ts
 * const read = yield* thread.read({ includeTurns: true })
 * const results = read.thread.turns.map(Turn.fromTurn)
 * ```
 */
export const fromTurn = (turn: Schemas.Turn): TurnResult => Collect.resultOf(turn, turn.items, null)

/**
 * Collects a turn's events into its result (python-sdk-behaviour §4). Use it on a filtered or
 * tapped `handle.stream`; when the events are the handle's stream, interrupting the collection
 * interrupts the turn on the server too.
 *
 * @example
 * ```ts
 * // declare: const handle: Turn.TurnHandle
 * const program = Turn.collect(
 *   handle.id,
 *   handle.threadId,
 *   handle.stream.pipe(Stream.tap((event) => Effect.logDebug(event.method)))
 * )
 * ```
 */
export const collect: (
  turnId: string,
  threadId: string,
  events: Stream.Stream<TurnEvent, StreamError>
) => Effect.Effect<TurnResult, StreamError | Errors.TurnFailedError> = Collect.collect

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
