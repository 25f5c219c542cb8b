/**
 * 04 · Continue an existing thread.
 *
 * Threads are stored by the app-server, so a later program can pick one up by id with
 * `codex.threadResume(id)` and keep talking; the model sees the whole history. Pass an id to
 * resume one of yours; without one, this example first creates a thread to resume.
 *
 *     node examples/04-existing-thread.ts [thread-id]
 */
import { Codex } from "@effect-codex/core"
import { FakeModel } from "@effect-codex/testing"
import { NodeRuntime } from "@effect/platform-node"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Backend from "./_backend.ts"

/** Creates a thread with one turn, as an earlier program would have, and returns its id. */
const earlierSession = Effect.gen(function*() {
  const codex = yield* Codex.Codex
  const thread = yield* codex.threadStart()
  const first = yield* thread.run("Remember this word for later: apple. Reply with a short acknowledgement.")
  yield* Console.log(`Earlier session: ${first.finalResponse}`)
  return thread.id
})

const program = Effect.gen(function*() {
  const codex = yield* Codex.Codex
  const threadId = process.argv[2] ?? (yield* earlierSession)

  const thread = yield* codex.threadResume(threadId)
  yield* Console.log(`Resumed thread ${thread.id}`)

  const result = yield* thread.run("Which word did I ask you to remember?")
  yield* Console.log(`Answer: ${result.finalResponse}`)

  const { thread: stored } = yield* thread.read({ includeTurns: true })
  yield* Console.log(`The thread now has ${stored.turns.length} turns.`)
})

program.pipe(
  Effect.provide(Backend.layer({
    script: [FakeModel.message("Noted: apple."), FakeModel.message("You asked me to remember: apple.")]
  })),
  NodeRuntime.runMain
)
