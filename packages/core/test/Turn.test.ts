import * as Notification from "@effect-codex/core/Notification"
import * as Turn from "@effect-codex/core/Turn"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

const delta = (text: string): Turn.TurnEvent =>
  ({
    method: "item/agentMessage/delta",
    params: { threadId: "t", turnId: "u", itemId: "m", delta: text }
  }) as Turn.TurnEvent

const agentMessage = (text: string, phase: string | null = null) =>
  ({ type: "agentMessage", id: text, text, phase }) as never

describe("Turn", () => {
  it.effect("textDeltas keeps only the agent message deltas, in order", () =>
    Effect.gen(function*() {
      const events: ReadonlyArray<Turn.TurnEvent> = [
        delta("Hel"),
        new Notification.UnknownNotification("item/agentMessage/delta", { delta: "unknown" }),
        { method: "thread/status/changed", params: { threadId: "t", status: { type: "idle" } } } as Turn.TurnEvent,
        delta("lo")
      ]
      const texts = yield* Stream.fromIterable(events).pipe(Turn.textDeltas, Stream.runCollect)
      assert.deepStrictEqual(texts, ["Hel", "lo"])
    }))

  it("finalResponse: final_answer wins, else the last phase-less message, never commentary", () => {
    assert.strictEqual(
      Turn.finalResponse([agentMessage("a", "final_answer"), agentMessage("b"), agentMessage("c", "commentary")]),
      "a"
    )
    assert.strictEqual(Turn.finalResponse([agentMessage("a"), agentMessage("b"), agentMessage("c", "commentary")]), "b")
    assert.isNull(Turn.finalResponse([agentMessage("c", "commentary")]))
    assert.strictEqual(Turn.finalResponse([agentMessage("x"), agentMessage("")]), "")
    assert.isNull(Turn.finalResponse([]))
  })

  it.effect("collect fails with ProtocolError when the stream ends without turn/completed", () =>
    Effect.gen(function*() {
      const error = yield* Turn.collect("u", "t", Stream.make(delta("x"))).pipe(Effect.flip)
      assert.strictEqual(error._tag, "ProtocolError")
      assert.strictEqual(error.message, "turn completed event not received")
    }))
})
