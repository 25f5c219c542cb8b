/**
 * The per-turn routing state machine on its own, driven by scripted message orders: events that
 * arrive before the `turn/start` reply, a turn that completes before it, buffers nobody claims,
 * late subscribers, several subscribers, and a closed connection.
 */
import { assert, describe, it } from "@effect/vitest"
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import * as Errors from "../src/Errors.ts"
import * as TurnRouter from "../src/internal/turnRouter.ts"
import type { Notification } from "../src/Notification.ts"

const started = (threadId: string, turnId: string) =>
  ({ method: "turn/started", params: { threadId, turn: { id: turnId } } }) as const
const delta = (threadId: string, turnId: string, text: string) =>
  ({ method: "item/agentMessage/delta", params: { threadId, turnId, itemId: "i", delta: text } }) as const
const completed = (threadId: string, turnId: string) =>
  ({ method: "turn/completed", params: { threadId, turn: { id: turnId } } }) as const

type Message = ReturnType<typeof started> | ReturnType<typeof delta> | ReturnType<typeof completed>

/** Routes scripted messages (the notification is the message itself). */
const feed = (router: TurnRouter.TurnRouter, ...messages: ReadonlyArray<Message>) => {
  for (const m of messages) router.route(m.method, m.params, m as unknown as Notification)
}

const subscriber = () => Queue.unbounded<Notification, Errors.TransportClosedError | Cause.Done>()

/** What a subscriber received, once its queue ended: method and delta text. */
const received = (q: TurnRouter.Subscriber) =>
  Stream.runCollect(Stream.fromQueue(q)).pipe(
    Effect.map((events) =>
      events.map((e) => e.method === "item/agentMessage/delta" ? (e.params as { delta: string }).delta : e.method)
    )
  )

describe("turnRouter", () => {
  it.effect("events before the turn/start reply are buffered and replayed to the starter", () =>
    Effect.gen(function*() {
      const router = TurnRouter.make()
      const q = yield* subscriber()
      router.beginStart("th")
      feed(router, started("th", "t1"), delta("th", "t1", "a"))
      router.attach("t1", q, true, "th")
      router.endStart("th")
      feed(router, delta("th", "t1", "b"), completed("th", "t1"))
      assert.deepStrictEqual(yield* received(q), ["turn/started", "a", "b", "turn/completed"])
      assert.strictEqual(router.size(), 0)
    }))

  it.effect("a turn that completes before the reply: the starter gets everything, then the end", () =>
    Effect.gen(function*() {
      const router = TurnRouter.make()
      const q = yield* subscriber()
      router.beginStart("th")
      feed(router, started("th", "t1"), delta("th", "t1", "a"), completed("th", "t1"))
      router.attach("t1", q, true, "th")
      router.endStart("th")
      assert.deepStrictEqual(yield* received(q), ["turn/started", "a", "turn/completed"])
      assert.strictEqual(router.size(), 0)
    }))

  it.effect("without a pending start, events of unwatched turns are dropped (nothing kept)", () =>
    Effect.gen(function*() {
      const router = TurnRouter.make()
      feed(router, started("th", "t1"), delta("th", "t1", "a"))
      assert.strictEqual(router.size(), 0)
      // a subscriber from now on sees only what comes after
      const q = yield* subscriber()
      router.attach("t1", q, false)
      feed(router, delta("th", "t1", "b"), completed("th", "t1"))
      assert.deepStrictEqual(yield* received(q), ["b", "turn/completed"])
    }))

  it("buffers nobody claims are dropped when the start ends (a failed turn/start leaks nothing)", () => {
    {
      const router = TurnRouter.make()
      router.beginStart("th")
      feed(router, started("th", "t9"), delta("th", "t9", "x"))
      assert.strictEqual(router.size(), 1)
      router.endStart("th")
      assert.strictEqual(router.size(), 0)
    }
  })

  it("another thread's pending start does not buffer this thread's turns", () => {
    const router = TurnRouter.make()
    router.beginStart("other")
    feed(router, started("th", "t1"))
    assert.strictEqual(router.size(), 0)
    router.endStart("other")
  })

  it.effect("a subscriber of a recently completed turn ends at once", () =>
    Effect.gen(function*() {
      const router = TurnRouter.make()
      feed(router, completed("th", "t1"))
      const q = yield* subscriber()
      router.attach("t1", q, false)
      assert.deepStrictEqual(yield* received(q), [])
      assert.strictEqual(router.size(), 0)
    }))

  it.effect("several subscribers each get every event; one leaving does not disturb the others", () =>
    Effect.gen(function*() {
      const router = TurnRouter.make()
      const a = yield* subscriber()
      const b = yield* subscriber()
      router.attach("t1", a, false)
      router.attach("t1", b, false)
      feed(router, delta("th", "t1", "1"))
      router.detach("t1", a)
      yield* Queue.end(a)
      feed(router, delta("th", "t1", "2"), completed("th", "t1"))
      assert.deepStrictEqual(yield* received(a), ["1"])
      assert.deepStrictEqual(yield* received(b), ["1", "2", "turn/completed"])
      assert.strictEqual(router.size(), 0)
    }))

  it.effect("events of interleaved turns go to their own subscribers", () =>
    Effect.gen(function*() {
      const router = TurnRouter.make()
      const a = yield* subscriber()
      const b = yield* subscriber()
      router.attach("A", a, false)
      router.attach("B", b, false)
      feed(
        router,
        delta("th1", "A", "a1"),
        delta("th2", "B", "b1"),
        delta("th1", "A", "a2"),
        completed("th2", "B"),
        delta("th1", "A", "a3"),
        completed("th1", "A")
      )
      assert.deepStrictEqual(yield* received(a), ["a1", "a2", "a3", "turn/completed"])
      assert.deepStrictEqual(yield* received(b), ["b1", "turn/completed"])
    }))

  it.effect("failAll fails every subscriber, and later ones at once", () =>
    Effect.gen(function*() {
      const router = TurnRouter.make()
      const q = yield* subscriber()
      router.attach("t1", q, false)
      const error = new Errors.TransportClosedError({ reason: "gone" })
      router.failAll(error)
      assert.strictEqual(yield* Effect.flip(received(q)), error)
      const later = yield* subscriber()
      router.attach("t2", later, false)
      assert.strictEqual(yield* Effect.flip(received(later)), error)
      assert.strictEqual(router.size(), 0)
    }))

  it("turnIdOf / threadIdOf read the ids the events carry", () => {
    assert.strictEqual(TurnRouter.turnIdOf({ turnId: "a" }), "a")
    assert.strictEqual(TurnRouter.turnIdOf({ turn: { id: "b" } }), "b")
    assert.strictEqual(TurnRouter.turnIdOf([]), undefined)
    assert.strictEqual(TurnRouter.threadIdOf({ threadId: "t" }), "t")
    assert.strictEqual(TurnRouter.threadIdOf(null), undefined)
  })
})
