/**
 * Writing the Responses event stream as Server-Sent Events, with effect's own SSE encoder.
 *
 * @internal
 */
import * as Arr from "effect/Array"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Sse from "effect/encoding/Sse"
import * as Stream from "effect/Stream"
import type { EventData } from "../FakeModelScript.ts"
import type { TimedEvent } from "./render.ts"

/** The SSE event of one Responses event: its `type` is the event name, its JSON the data. */
export const toSseEvent = (data: EventData): Sse.Event => ({
  _tag: "Event",
  event: data.type,
  id: undefined,
  data: JSON.stringify(data)
})

/** One event in the SSE wire format: `event: <type>\ndata: <json>\n\n`. */
export const encodeEvent = (data: EventData): string => Sse.encoder.write(toSseEvent(data))

interface Run {
  readonly delayMs: number
  readonly events: Arr.NonEmptyArray<EventData>
}

/** The events in runs that go out together: a new run starts at each event with a pause. */
const runs = (events: ReadonlyArray<TimedEvent>): Array<Run> => {
  const out: Array<Run> = []
  for (const { data, delayMs } of events) {
    const last = out[out.length - 1]
    if (last === undefined || delayMs > 0) out.push({ delayMs, events: [data] })
    else last.events.push(data)
  }
  return out
}

/**
 * The SSE text of `events`, each one sent after its pause (events without a pause go out in one
 * chunk with the one before them). With `hang`, the stream stays open after the last event (until
 * it is interrupted).
 */
export const eventStream = (events: ReadonlyArray<TimedEvent>, hang: boolean): Stream.Stream<string> => {
  const sent = Stream.fromIterable(runs(events)).pipe(
    Stream.mapEffect(({ delayMs, events }) => {
      const chunk = Effect.sync(() => Arr.map(events, toSseEvent))
      return delayMs > 0 ? Effect.andThen(Effect.sleep(Duration.millis(delayMs)), chunk) : chunk
    }),
    Stream.flattenArray
  )
  return (hang ? Stream.concat(sent, Stream.never) : sent).pipe(Stream.pipeThroughChannel(Sse.encode()))
}
