import { Codex, Retry, Turn } from "@effect-codex/core"
import { NodeCodex } from "@effect-codex/node"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Stream } from "effect"

const program = Effect.gen(function*() {
  const codex = yield* Codex.Codex // a service: NodeCodex.layer() provides it
  const thread = yield* codex.threadStart()
  const turn = yield* thread.turn("Explain this repository in three sentences.").pipe(
    // an overloaded server is retried on a Schedule: exponential backoff with jitter
    Retry.retryOnOverload({ maxAttempts: 5 })
  )
  // the turn is a Stream of typed events: print the answer as it is written
  yield* turn.stream.pipe(
    Turn.textDeltas,
    Stream.runForEach((text) => Effect.sync(() => process.stdout.write(text)))
  )
  const result = yield* turn.run // the collected TurnResult (items, usage, final response)
  yield* Console.log(`\n${result.usage?.total.totalTokens ?? 0} tokens`)
})

// the Layer spawns `codex app-server` and stops it when the program ends
program.pipe(Effect.provide(NodeCodex.layer()), NodeRuntime.runMain)
