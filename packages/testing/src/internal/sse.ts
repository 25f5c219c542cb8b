/**
 * Writing the Responses event stream as Server-Sent Events, with effect's own SSE encoder.
 *
 * @internal
 */
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

const timed = ({ data, delayMs }: TimedEvent): Effect.Effect<Sse.Event> =>
  delayMs > 0
    ? Effect.as(Effect.sleep(Duration.millis(delayMs)), toSseEvent(data))
    : Effect.sync(() => toSseEvent(data))

/**
 * The SSE text of `events`, each one sent after its pause. With `hang`, the stream stays open
 * after the last event (until it is interrupted).
 */
export const eventStream = (events: ReadonlyArray<TimedEvent>, hang: boolean): Stream.Stream<string> => {
  const sent = Stream.mapEffect(Stream.fromIterable(events), timed)
  return (hang ? Stream.concat(sent, Stream.never) : sent).pipe(Stream.pipeThroughChannel(Sse.encode()))
}
