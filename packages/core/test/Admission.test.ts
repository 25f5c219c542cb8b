/**
 * Admission of turn starts over the in-memory transport: at most `maxStartingTurns` turns are
 * starting (sent, start-up not done) at once, in FIFO order; a permit is released by the user
 * message's `item/completed` (even before the `turn/start` reply), `turn/completed`, a failed
 * `turn/start`, the safety deadline, or the client closing; waiting is interruptible.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import { TestClock } from "effect/testing"
import * as AppServerClient from "../src/AppServerClient.ts"
import * as Errors from "../src/Errors.ts"
import * as MemoryTransport from "./support/memoryTransport.ts"

const fork = <A, E>(effect: Effect.Effect<A, E>) => Effect.forkChild(effect, { startImmediately: true })

/** Lets the reader and the woken fibers run. */
const settle = Effect.gen(function*() {
  for (let i = 0; i < 20; i++) yield* Effect.yieldNow
})

const setup = (options: AppServerClient.Options) =>
  Effect.gen(function*() {
    const { layer, server } = yield* MemoryTransport.make()
    const client = yield* AppServerClient.make(options).pipe(Effect.provide(layer))
    const starts = () => server.written.filter((m) => m.method === "turn/start")
    /** The threads whose `turn/start` was written, in order. */
    const sent = () => starts().map((m) => (m.params as { threadId: string }).threadId)
    const start = (threadId: string) =>
      fork(client.startTurn({ threadId, input: [{ type: "text", text: "hi", text_elements: [] }] }))
    const requestId = (threadId: string) =>
      starts().find((m) => (m.params as { threadId: string }).threadId === threadId)!.id!
    const reply = (threadId: string) =>
      server.push({
        id: requestId(threadId),
        result: { turn: { id: `turn-${threadId}`, items: [], status: "inProgress" } }
      })
    const userMessageDone = (threadId: string) =>
      server.push({
        method: "item/completed",
        params: {
          threadId,
          turnId: `turn-${threadId}`,
          item: { type: "userMessage", id: `item-${threadId}`, content: [] }
        }
      })
    const turnCompleted = (threadId: string) =>
      server.push({
        method: "turn/completed",
        params: { threadId, turn: { id: `turn-${threadId}`, items: [], status: "completed" } }
      })
    return { client, server, sent, start, requestId, reply, userMessageDone, turnCompleted }
  })

