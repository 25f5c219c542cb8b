/**
 * The turn idle watchdog (`thread.turn(input, { idleTimeout })`, internal/watchdog.ts): on the real
 * binary a stalled model makes the stream fail with `TimeoutError` (the server still reports the
 * turn in progress); against the in-memory FakeAppServer (TestClock), a turn whose
 * `turn/completed` never arrives is reconciled through `thread/read` and ends with a synthesized
 * `turn/completed` and the items the server knows.
 */
import * as AppServerClient from "@effect-codex/core/AppServerClient"
import * as Codex from "@effect-codex/core/Codex"
import * as Notification from "@effect-codex/core/Notification"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as FakeAppServer from "@effect-codex/testing/FakeAppServer"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { TestClock } from "effect/testing"
import * as InternalThread from "../../../core/src/internal/thread.ts"

// =============================================================================
// Real binary
// =============================================================================

describe("Turn watchdog on the real app-server", () => {
  it.live(
    "a silent turn fails with TimeoutError while the server still reports it in progress",
    () =>
      Effect.gen(function*() {
        const codex = yield* Codex.Codex
        const model = yield* FakeModel.FakeModel
        const { workspace } = yield* CodexTest.CodexTest
        yield* model.enqueue(FakeModel.stall({ text: "Still thinking", deltas: 1 }))
        const thread = yield* codex.threadStart({ cwd: workspace })
        const handle = yield* thread.turn("stall", { idleTimeout: "1 second" })
        const started = yield* Clock.currentTimeMillis
        let deltas = 0
        const error = yield* handle.stream.pipe(
          Stream.tap((e) => Effect.sync(() => e.method === "item/agentMessage/delta" && deltas++)),
          Stream.runDrain,
          Effect.flip,
          Effect.timeout("30 seconds")
        )
        const elapsed = (yield* Clock.currentTimeMillis) - started
        assert.strictEqual(deltas, 1)
        assert.strictEqual(error._tag, "TimeoutError")
        assert.strictEqual((error as { turnId?: string }).turnId, handle.id)
        assert.include(error.message, "in progress")
        assert.isAtLeast(elapsed, 1000)
        const read = yield* thread.read({ includeTurns: true })
        const turn = read.thread.turns.find((t) => t.id === handle.id)
        assert.strictEqual(turn?.status, "inProgress")
        // the turn is still alive on the server: it can be interrupted
        yield* handle.interrupt
      }).pipe(Effect.provide(CodexTest.layer())),
    { timeout: 60_000 }
  )
})

// =============================================================================
// In-memory server (TestClock)
// =============================================================================

const threadId = "th-1"
const turnId = "turn-1"

const userMessage = { type: "userMessage", id: "item-user", content: [{ type: "text", text: "hi", text_elements: [] }] }
const agentMessage = { type: "agentMessage", id: "msg_1", text: "Hello from the server's history", phase: null }

const turn = (status: string, items: ReadonlyArray<object> = []) =>
  FakeAppServer.turn(turnId, {
    items,
    status,
    startedAt: 1,
    completedAt: status === "inProgress" ? null : 2,
    durationMs: status === "inProgress" ? null : 1000
  })

const fakeThread = (turns: ReadonlyArray<object>) => FakeAppServer.thread(threadId, { turns })

/**
 * A server that starts the turn, streams its user message and the start of an agent message,
 * and never sends `turn/completed`; `thread/read` reports the turn with `status` (and counts).
 */
const serverLayer = (status: string, reads: { count: number }) =>
  AppServerClient.layer().pipe(
    Layer.provideMerge(FakeAppServer.layer({
      handlers: {
        "turn/start": (_, { server }) =>
          Effect.gen(function*() {
            yield* server.notify("turn/started", { threadId, turn: turn("inProgress") })
            yield* server.notify("item/completed", { threadId, turnId, item: userMessage, completedAtMs: 1 })
            yield* server.notify("item/agentMessage/delta", { threadId, turnId, itemId: "msg_1", delta: "Hello" })
            return { turn: turn("inProgress") }
          }),
        "thread/read": () =>
          Effect.sync(() => {
            reads.count++
            return {
              thread: fakeThread([turn(status, status === "completed" ? [userMessage, agentMessage] : [userMessage])])
            }
          })
      }
    }))
  )

/** Lets every runnable fiber run (no time passes). */
const settle = Effect.yieldNow.pipe(Effect.repeat({ times: 100 }))

