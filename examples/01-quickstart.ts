/**
 * 01 · Quickstart: start a thread, run one turn, print the answer.
 *
 * `Codex.Codex` is a service; `Backend.layer` provides it (the real service with
 * `OPENAI_API_KEY`, else the real app-server on the embedded FakeModel). `NodeRuntime.runMain`
 * runs the program, and closing its scope stops the `codex app-server` process.
 *
 *     node examples/01-quickstart.ts
 */
import { Codex } from "@effect-codex/core"
import { FakeModel } from "@effect-codex/testing"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import * as Backend from "./_backend.ts"

const program = Effect.gen(function*() {
  const codex = yield* Codex.Codex
  const { name, version } = codex.metadata.serverInfo
  yield* Console.log(`Server: ${name} ${version}`)

  const thread = yield* codex.threadStart()
  const result = yield* thread.run("Say hello in one sentence.")

  yield* Console.log(`Thread: ${thread.id}`)
  yield* Console.log(`Answer: ${result.finalResponse}`)
})

program.pipe(
  Effect.provide(Backend.layer({
    script: [FakeModel.message("Hello from Codex, driven by an Effect program!", { deltas: 3 })]
  })),
  NodeRuntime.runMain
)
