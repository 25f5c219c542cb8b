/**
 * `thread.run` on the real app-server (python-sdk-behaviour §4, §10.2 test_app_server_run.py).
 */
import * as Errors from "@effect-codex/core/Errors"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { agentTexts, itemsOfType, startThread, twoTurns } from "./helpers.ts"

describe("thread.run", () => {
  it.live("returns the final response, items, usage and status", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(
        FakeModel.message("Hello from the mock.", {
          deltas: 2,
          usage: { inputTokens: 21, cachedInputTokens: 3, outputTokens: 7, reasoningOutputTokens: 2 }
        })
      )
      const thread = yield* startThread()
      const result = yield* thread.run("hello")

      assert.strictEqual(result.status, "completed")
      assert.strictEqual(result.finalResponse, "Hello from the mock.")
      assert.isNull(result.error)
      assert.isString(result.id)
      assert.isNumber(result.startedAt)
      assert.isNumber(result.completedAt)
      assert.isNumber(result.durationMs)
      // items come from item/completed, in order: the user message, then the agent message
      assert.deepStrictEqual(result.items.map((i) => i.type), ["userMessage", "agentMessage"])
      const user = itemsOfType(result.items, "userMessage")[0]!
      assert.deepStrictEqual(user.content.map((c) => c.type === "text" ? c.text : c.type), ["hello"])
      assert.deepStrictEqual(agentTexts(result.items), ["Hello from the mock."])
      // usage: last and total are the mock's numbers
      assert.isNotNull(result.usage)
      const usage = result.usage!
      assert.strictEqual(usage.last.inputTokens, 21)
      assert.strictEqual(usage.last.cachedInputTokens, 3)
      assert.strictEqual(usage.last.outputTokens, 7)
      assert.strictEqual(usage.last.reasoningOutputTokens, 2)
      assert.strictEqual(usage.last.totalTokens, 28)
      assert.deepStrictEqual(usage.total, usage.last)

      // the request the model got
      const requests = yield* model.requests
      assert.strictEqual(requests.length, 1)
      const request = requests[0]!
      assert.strictEqual(FakeModel.model(request), "mock-model")
      assert.strictEqual((request.body as { stream?: unknown }).stream, true)
      assert.strictEqual(FakeModel.lastUserText(request), "hello")
      assert.strictEqual(FakeModel.header(request, "thread-id"), thread.id)
      yield* model.assertDrained
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("a second run on the same thread sends the history and sums usage", () =>
    Effect.gen(function*() {
      const { model, first, second } = yield* twoTurns
      assert.notStrictEqual(first.id, second.id)
      assert.strictEqual(second.finalResponse, "second answer")
      const [, request] = yield* model.waitForRequests(2)
      assert.deepStrictEqual(FakeModel.userTexts(request!).slice(-2), ["first question", "second question"])
      assert.include(FakeModel.messageTexts(request!, "assistant"), "first answer")
      assert.strictEqual(second.usage!.last.inputTokens, 10)
      assert.strictEqual(second.usage!.total.inputTokens, 20)
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("run options reach the model request (model, effort, summary)", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.message("ok"))
      const thread = yield* startThread()
      const result = yield* thread.run("hi", { model: "mock-model-override", effort: "high", summary: "concise" })
      assert.strictEqual(result.finalResponse, "ok")
      const [request] = yield* model.waitForRequests(1)
      assert.strictEqual(FakeModel.model(request!), "mock-model-override")
      assert.deepStrictEqual(FakeModel.reasoningSettings(request!), { effort: "high", summary: "concise" })
    }).pipe(Effect.provide(CodexTest.layer())))

  describe("final response rules", () => {
    it.live("a final_answer message wins over a later phase-less one", () =>
      Effect.gen(function*() {
        const model = yield* FakeModel.FakeModel
        yield* model.enqueue(FakeModel.response([
          FakeModel.message("thinking out loud", { phase: "commentary" }),
          FakeModel.message("the answer", { phase: "final_answer" }),
          FakeModel.message("a trailing note")
        ]))
        const thread = yield* startThread()
        const result = yield* thread.run("question")
        assert.deepStrictEqual(agentTexts(result.items), ["thinking out loud", "the answer", "a trailing note"])
        assert.strictEqual(result.finalResponse, "the answer")
      }).pipe(Effect.provide(CodexTest.layer())))

    it.live("otherwise the last phase-less message wins", () =>
      Effect.gen(function*() {
        const model = yield* FakeModel.FakeModel
        yield* model.enqueue(FakeModel.response([
          FakeModel.message("first"),
          FakeModel.message("second"),
          FakeModel.message("late commentary", { phase: "commentary" })
        ]))
        const thread = yield* startThread()
        const result = yield* thread.run("question")
        assert.deepStrictEqual(agentTexts(result.items), ["first", "second", "late commentary"])
        assert.strictEqual(result.finalResponse, "second")
      }).pipe(Effect.provide(CodexTest.layer())))

    it.live("commentary only gives null", () =>
      Effect.gen(function*() {
        const model = yield* FakeModel.FakeModel
        yield* model.enqueue(FakeModel.response([
          FakeModel.message("just commentary", { phase: "commentary" }),
          FakeModel.message("more commentary", { phase: "commentary" })
        ]))
        const thread = yield* startThread()
        const result = yield* thread.run("question")
        assert.strictEqual(result.status, "completed")
        assert.deepStrictEqual(agentTexts(result.items), ["just commentary", "more commentary"])
        assert.isNull(result.finalResponse)
      }).pipe(Effect.provide(CodexTest.layer())))

    it.live("an empty last message is kept", () =>
      Effect.gen(function*() {
        const model = yield* FakeModel.FakeModel
        yield* model.enqueue(FakeModel.response([FakeModel.message("not this one"), FakeModel.message("")]))
        const thread = yield* startThread()
        const result = yield* thread.run("question")
        assert.deepStrictEqual(agentTexts(result.items), ["not this one", ""])
        assert.strictEqual(result.finalResponse, "")
      }).pipe(Effect.provide(CodexTest.layer())))
  })

  describe("failures", () => {
    it.live("a failed model response fails with TurnFailedError carrying the server's message", () =>
      Effect.gen(function*() {
        const model = yield* FakeModel.FakeModel
        yield* model.enqueue(FakeModel.failed("boom from mock model"))
        const thread = yield* startThread()
        const error = yield* Effect.flip(thread.run("hello"))
        assert.instanceOf(error, Errors.TurnFailedError)
        if (error._tag !== "TurnFailedError") return
        assert.include(error.message, "boom from mock model")
        assert.include(error.turnError.message, "boom from mock model")
        assert.strictEqual(error.threadId, thread.id)
        // the thread keeps the failed turn
        const read = yield* thread.read({ includeTurns: true })
        const turn = read.thread.turns.find((t) => t.id === error.turnId)
        assert.strictEqual(turn?.status, "failed")
      }).pipe(Effect.provide(CodexTest.layer())))

    it.live("an HTTP 500 fails with TurnFailedError (internalServerError)", () =>
      Effect.gen(function*() {
        const model = yield* FakeModel.FakeModel
        yield* model.enqueue(FakeModel.httpError(500))
        const thread = yield* startThread()
        const error = yield* Effect.flip(thread.run("hello"))
        assert.strictEqual(error._tag, "TurnFailedError")
        if (error._tag !== "TurnFailedError") return
        assert.isAbove(error.turnError.message.length, 0)
        assert.strictEqual(error.turnError.codexErrorInfo, "internalServerError")
      }).pipe(Effect.provide(CodexTest.layer())))

    it.live("the thread stays usable after a failed turn", () =>
      Effect.gen(function*() {
        const model = yield* FakeModel.FakeModel
        yield* model.enqueue(FakeModel.failed("transient"), FakeModel.message("recovered"))
        const thread = yield* startThread()
        const error = yield* Effect.flip(thread.run("first"))
        assert.strictEqual(error._tag, "TurnFailedError")
        const result = yield* thread.run("second")
        assert.strictEqual(result.finalResponse, "recovered")
      }).pipe(Effect.provide(CodexTest.layer())))

    it.live("an interrupted turn returns normally with status interrupted", () =>
      Effect.gen(function*() {
        const model = yield* FakeModel.FakeModel
        yield* model.enqueue(FakeModel.stall({ text: "partial answer", deltas: 1 }))
        const thread = yield* startThread()
        const handle = yield* thread.turn("take your time")
        const running = yield* Effect.forkChild(handle.run)
        yield* model.waitForRequests(1)
        yield* handle.interrupt
        const result = yield* Fiber.join(running)
        assert.strictEqual(result.status, "interrupted")
        assert.strictEqual(result.id, handle.id)
        // the partial agent message never completes
        assert.isNull(result.finalResponse)
        assert.deepStrictEqual(agentTexts(result.items), [])
      }).pipe(Effect.provide(CodexTest.layer())))
  })
})