describe("Turn watchdog against an in-memory server", () => {
  it.effect("reconciles a turn whose turn/completed never arrives (silence)", () => {
    const reads = { count: 0 }
    return Effect.gen(function*() {
      const client = yield* AppServerClient.AppServerClient
      const handle = yield* InternalThread.make(client, threadId).turn("hi", { idleTimeout: "30 seconds" })
      const events = yield* handle.stream.pipe(Stream.runCollect, Effect.forkChild({ startImmediately: true }))
      yield* settle
      yield* TestClock.adjust("29 seconds")
      yield* settle
      assert.isUndefined(events.pollUnsafe(), "the watchdog fired early")
      assert.strictEqual(reads.count, 0)
      yield* TestClock.adjust("2 seconds")
      const received = yield* Fiber.join(events)
      assert.strictEqual(reads.count, 1)
      assert.deepStrictEqual(received.map((e) => e.method), [
        "turn/started",
        "item/completed",
        "item/agentMessage/delta",
        // synthesized from thread/read: the items the stream had not seen, then turn/completed
        "item/completed",
        "turn/completed"
      ])
      const last = received[received.length - 1]!
      assert.isFalse(Notification.isUnknown(last))
      if (Notification.is("turn/completed")(last)) {
        assert.strictEqual(last.params.threadId, threadId)
        assert.strictEqual(last.params.turn.id, turnId)
        assert.strictEqual(last.params.turn.status, "completed")
      }
    }).pipe(Effect.provide(serverLayer("completed", reads)))
  })

  it.effect("run collects the server's items once each and its final response", () => {
    const reads = { count: 0 }
    return Effect.gen(function*() {
      const client = yield* AppServerClient.AppServerClient
      const handle = yield* InternalThread.make(client, threadId).turn("hi", { idleTimeout: "10 seconds" })
      const run = yield* handle.run.pipe(Effect.forkChild({ startImmediately: true }))
      yield* settle
      yield* TestClock.adjust("11 seconds")
      const result = yield* Fiber.join(run)
      assert.strictEqual(result.status, "completed")
      assert.strictEqual(result.finalResponse, "Hello from the server's history")
      assert.deepStrictEqual(result.items.map((i) => i.id), ["item-user", "msg_1"])
      assert.strictEqual(result.durationMs, 1000)
    }).pipe(Effect.provide(serverLayer("completed", reads)))
  })

  it.effect("reconciles when the thread reports idle without turn/completed", () => {
    const reads = { count: 0 }
    return Effect.gen(function*() {
      const client = yield* AppServerClient.AppServerClient
      const fake = yield* FakeAppServer.FakeAppServer
      const handle = yield* InternalThread.make(client, threadId).turn("hi", { idleTimeout: "1 hour" })
      const events = yield* handle.stream.pipe(Stream.runCollect, Effect.forkChild({ startImmediately: true }))
      yield* settle
      yield* fake.notify("thread/status/changed", { threadId, status: { type: "idle" } })
      yield* settle
      assert.strictEqual(reads.count, 0, "reconciled before the grace period")
      // the grace period: min(idleTimeout, 1 second)
      yield* TestClock.adjust("1 second")
      const received = yield* Fiber.join(events)
      assert.strictEqual(reads.count, 1)
      assert.strictEqual(received[received.length - 1]!.method, "turn/completed")
    }).pipe(Effect.provide(serverLayer("completed", reads)))
  })

  it.effect("fails with TimeoutError when the server still reports the turn in progress", () => {
    const reads = { count: 0 }
    return Effect.gen(function*() {
      const client = yield* AppServerClient.AppServerClient
      const handle = yield* InternalThread.make(client, threadId).turn("hi", { idleTimeout: "5 seconds" })
      const run = yield* handle.run.pipe(Effect.flip, Effect.forkChild({ startImmediately: true }))
      yield* settle
      yield* TestClock.adjust("6 seconds")
      const error = yield* Fiber.join(run)
      assert.strictEqual(error._tag, "TimeoutError")
      assert.include(error.message, "in progress")
      assert.strictEqual(reads.count, 1)
    }).pipe(Effect.provide(serverLayer("inProgress", reads)))
  })

  it.effect("events keep the watchdog quiet, and a real turn/completed ends the stream without thread/read", () => {
    const reads = { count: 0 }
    return Effect.gen(function*() {
      const client = yield* AppServerClient.AppServerClient
      const fake = yield* FakeAppServer.FakeAppServer
      const handle = yield* InternalThread.make(client, threadId).turn("hi", { idleTimeout: "10 seconds" })
      const events = yield* handle.stream.pipe(Stream.runCollect, Effect.forkChild({ startImmediately: true }))
      yield* settle
      for (let i = 0; i < 3; i++) {
        yield* TestClock.adjust("8 seconds")
        yield* fake.notify("item/agentMessage/delta", { threadId, turnId, itemId: "msg_1", delta: ` ${i}` })
        yield* settle
      }
      yield* fake.notify("turn/completed", { threadId, turn: turn("completed", [agentMessage]) })
      const received = yield* Fiber.join(events)
      assert.strictEqual(reads.count, 0)
      assert.strictEqual(received.filter((e) => e.method === "item/agentMessage/delta").length, 4)
      assert.strictEqual(received[received.length - 1]!.method, "turn/completed")
    }).pipe(Effect.provide(serverLayer("completed", reads)))
  })
})
