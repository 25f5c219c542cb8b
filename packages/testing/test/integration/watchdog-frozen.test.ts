/**
 * The bounded watchdog (issue 11.5) on the REAL `codex app-server`: against a frozen server
 * (SIGSTOP) a turn with `idleTimeout` fails with a typed `TimeoutError` (its `thread/read` has its
 * own deadline) instead of hanging; an invalid `idleTimeout` from untyped code fails with
 * `InvalidOptionError` naming the option, and nothing is sent.
 */
import type * as Errors from "@effect-codex/core/Errors"
import type * as Thread from "@effect-codex/core/Thread"
import * as NodeTransport from "@effect-codex/node/NodeTransport"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { freeze } from "../support/freeze.ts"
import { startThread } from "./helpers.ts"

describe("bounded watchdog", () => {
  it.live("a frozen server: the watchdog's thread/read times out and the stream fails typed", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const info = yield* NodeTransport.ProcessInfo
      yield* model.enqueue(FakeModel.stall({ text: "never finishes", deltas: 1 }))
      const thread = yield* startThread()
      const handle = yield* thread.turn("stall", { idleTimeout: "1 second" })
      yield* model.waitForRequests(1)
      // freeze the server (SIGCONT when the scope closes, whatever happens)
      yield* freeze(info.pid)
      const error = yield* handle.stream.pipe(Stream.runDrain, Effect.flip)
      assert.strictEqual(error._tag, "TimeoutError")
      const timeout = error as Errors.TimeoutError
      assert.strictEqual(timeout.turnId, handle.id)
      assert.strictEqual(timeout.method, "thread/read")
      assert.include(timeout.message, "thread/read failed")
    }).pipe(Effect.scoped, Effect.provide(CodexTest.layer())))

  for (
    const [label, idleTimeout] of [
      ["a nonsense string", "banana"],
      ["a negative number", -5],
      ["zero", 0],
      ["NaN", Number.NaN],
      ["an object", { minutes: "x" }]
    ] as const
  ) {
    it.live(`idleTimeout as ${label} fails with InvalidOptionError before anything is sent`, () =>
      Effect.gen(function*() {
        const model = yield* FakeModel.FakeModel
        const thread = yield* startThread()
        const options = { idleTimeout } as unknown as Thread.TurnOptions
        const error = yield* Effect.flip(thread.turn("hello", options))
        assert.strictEqual(error._tag, "InvalidOptionError")
        const invalid = error as Errors.InvalidOptionError
        assert.strictEqual(invalid.option, "idleTimeout")
        assert.include(invalid.message, "idleTimeout must be a positive duration")
        const runError = yield* Effect.flip(thread.run("hello", options))
        assert.strictEqual(runError._tag, "InvalidOptionError")
        // no turn/start was sent: the model saw nothing, and the next valid turn is the thread's first
        assert.strictEqual((yield* model.requests).length, 0)
        yield* model.enqueue(FakeModel.message("ok"))
        yield* thread.run("hello", { idleTimeout: "30 seconds" })
        const read = yield* thread.read({ includeTurns: true })
        assert.strictEqual(read.thread.turns.length, 1)
      }).pipe(Effect.provide(CodexTest.layer())))
  }
})