describe("turn admission", () => {
  it.effect("FIFO; released by the user message's item/completed (before the reply too) and by turn/completed", () =>
    Effect.gen(function*() {
      const t = yield* setup({ maxStartingTurns: 1 })
      const a = yield* t.start("a")
      yield* t.start("b")
      yield* t.start("c")
      yield* t.start("d")
      yield* settle
      assert.deepStrictEqual(t.sent(), ["a"])
      // the reply alone does not release: the start-up is not done yet
      yield* t.reply("a")
      yield* settle
      assert.strictEqual((yield* Fiber.join(a)).turn.id, "turn-a")
      assert.deepStrictEqual(t.sent(), ["a"])
      // events that are not the marker, or of another thread, do not release
      yield* t.server.push({
        method: "turn/started",
        params: { threadId: "a", turn: { id: "turn-a", items: [], status: "inProgress" } }
      })
      yield* t.server.push({
        method: "item/completed",
        params: { threadId: "a", turnId: "turn-a", item: { type: "reasoning", id: "r", summary: [], content: [] } }
      })
      yield* t.userMessageDone("zzz")
      yield* settle
      assert.deepStrictEqual(t.sent(), ["a"])
      yield* t.userMessageDone("a")
      yield* settle
      assert.deepStrictEqual(t.sent(), ["a", "b"])
      // the marker before the reply releases too (keyed by thread, not by turn id)
      yield* t.userMessageDone("b")
      yield* settle
      assert.deepStrictEqual(t.sent(), ["a", "b", "c"])
      // turn/completed releases (a turn that failed before its user message was recorded)
      yield* t.turnCompleted("c")
      yield* settle
      assert.deepStrictEqual(t.sent(), ["a", "b", "c", "d"])
    }).pipe(Effect.scoped))

  it.effect("a failed turn/start releases its permit; the failure reaches the caller", () =>
    Effect.gen(function*() {
      const t = yield* setup({ maxStartingTurns: 1 })
      const a = yield* t.start("a")
      yield* t.start("b")
      yield* settle
      yield* t.server.push({ id: t.requestId("a"), error: { code: -32600, message: "thread not found" } })
      yield* settle
      assert.isTrue(Exit.isFailure(yield* Fiber.await(a)))
      assert.deepStrictEqual(t.sent(), ["a", "b"])
    }).pipe(Effect.scoped))

  it.effect("the safety deadline releases a permit the server never marks", () =>
    Effect.gen(function*() {
      const t = yield* setup({ maxStartingTurns: 1, startingTurnTimeout: "3 seconds" })
      yield* t.start("a")
      yield* t.start("b")
      yield* settle
      yield* t.reply("a")
      yield* TestClock.adjust("2 seconds")
      yield* settle
      assert.deepStrictEqual(t.sent(), ["a"])
      yield* TestClock.adjust("1 second")
      yield* settle
      assert.deepStrictEqual(t.sent(), ["a", "b"])
    }).pipe(Effect.scoped))

  it.effect("interrupting a waiter removes it; interrupting after the write keeps the permit", () =>
    Effect.gen(function*() {
      const t = yield* setup({ maxStartingTurns: 1 })
      const a = yield* t.start("a")
      const b = yield* t.start("b")
      yield* t.start("c")
      yield* settle
      assert.deepStrictEqual(t.sent(), ["a"])
      yield* Fiber.interrupt(b)
      // a was written: interrupting its caller does not free the server's start-up work
      yield* Fiber.interrupt(a)
      yield* settle
      assert.deepStrictEqual(t.sent(), ["a"])
      yield* t.userMessageDone("a")
      yield* settle
      assert.deepStrictEqual(t.sent(), ["a", "c"])
    }).pipe(Effect.scoped))

  it.effect("closing the client fails the waiters with TransportClosedError", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const t = yield* setup({ maxStartingTurns: 1 }).pipe(Scope.provide(scope))
      const a = yield* t.start("a")
      const b = yield* t.start("b")
      yield* settle
      yield* Scope.close(scope, Exit.void)
      const exitA = yield* Fiber.await(a)
      const exitB = yield* Fiber.await(b)
      for (const exit of [exitA, exitB]) {
        assert.isTrue(
          Exit.isFailure(exit) &&
            exit.cause.reasons.some((r) => r._tag === "Fail" && r.error instanceof Errors.TransportClosedError)
        )
      }
      assert.deepStrictEqual(t.sent(), ["a"])
    }))

  it.effect("Infinity turns admission off; a bad limit is an InvalidOptionError", () =>
    Effect.gen(function*() {
      const t = yield* setup({ maxStartingTurns: Infinity })
      for (const id of ["a", "b", "c", "d", "e"]) yield* t.start(id)
      yield* settle
      assert.deepStrictEqual(t.sent(), ["a", "b", "c", "d", "e"])
      const bad = yield* Effect.exit(setup({ maxStartingTurns: 0 }))
      assert.isTrue(
        Exit.isFailure(bad) && bad.cause.reasons.some((r) => r._tag === "Fail" && r.error._tag === "InvalidOptionError")
      )
    }).pipe(Effect.scoped))

  it.effect("the default admits 2 turns at once", () =>
    Effect.gen(function*() {
      const t = yield* setup({})
      for (const id of ["a", "b", "c"]) yield* t.start(id)
      yield* settle
      assert.deepStrictEqual(t.sent(), ["a", "b"])
      yield* t.userMessageDone("b")
      yield* settle
      assert.deepStrictEqual(t.sent(), ["a", "b", "c"])
    }).pipe(Effect.scoped))
})
