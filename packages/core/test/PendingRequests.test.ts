/**
 * The pending-request table on its own: the in-flight window (FIFO, interruption, 5,000 calls),
 * deadlines (typed error naming method and id, slot freed at the timeout, late reply dropped),
 * and `failAll` (in-flight and queued calls fail at once).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { TestClock } from "effect/testing"
import * as Errors from "../src/Errors.ts"
import * as PendingRequests from "../src/internal/pendingRequests.ts"

interface Sent {
  readonly id: number
  readonly method: string
  readonly params?: unknown
}

/** A table whose `send` records the messages it writes. */
const table = (options: { readonly maxInFlight: number; readonly timeout?: Duration.Duration }) => {
  const sent: Array<Sent> = []
  const pending = PendingRequests.make({
    send: (line) => Effect.sync(() => void sent.push(JSON.parse(line) as Sent)),
    maxInFlight: options.maxInFlight,
    timeout: options.timeout ?? Duration.infinity
  })
  const reply = (id: number, result: unknown = { ok: id }) => pending.onResponse({ id, result })
  return { sent, pending, reply }
}

const fork = <A, E>(effect: Effect.Effect<A, E>) => Effect.forkChild(effect, { startImmediately: true })

describe("pendingRequests", () => {
  it.effect("writes at most maxInFlight requests; the rest follow in order of arrival", () =>
    Effect.gen(function*() {
      const { pending, reply, sent } = table({ maxInFlight: 2 })
      const fibers = yield* Effect.forEach([0, 1, 2, 3, 4], (i) => fork(pending.call(`m${i}`, { i })))
      assert.deepStrictEqual(sent.map((m) => m.method), ["m0", "m1"])
      assert.strictEqual(pending.inFlight(), 2)
      assert.strictEqual(pending.queued(), 3)
      reply(sent[1]!.id)
      yield* Effect.yieldNow
      assert.deepStrictEqual(sent.map((m) => m.method), ["m0", "m1", "m2"])
      for (let i = 0; i < sent.length; i++) reply(sent[i]!.id)
      yield* Effect.yieldNow
      for (let i = 3; i < sent.length; i++) reply(sent[i]!.id)
      const results = yield* Fiber.joinAll(fibers)
      assert.deepStrictEqual(sent.map((m) => m.method), ["m0", "m1", "m2", "m3", "m4"])
      assert.deepStrictEqual(results, sent.map((m) => ({ ok: m.id })))
      assert.strictEqual(pending.inFlight(), 0)
      assert.strictEqual(pending.queued(), 0)
    }))

  it.effect("an interrupted waiter gives up its place; the next one in line is sent", () =>
    Effect.gen(function*() {
      const { pending, reply, sent } = table({ maxInFlight: 1 })
      const a = yield* fork(pending.call("a", {}))
      const b = yield* fork(pending.call("b", {}))
      const c = yield* fork(pending.call("c", {}))
      yield* Fiber.interrupt(b)
      assert.strictEqual(pending.queued(), 1)
      reply(sent[0]!.id)
      yield* Fiber.join(a)
      yield* Effect.yieldNow
      assert.deepStrictEqual(sent.map((m) => m.method), ["a", "c"])
      reply(sent[1]!.id)
      assert.deepStrictEqual(yield* Fiber.join(c), { ok: sent[1]!.id })
    }))

  it.live("5,000 concurrent calls through a window of 64 all succeed, sent in order of arrival", () =>
    Effect.gen(function*() {
      const sent: Array<Sent> = []
      let peak = 0
      let pendingRef: PendingRequests.PendingRequests | undefined
      // a server that answers every request on a later tick
      const pending = PendingRequests.make({
        send: (line) =>
          Effect.sync(() => {
            const message = JSON.parse(line) as Sent
            sent.push(message)
            peak = Math.max(peak, pendingRef!.inFlight())
            setTimeout(() => pendingRef!.onResponse({ id: message.id, result: message.params }), 0)
          }),
        maxInFlight: 64,
        timeout: Duration.infinity
      })
      pendingRef = pending
      const results = yield* Effect.forEach(
        Array.from({ length: 5000 }, (_, i) => i),
        (i) => pending.call("thread/list", i),
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual(results, Array.from({ length: 5000 }, (_, i) => i))
      assert.deepStrictEqual(sent.map((m) => m.params), Array.from({ length: 5000 }, (_, i) => i))
      assert.strictEqual(peak, 64)
    }))

  it.effect("a deadline fails with TimeoutError naming method and id, frees the slot; a late reply is dropped", () =>
    Effect.gen(function*() {
      const { pending, reply, sent } = table({ maxInFlight: 1, timeout: Duration.seconds(10) })
      const slow = yield* fork(Effect.exit(pending.call("thread/read", { threadId: "t" })))
      const next = yield* fork(pending.call("model/list", {}))
      // queued time does not count: only `slow` is on the clock
      yield* TestClock.adjust("9 seconds")
      assert.deepStrictEqual(sent.map((m) => m.method), ["thread/read"])
      yield* TestClock.adjust("1 second")
      const exit = yield* Fiber.join(slow)
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
      assert.strictEqual(error?._tag, "Fail")
      const timeout = (error as { readonly error: Errors.TimeoutError }).error
      assert.strictEqual(timeout._tag, "TimeoutError")
      assert.strictEqual(timeout.method, "thread/read")
      assert.strictEqual(timeout.requestId, sent[0]!.id)
      assert.include(timeout.message, `request ${sent[0]!.id}`)
      // the slot was freed at the timeout: the queued call is sent
      yield* Effect.yieldNow
      assert.deepStrictEqual(sent.map((m) => m.method), ["thread/read", "model/list"])
      // the late reply to the timed-out request is dropped (a debug log), and goes to no one else
      const late = reply(sent[0]!.id, { wrong: true })
      assert.isDefined(late)
      reply(sent[1]!.id)
      assert.deepStrictEqual(yield* Fiber.join(next), { ok: sent[1]!.id })
    }))

  it.effect("a per-call timeout overrides the default; an invalid one is rejected before sending", () =>
    Effect.gen(function*() {
      const { pending, sent } = table({ maxInFlight: 4 })
      const fiber = yield* fork(Effect.flip(pending.call("a", {}, { timeout: "1 second" })))
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Fiber.join(fiber))._tag, "TimeoutError")
      const invalid = yield* Effect.flip(pending.call("b", {}, { timeout: "banana" as Duration.Input }))
      assert.strictEqual(invalid._tag, "InvalidOptionError")
      assert.deepStrictEqual(sent.map((m) => m.method), ["a"])
    }))

  it.effect("failAll fails in-flight and queued calls at once, and every later call", () =>
    Effect.gen(function*() {
      const { pending, sent } = table({ maxInFlight: 2 })
      const fibers = yield* Effect.forEach([0, 1, 2, 3, 4], (i) => fork(Effect.flip(pending.call(`m${i}`, {}))))
      assert.strictEqual(pending.queued(), 3)
      const closed = new Errors.TransportClosedError({ reason: "gone" })
      pending.failAll(closed)
      const errors = yield* Fiber.joinAll(fibers)
      assert.deepStrictEqual(errors, [closed, closed, closed, closed, closed])
      assert.strictEqual(sent.length, 2)
      assert.strictEqual(pending.queued(), 0)
      assert.strictEqual(pending.inFlight(), 0)
      assert.strictEqual(yield* Effect.flip(pending.call("later", {})), closed)
    }))

  it.effect("a string with a lone surrogate fails with InvalidOptionError naming its path; nothing is sent", () =>
    Effect.gen(function*() {
      const { pending, sent } = table({ maxInFlight: 1 })
      const error = yield* Effect.flip(
        pending.call("turn/start", { threadId: "t", input: [{ type: "text", text: "ok \uD800 no" }] })
      )
      assert.strictEqual(error._tag, "InvalidOptionError")
      assert.strictEqual((error as Errors.InvalidOptionError).option, "params.input[0].text")
      assert.strictEqual(sent.length, 0)
      assert.strictEqual(pending.inFlight(), 0)
    }))
})
