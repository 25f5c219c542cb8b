import { Codex } from "@effect-codex/core"
import { CodexTest, FakeModel } from "@effect-codex/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"

// The program under test: asks Codex for a one-line commit message for a diff.
const commitMessage = (diff: string) =>
  Effect.gen(function*() {
    const codex = yield* Codex.Codex
    const thread = yield* codex.threadStart({ ephemeral: true })
    const result = yield* thread.run(`Write a one-line commit message for this diff:\n${diff}`)
    return (result.finalResponse ?? "").trim()
  })

describe("commitMessage", () => {
  it.live("returns the model's answer and sends it the diff", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.message("Fix the off-by-one in the pager"))

      const message = yield* commitMessage("- for (i = 0; i <= n; i++)\n+ for (i = 0; i < n; i++)")

      expect(message).toBe("Fix the off-by-one in the pager")
      const [request] = yield* model.requests
      expect(FakeModel.lastUserText(request!)).toContain("i < n")
      yield* model.assertDrained
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("fails with TurnFailedError when the model fails", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.failed("model exploded"))

      const error = yield* commitMessage("+ x").pipe(Effect.flip)

      expect(error._tag).toBe("TurnFailedError")
      expect(error.message).toContain("model exploded")
    }).pipe(Effect.provide(CodexTest.layer())))
})
