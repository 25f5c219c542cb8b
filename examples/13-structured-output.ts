/**
 * 13 · Structured output with a Schema.
 *
 * Pass an Effect `Schema` as `outputSchema`: its JSON Schema is sent to the model (which must
 * answer with matching JSON), and `run` decodes the answer, so `result.output` is fully typed.
 * An answer that does not match fails with `StructuredOutputError`, which keeps the raw text.
 *
 *     node examples/13-structured-output.ts
 */
import { Codex } from "@effect-codex/core"
import { FakeModel } from "@effect-codex/testing"
import { NodeRuntime } from "@effect/platform-node"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Backend from "./_backend.ts"

/** What we want back: a small, typed summary of a programming language. */
const Language = Schema.Struct({
  name: Schema.String,
  firstReleased: Schema.Int,
  paradigms: Schema.Array(Schema.String),
  typing: Schema.Literals(["static", "dynamic", "gradual"])
})

const program = Effect.gen(function*() {
  const codex = yield* Codex.Codex
  const thread = yield* codex.threadStart()

  const { output } = yield* thread.run("Describe the TypeScript programming language.", { outputSchema: Language })
  yield* Console.log(`${output.name} (${output.firstReleased}), ${output.typing} typing`)
  yield* Console.log(`Paradigms: ${output.paradigms.join(", ")}`)

  // A reply that does not match the schema is a typed error, with the raw text kept.
  const mismatch = yield* thread.run("Describe Python.", { outputSchema: Language }).pipe(
    Effect.map(({ output }) => `decoded ${output.name}`),
    Effect.catchTag("StructuredOutputError", (error) => Effect.succeed(`StructuredOutputError, raw: ${error.raw}`))
  )
  yield* Console.log(mismatch)
})

program.pipe(
  Effect.provide(Backend.layer({
    script: [
      FakeModel.message(JSON.stringify({
        name: "TypeScript",
        firstReleased: 2012,
        paradigms: ["object-oriented", "functional", "imperative"],
        typing: "gradual"
      })),
      // Offline, the second answer is deliberately wrong: "firstReleased" is not an integer.
      FakeModel.message(JSON.stringify({ name: "Python", firstReleased: "1991", paradigms: [], typing: "dynamic" }))
    ]
  })),
  NodeRuntime.runMain
)
