/**
 * 15 · Test a program that uses Codex, with `@effect-codex/testing`.
 *
 * `CodexTest.layer()` runs the real `codex app-server` against a scripted `FakeModel`, in a fresh
 * temporary `CODEX_HOME` and workspace: no network, no credentials, deterministic answers. The
 * test scripts what the "model" answers, runs the program, then checks both what the program
 * returned and what the model was sent.
 *
 *     pnpm exec vitest run examples/15-testing-your-program.test.ts
 */
import { Codex } from "@effect-codex/core"
import { CodexTest, FakeModel } from "@effect-codex/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

// ---------------------------------------------------------------------------------------------
// The program under test: labels an issue, falling back to "needs-triage" when the model fails.
// ---------------------------------------------------------------------------------------------

const Label = Schema.Struct({
  label: Schema.Literals(["bug", "feature", "question"]),
  confidence: Schema.Finite
})

const labelIssue = (title: string, body: string) =>
  Effect.gen(function*() {
    const codex = yield* Codex.Codex
    const thread = yield* codex.threadStart({ ephemeral: true })
    const { output } = yield* thread.run(`Label this issue.\nTitle: ${title}\n\n${body}`, { outputSchema: Label })
    return output.confidence >= 0.5 ? output.label : "needs-triage"
  }).pipe(
    Effect.catchTags({
      TurnFailedError: () => Effect.succeed("needs-triage" as const),
      StructuredOutputError: () => Effect.succeed("needs-triage" as const)
    })
  )

// ---------------------------------------------------------------------------------------------
// Its tests.
// ---------------------------------------------------------------------------------------------

describe("labelIssue", () => {
  it.live("returns the model's label and sends it the issue and the schema", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.message(JSON.stringify({ label: "bug", confidence: 0.9 })))

      const label = yield* labelIssue("Crash on start", "It segfaults when I run it.")

      expect(label).toBe("bug")
      const [request] = yield* model.requests
      expect(FakeModel.lastUserText(request!)).toContain("Crash on start")
      expect(FakeModel.outputSchema(request!)).toMatchObject({
        type: "object",
        required: ["label", "confidence"],
        additionalProperties: false
      })
      yield* model.assertDrained
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("falls back to needs-triage when the model is unsure, fails, or answers garbage", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(
        FakeModel.message(JSON.stringify({ label: "feature", confidence: 0.2 })),
        FakeModel.failed("model unavailable"),
        FakeModel.message("I think it is a bug?")
      )

      const labels = yield* Effect.forEach(["unsure", "failing", "garbage"], (title) => labelIssue(title, "..."))

      expect(labels).toEqual(["needs-triage", "needs-triage", "needs-triage"])
      yield* model.assertDrained
    }).pipe(Effect.provide(CodexTest.layer())))
})
