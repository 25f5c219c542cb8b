/**
 * Turn controls on the real app-server: steer and interrupt (python-sdk-behaviour §3.4, §10.2
 * test_app_server_turn_controls.py, app-server-offline §5 "steer" and "interrupt").
 */
import * as Codex from "@effect-codex/core/Codex"
import * as Errors from "@effect-codex/core/Errors"
import * as Inputs from "@effect-codex/core/Inputs"
import * as Notification from "@effect-codex/core/Notification"
import * as Turn from "@effect-codex/core/Turn"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import { makeHandle } from "../../../core/src/internal/collect.ts"
import { agentTexts, deltas, isDelta, itemsOfType, startThread } from "./helpers.ts"

/** Runs a handle's stream in the background; resolves `seen` at the first agent message delta. */
const collectInBackground = (handle: Turn.TurnHandle) =>
  Effect.gen(function*() {
    const seen = yield* Deferred.make<void>()
    const fiber = yield* handle.stream.pipe(
      Stream.tap((e) => isDelta(e) ? Deferred.succeed(seen, undefined) : Effect.void),
      Stream.runCollect,
      Effect.forkChild
    )
    return { fiber, firstDelta: Deferred.await(seen) }
  })

describe("turn controls", () => {
  it.live("steer adds input to the running turn, which then completes", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.stall({ text: "before steer", deltas: 1 }), FakeModel.message("after steer"))
      const thread = yield* startThread()
      const handle = yield* thread.turn("start working")
      const { fiber, firstDelta } = yield* collectInBackground(handle)
      yield* firstDelta
      const steer = yield* handle.steer("steering text")
      assert.strictEqual(steer.turnId, handle.id)
      const events = yield* Fiber.join(fiber)
      assert.deepStrictEqual(deltas(events), ["before steer", "after steer"])

      const completed = events[events.length - 1]!
      assert.isFalse(Notification.isUnknown(completed))
      if (Notification.is("turn/completed")(completed)) {
        assert.strictEqual(completed.params.turn.id, handle.id)
        assert.strictEqual(completed.params.turn.status, "completed")
      }
      // the model's second request ends with the steering text; the stalled stream was dropped
      const requests = yield* model.waitForRequests(2)
      assert.strictEqual(requests.length, 2)
      assert.strictEqual(FakeModel.lastUserText(requests[1]!), "steering text")
      yield* model.waitForDisconnect(1)
      // the same turn holds both user messages
      const read = yield* thread.read({ includeTurns: true })
      assert.strictEqual(read.thread.turns.length, 1)
      const users = itemsOfType(read.thread.turns[0]!.items, "userMessage").map((u) =>
        u.content.map((c) => c.type === "text" ? c.text : "").join("")
      )
      assert.deepStrictEqual(users, ["start working", "steering text"])
      assert.deepStrictEqual(agentTexts(read.thread.turns[0]!.items), ["after steer"])
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("steer accepts a list of input items", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.stall(), FakeModel.message("ok"))
      const thread = yield* startThread()
      const handle = yield* thread.turn("start")
      const { fiber, firstDelta } = yield* collectInBackground(handle)
      yield* firstDelta
      yield* handle.steer(["first part", Inputs.text("second part")])
      yield* Fiber.join(fiber)
      const [, request] = yield* model.waitForRequests(2)
      const last = FakeModel.inputItems(request!).filter((i) => i["role"] === "user").at(-1)!
      const texts = (last["content"] as ReadonlyArray<{ readonly text?: string }>).map((c) => c.text)
      assert.deepStrictEqual(texts, ["first part", "second part"])
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("interrupt ends the turn with status interrupted; a follow-up run works", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.stall({ text: "partial", deltas: 1 }), FakeModel.message("after interrupt"))
      const thread = yield* startThread()
      const handle = yield* thread.turn("long task")
      const running = yield* Effect.forkChild(handle.run)
      yield* model.waitForRequests(1)
      const response = yield* handle.interrupt
      assert.deepStrictEqual(response, {})
      const result = yield* Fiber.join(running)
      assert.strictEqual(result.status, "interrupted")
      assert.strictEqual(result.id, handle.id)
      yield* model.waitForDisconnect(1)

      const next = yield* thread.run("next task")
      assert.strictEqual(next.status, "completed")
      assert.strictEqual(next.finalResponse, "after interrupt")
      const [, request] = yield* model.waitForRequests(2)
      assert.strictEqual(FakeModel.lastUserText(request!), "next task")
      assert.isTrue(FakeModel.userTexts(request!).some((t) => t.includes("<turn_aborted>")))
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("steering a turn that already completed fails with a typed error", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.message("done"))
      const thread = yield* startThread()
      const handle = yield* thread.turn("quick")
      yield* handle.run
      const error = yield* Effect.flip(handle.steer("too late"))
      assert.strictEqual(error._tag, "InvalidRequestError")
      assert.instanceOf(error, Errors.InvalidRequestError)
      assert.match(error.message, /no active turn to steer/)
      // nothing reached the model
      assert.strictEqual((yield* model.requests).length, 1)
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("interrupting a turn that already completed fails with a typed error", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.message("done"))
      const thread = yield* startThread()
      const handle = yield* thread.turn("quick")
      const result = yield* handle.run
      assert.strictEqual(result.status, "completed")
      const error = yield* Effect.flip(handle.interrupt)
      assert.strictEqual(error._tag, "InvalidRequestError")
      assert.match(error.message, /no active turn to interrupt/)
      const read = yield* thread.read({ includeTurns: true })
      assert.strictEqual(read.thread.turns.find((t) => t.id === handle.id)?.status, "completed")
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("steering a thread that never ran a turn fails with a typed error", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const codex = yield* Codex.Codex
      const thread = yield* startThread()
      const handle = makeHandle(codex.client, thread.id, "no-such-turn", undefined)
      const error = yield* Effect.flip(handle.steer("hello?"))
      assert.strictEqual(error._tag, "InvalidRequestError")
      assert.match(error.message, /no active turn to steer/)
      assert.strictEqual((yield* model.requests).length, 0)
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("steering with a stale turn id while another turn runs fails with a typed error", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const codex = yield* Codex.Codex
      yield* model.enqueue(FakeModel.message("first"), FakeModel.stall())
      const thread = yield* startThread()
      const first = yield* thread.run("first")
      const handle = yield* thread.turn("second")
      const running = yield* Effect.forkChild(handle.run)
      yield* model.waitForRequests(2)
      const stale = makeHandle(codex.client, thread.id, first.id, undefined)
      const error = yield* Effect.flip(stale.steer("to the old turn"))
      assert.strictEqual(error._tag, "InvalidRequestError")
      assert.include(error.message, `expected active turn id \`${first.id}\` but found \`${handle.id}\``)
      yield* handle.interrupt
      const result = yield* Fiber.join(running)
      assert.strictEqual(result.status, "interrupted")
      // the steer text never reached the model
      for (const request of yield* model.requests) {
        assert.notInclude(FakeModel.userTexts(request), "to the old turn")
      }
    }).pipe(Effect.provide(CodexTest.layer())))
})
