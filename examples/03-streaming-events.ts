/**
 * 03 · Stream a turn's events as they happen.
 *
 * `thread.turn(input)` returns a `TurnHandle` at once; `handle.stream` is an Effect `Stream` of
 * that turn's typed notifications, ending after `turn/completed`. Here every event is rendered as
 * it arrives: lifecycle events on their own line, reasoning and answer deltas inline.
 *
 *     node examples/03-streaming-events.ts
 */
import { AppServerClient, Codex, type Turn } from "@effect-codex/core"
import * as Notification from "@effect-codex/core/Notification"
import { FakeModel } from "@effect-codex/testing"
import { NodeRuntime } from "@effect/platform-node"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Backend from "./_backend.ts"

/** Items whose text arrives as deltas, printed indented between their started and completed lines. */
const streamed = (type: string) => type === "reasoning" || type === "agentMessage"

/** What to print for an event (`""` for events we skip). */
const render = (event: Turn.TurnEvent): string => {
  if (Notification.isUnknown(event)) return ""
  switch (event.method) {
    case "turn/started":
      return "[turn/started]\n"
    case "item/started":
      return `[item/started ${event.params.item.type}]\n${streamed(event.params.item.type) ? "  " : ""}`
    case "item/reasoning/summaryTextDelta":
    case "item/agentMessage/delta":
      return event.params.delta.replaceAll("\n", "\n  ")
    case "item/completed":
      return `${streamed(event.params.item.type) ? "\n" : ""}[item/completed ${event.params.item.type}]\n`
    case "thread/tokenUsage/updated":
      return `[thread/tokenUsage/updated total=${event.params.tokenUsage.total.totalTokens}]\n`
    case "turn/completed":
      return `[turn/completed ${event.params.turn.status}]\n`
    default:
      return ""
  }
}

const write = (text: string) => Effect.sync(() => process.stdout.write(text))

const isDelta = (event: Turn.TurnEvent) => Notification.is("item/agentMessage/delta")(event)

const program = Effect.gen(function*() {
  const codex = yield* Codex.Codex
  const thread = yield* codex.threadStart()
  const handle = yield* thread.turn("Write a haiku about streams.")

  const deltas = yield* handle.stream.pipe(
    Stream.tap((event) => write(render(event))),
    Stream.runFold(() => 0, (count, event) => isDelta(event) ? count + 1 : count)
  )
  yield* Console.log(`Answer deltas received: ${deltas}`)
})

program.pipe(
  Effect.provide(Backend.layer({
    script: [
      FakeModel.response([
        FakeModel.reasoning("Streams, rivers, flow: keep it to 5-7-5.", { deltas: 2 }),
        FakeModel.message("Events drift downstream,\neach delta a small ripple —\nthe turn completes, calm.", {
          deltas: 6,
          delayMs: 30
        })
      ])
    ]
  })),
  NodeRuntime.runMain
)
