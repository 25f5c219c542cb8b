/**
 * A few integration scenarios (run a turn, stream deltas, approvals) over every transport: stdio,
 * WebSocket and Unix socket, against the real binary (`--listen` for the sockets).
 */
import * as Codex from "@effect-codex/core/Codex"
import * as Errors from "@effect-codex/core/Errors"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as CodexTestRemote from "@effect-codex/testing/CodexTestRemote"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { agentTexts, deltas } from "../integration/helpers.ts"

const startThread = Effect.gen(function*() {
  const codex = yield* Codex.Codex
  const { workspace } = yield* CodexTest.CodexTest
  return yield* codex.threadStart({ cwd: workspace })
})

describe.each(CodexTestRemote.transports)("over %s", (transport) => {
  it.live("runs a turn", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.message(`Hello over ${transport}.`, { deltas: 3 }))
      const thread = yield* startThread
      const result = yield* thread.run("hello")
      assert.strictEqual(result.status, "completed")
      assert.strictEqual(result.finalResponse, `Hello over ${transport}.`)
      assert.deepStrictEqual(agentTexts(result.items), [`Hello over ${transport}.`])
      assert.strictEqual(FakeModel.lastUserText((yield* model.requests)[0]!), "hello")
    }).pipe(Effect.provide(CodexTestRemote.layer({ transport }))))
})
