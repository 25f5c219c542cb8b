/**
 * Admission of turn starts on the real binary: 20 concurrent turns with `maxStartingTurns: 2`
 * all complete, and at no moment are more than 2 turns starting (seen from the connection: a turn
 * is starting between its `turn/started` and the `item/completed` of its user message or its
 * `turn/completed`); with `Infinity` (the off switch) the same burst completes too, with all the
 * turns starting together (the server emits every `turn/started` before its first user message).
 */
import * as AppServerClient from "@effect-codex/core/AppServerClient"
import * as Codex from "@effect-codex/core/Codex"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

const TURNS = 20

/** Starts TURNS turns at once on TURNS threads; returns their answers and the most turns seen starting at once. */
const burst = Effect.gen(function*() {
  const codex = yield* Codex.Codex
  const client = yield* AppServerClient.AppServerClient
  const model = yield* FakeModel.FakeModel
  const { workspace } = yield* CodexTest.CodexTest
  const threads = yield* Effect.forEach(Array.from({ length: TURNS }), () => codex.threadStart({ cwd: workspace }))
  yield* model.enqueue(...Array.from({ length: TURNS }, () => FakeModel.message("ok", { delayMs: 200 })))
  // starting turns, by thread: started and not yet marked
  const starting = new Set<string>()
  let most = 0
  const events = yield* client.subscribe
  yield* events.pipe(
    Stream.runForEach((n) =>
      Effect.sync(() => {
        const params = n.params as { readonly threadId?: string; readonly item?: { readonly type?: string } }
        const threadId = params.threadId
        if (threadId === undefined) return
        if (n.method === "turn/started") {
          starting.add(threadId)
          most = Math.max(most, starting.size)
        } else if (
          n.method === "turn/completed" || (n.method === "item/completed" && params.item?.type === "userMessage")
        ) starting.delete(threadId)
      })
    ),
    Effect.forkScoped
  )
  const answers = yield* Effect.forEach(threads, (thread) => Effect.map(thread.run("hello"), (r) => r.finalResponse), {
    concurrency: "unbounded"
  })
  return { answers, most }
})

describe("turn admission on the real app-server", () => {
  it.live(
    "20 concurrent turns with admission 2 all complete, never more than 2 starting at once",
    () =>
      Effect.gen(function*() {
        const { answers, most } = yield* burst
        assert.deepStrictEqual(answers, Array.from({ length: TURNS }, () => "ok"))
        assert.isAtLeast(most, 1)
        assert.isAtMost(most, 2)
      }).pipe(
        Effect.scoped,
        Effect.provide(CodexTest.layer({ codex: { maxStartingTurns: 2, startingTurnTimeout: "60 seconds" } }))
      ),
    { timeout: 180_000 }
  )

  it.live(
    "the off switch (Infinity): the same burst completes, with more than 2 turns starting at once",
    () =>
      Effect.gen(function*() {
        const { answers, most } = yield* burst
        assert.deepStrictEqual(answers, Array.from({ length: TURNS }, () => "ok"))
        assert.isAbove(most, 2)
      }).pipe(Effect.scoped, Effect.provide(CodexTest.layer({ codex: { maxStartingTurns: Infinity } }))),
    { timeout: 180_000 }
  )
})
