/**
 * 02 · Run a turn and read its result.
 *
 * `thread.run(input)` starts a turn, collects its events and returns a `TurnResult`: status,
 * timings, the final response, every completed item, and the token usage.
 *
 *     node examples/02-run.ts
 */
import { Codex } from "@effect-codex/core"
import { FakeModel } from "@effect-codex/testing"
import { NodeRuntime } from "@effect/platform-node"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Backend from "./_backend.ts"

const program = Effect.gen(function*() {
  const codex = yield* Codex.Codex
  const thread = yield* codex.threadStart()
  const result = yield* thread.run("How many times does the letter r appear in 'strawberry'? Answer in one sentence.")

  yield* Console.log(`Turn:     ${result.id}`)
  yield* Console.log(`Status:   ${result.status}`)
  yield* Console.log(`Duration: ${result.durationMs ?? "?"} ms`)
  yield* Console.log(`Items:    ${result.items.map((item) => item.type).join(", ")}`)
  yield* Console.log(`Answer:   ${result.finalResponse}`)
  if (result.usage !== null) {
    const { inputTokens, outputTokens, totalTokens } = result.usage.last
    yield* Console.log(`Usage:    ${inputTokens} in, ${outputTokens} out, ${totalTokens} total`)
  }
})

program.pipe(
  Effect.provide(Backend.layer({
    script: [
      FakeModel.response([
        FakeModel.reasoning("Count the r's: st-r-awbe-r-r-y."),
        FakeModel.message("The letter r appears 3 times in 'strawberry'.")
      ], { usage: { inputTokens: 42, outputTokens: 12 } })
    ]
  })),
  NodeRuntime.runMain
)
