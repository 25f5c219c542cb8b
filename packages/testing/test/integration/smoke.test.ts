import * as Codex from "@effect-codex/core/Codex"
import * as Turn from "@effect-codex/core/Turn"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

describe("smoke", () => {
  it.live("runs a turn on the real binary", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.message("Hello from fake!", { deltas: 3 }))
      const codex = yield* Codex.Codex
      const { workspace } = yield* CodexTest.CodexTest
      const thread = yield* codex.threadStart({ cwd: workspace })
      const result = yield* thread.run("hi")
      assert.strictEqual(result.finalResponse, "Hello from fake!")
      assert.strictEqual(result.status, "completed")
      assert.isNotNull(result.usage)
      const diag = yield* codex.client.diagnostics.pipe(
        Stream.take(1),
        Stream.runCollect,
        Effect.timeout("10 millis"),
        Effect.option
      )
      assert.isTrue(diag._tag === "None")
    }).pipe(Effect.provide(CodexTest.layer())))
})

describe("TurnHandle", () => {
  it.live("run after a consumed stream returns what the stream collected", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.message("streamed answer", { deltas: 2 }))
      const codex = yield* Codex.Codex
      const thread = yield* codex.threadStart()
      const handle = yield* thread.turn("hi")
      const texts = yield* handle.stream.pipe(Turn.textDeltas, Stream.runCollect)
      assert.strictEqual(texts.join(""), "streamed answer")
      const result = yield* handle.run
      assert.strictEqual(result.finalResponse, "streamed answer")
      assert.strictEqual(result.status, "completed")
      assert.isTrue(result.items.some((item) => item.type === "userMessage"))
    }).pipe(Effect.provide(CodexTest.layer())))
})
