/**
 * Turn streams on the real app-server (python-sdk-behaviour §3.4, §10.2 test_app_server_streaming.py
 * and the subscription scenarios of test_turn_subscriptions.py).
 */
import * as Codex from "@effect-codex/core/Codex"
import * as Notification from "@effect-codex/core/Notification"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import { makeHandle } from "../../../core/src/internal/collect.ts"
import { threadIdOf, turnIdOf } from "../../../core/src/internal/turnRouter.ts"
import {
  agentTexts,
  completedItems,
  deltas,
  isDelta,
  isTurnCompleted,
  methods,
  requestsOfThread,
  startThread
} from "./helpers.ts"

describe("TurnHandle.stream", () => {
  it.live("yields this turn's typed notifications in order and ends after turn/completed", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.message("hello", { deltas: 2 }))
      const thread = yield* startThread()
      const handle = yield* thread.turn("say hello")
      assert.strictEqual(handle.threadId, thread.id)
      const events = yield* Stream.runCollect(handle.stream)

      // every event is typed and belongs to this turn
      for (const event of events) {
        assert.isFalse(Notification.isUnknown(event), `unknown notification ${event.method}`)
        assert.strictEqual(turnIdOf(event.params), handle.id, event.method)
      }
      const names = methods(events)
      assert.strictEqual(names[0], "turn/started")
      assert.strictEqual(names[names.length - 1], "turn/completed")
      assert.strictEqual(names.filter((m) => m === "turn/completed").length, 1)
      assert.deepStrictEqual(deltas(events), ["he", "llo"])
      // the deltas come after the agent message started and before it completed
      const started = events.findIndex((e) =>
        Notification.is("item/started")(e) && e.params.item.type === "agentMessage"
      )
      const firstDelta = names.indexOf("item/agentMessage/delta")
      const done = events.findIndex((e) =>
        Notification.is("item/completed")(e) && e.params.item.type === "agentMessage"
      )
      assert.isTrue(started >= 0 && started < firstDelta && firstDelta < done, names.join(","))
      assert.isTrue(names.indexOf("turn/started") < started)
      assert.deepStrictEqual(agentTexts(completedItems(events)), ["hello"])
      const last = events[events.length - 1]!
      assert.isTrue(isTurnCompleted(handle.id)(last))
      if (Notification.is("turn/completed")(last)) {
        assert.strictEqual(last.params.turn.status, "completed")
      }
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("handle.run collects the same turn", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.message("collected", { deltas: 3 }))
      const thread = yield* startThread()
      const handle = yield* thread.turn("go")
      const result = yield* handle.run
      assert.strictEqual(result.id, handle.id)
      assert.strictEqual(result.status, "completed")
      assert.strictEqual(result.finalResponse, "collected")
      assert.isNotNull(result.usage)
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("no event is lost when the stream is consumed long after the turn started", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const codex = yield* Codex.Codex
      yield* model.enqueue(FakeModel.message("early bird", { deltas: 2 }))
      const thread = yield* startThread()
      const everything = yield* codex.client.subscribe
      const handle = yield* thread.turn("go")
      // the whole turn happens before anyone reads the handle's stream
      yield* everything.pipe(Stream.filter(isTurnCompleted(handle.id)), Stream.runHead)
      const events = yield* Stream.runCollect(handle.stream)
      assert.strictEqual(methods(events)[0], "turn/started")
      assert.deepStrictEqual(deltas(events), ["early", " bird"])
      assert.isTrue(isTurnCompleted(handle.id)(events[events.length - 1]!))
    }).pipe(Effect.scoped, Effect.provide(CodexTest.layer())))

  it.live("concurrent turns on different threads of ONE Codex each see only their own events", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const texts = ["alpha beta gamma delta", "one two three four"]
      yield* model.enqueue(
        FakeModel.message(texts[0]!, { deltas: 4, delayMs: 15 }),
        FakeModel.message(texts[1]!, { deltas: 4, delayMs: 15 })
      )
      const threads = yield* Effect.all([startThread(), startThread()], { concurrency: "unbounded" })
      const runs = yield* Effect.all(
        threads.map((thread) =>
          thread.turn(`hello from ${thread.id}`).pipe(
            Effect.flatMap((handle) =>
              Effect.map(Stream.runCollect(handle.stream), (events) => ({ thread, handle, events }))
            )
          )
        ),
        { concurrency: "unbounded" }
      )
      assert.notStrictEqual(runs[0]!.handle.id, runs[1]!.handle.id)
      const requests = yield* model.requests
      assert.strictEqual(requests.length, 2)
      for (const { events, handle, thread } of runs) {
        for (const event of events) {
          assert.strictEqual(turnIdOf(event.params), handle.id)
          const threadId = threadIdOf(event.params)
          if (threadId !== undefined) assert.strictEqual(threadId, thread.id)
        }
        // the reply this thread's request got (replies are served in arrival order)
        const [request] = requestsOfThread(requests, thread.id)
        assert.isDefined(request)
        const expected = texts[request!.index - 1]!
        assert.strictEqual(deltas(events).join(""), expected)
        assert.deepStrictEqual(agentTexts(completedItems(events)), [expected])
        assert.strictEqual(FakeModel.lastUserText(request!), `hello from ${thread.id}`)
        assert.isTrue(isTurnCompleted(handle.id)(events[events.length - 1]!))
      }
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("several concurrent runs on one Codex with Effect.all return their own results", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const n = 3
      yield* model.enqueue(...Array.from({ length: n }, (_, i) => FakeModel.message(`answer ${i + 1}`, { deltas: 2 })))
      const threads = yield* Effect.all(Array.from({ length: n }, () => startThread()), { concurrency: "unbounded" })
      const results = yield* Effect.all(threads.map((t) => t.run(`question for ${t.id}`)), { concurrency: "unbounded" })
      const requests = yield* model.requests
      threads.forEach((thread, i) => {
        const [request] = requestsOfThread(requests, thread.id)
        assert.strictEqual(results[i]!.finalResponse, `answer ${request!.index}`)
      })
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("two handles on the same turn both receive every event", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const codex = yield* Codex.Codex
      yield* model.enqueue(
        FakeModel.stall({ text: "working", deltas: 1 }),
        FakeModel.message("finished", { deltas: 2 })
      )
      const thread = yield* startThread()
      const handle = yield* thread.turn("start")
      const seenDelta = yield* Deferred.make<void>()
      const original = yield* handle.stream.pipe(
        Stream.tap((e) => isDelta(e) ? Deferred.succeed(seenDelta, undefined) : Effect.void),
        Stream.runCollect,
        Effect.forkChild
      )
      yield* Deferred.await(seenDelta)
      // a second handle on the same turn, subscribing now
      const second = makeHandle(codex.client, thread.id, handle.id, undefined)
      const late = yield* Effect.forkChild(Stream.runCollect(second.stream), { startImmediately: true })
      yield* handle.steer("carry on")
      const [originalEvents, lateEvents] = yield* Fiber.joinAll([original, late])
      assert.deepStrictEqual(agentTexts(completedItems(originalEvents!)).slice(-1), ["finished"])
      assert.deepStrictEqual(agentTexts(completedItems(lateEvents!)), ["finished"])
      assert.deepStrictEqual(deltas(lateEvents!), ["fini", "shed"])
      // the late handle saw a suffix of what the original saw, ending with the same turn/completed
      const originalNames = methods(originalEvents!)
      const lateNames = methods(lateEvents!)
      assert.deepStrictEqual(originalNames.slice(-lateNames.length), lateNames)
      assert.strictEqual(originalNames[0], "turn/started")
      assert.notInclude(lateNames, "turn/started")
      assert.notInclude(deltas(lateEvents!), "working")
      assert.isTrue(isTurnCompleted(handle.id)(lateEvents![lateEvents!.length - 1]!))
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("a second run of handle.stream sees events from when it starts", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(
        FakeModel.stall({ text: "working", deltas: 1 }),
        FakeModel.message("done now", { deltas: 2 })
      )
      const thread = yield* startThread()
      const handle = yield* thread.turn("start")
      // first run: up to the first delta, then stop consuming
      const first = yield* handle.stream.pipe(Stream.takeUntil(isDelta), Stream.runCollect)
      assert.strictEqual(methods(first)[0], "turn/started")
      assert.deepStrictEqual(deltas(first), ["working"])
      // second run: subscribes again, from now on
      const second = yield* Effect.forkChild(Stream.runCollect(handle.stream), { startImmediately: true })
      yield* handle.steer("more please")
      const events = yield* Fiber.join(second)
      assert.notInclude(methods(events), "turn/started")
      assert.deepStrictEqual(deltas(events), ["done", " now"])
      assert.isTrue(isTurnCompleted(handle.id)(events[events.length - 1]!))
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("a handle built from codex.thread(id) runs turns on an existing thread", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const codex = yield* Codex.Codex
      yield* model.enqueue(FakeModel.message("one"), FakeModel.message("two"))
      const thread = yield* startThread()
      yield* thread.run("first")
      const again = codex.thread(thread.id)
      assert.strictEqual(again.id, thread.id)
      const result = yield* again.run("second")
      assert.strictEqual(result.finalResponse, "two")
      const [, request] = yield* model.waitForRequests(2)
      assert.strictEqual(FakeModel.header(request!, "thread-id"), thread.id)
      assert.include(FakeModel.userTexts(request!), "first")
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("a streaming turn does not block other requests on the same connection", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const codex = yield* Codex.Codex
      yield* model.enqueue(FakeModel.stall({ text: "slow", deltas: 1 }))
      const thread = yield* startThread()
      const handle = yield* thread.turn("start")
      const seenDelta = yield* Deferred.make<void>()
      const consumer = yield* handle.stream.pipe(
        Stream.tap((e) => isDelta(e) ? Deferred.succeed(seenDelta, undefined) : Effect.void),
        Stream.runCollect,
        Effect.forkChild
      )
      yield* Deferred.await(seenDelta)
      // the turn is still streaming: other calls go through
      const models = yield* codex.models().pipe(Effect.timeout("10 seconds"))
      assert.isAbove(models.data.length, 0)
      const read = yield* thread.read()
      assert.strictEqual(read.thread.id, thread.id)
      yield* handle.interrupt
      const events = yield* Fiber.join(consumer)
      const last = events[events.length - 1]!
      assert.isTrue(isTurnCompleted(handle.id)(last))
      if (Notification.is("turn/completed")(last)) {
        assert.strictEqual(last.params.turn.status, "interrupted")
      }
    }).pipe(Effect.provide(CodexTest.layer())))
})
