/**
 * 01 · Quickstart: check the credentials, start a thread, run one turn, print the answer.
 *
 * `Codex.Codex` is a service; `Backend.layer` provides it (the real service with
 * `OPENAI_API_KEY`, else the real app-server on the embedded FakeModel). `NodeRuntime.runMain`
 * runs the program, and closing its scope stops the `codex app-server` process.
 *
 * Before the first turn it reads the account: when the provider needs OpenAI auth and nobody is
 * logged in, a turn would only retry and fail, so the program stops with a clear error instead.
 *
 *     node examples/01-quickstart.ts
 */
import { Codex } from "@effect-codex/core"
import { FakeModel } from "@effect-codex/testing"
import { NodeRuntime } from "@effect/platform-node"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Backend from "./_backend.ts"

/** No credentials for a provider that needs them. */
class NoCredentialsError extends Schema.TaggedError<NoCredentialsError>()("NoCredentialsError", {}) {
  override get message() {
    return "no credentials: set OPENAI_API_KEY or run `codex login`"
  }
}

const program = Effect.gen(function*() {
  const codex = yield* Codex.Codex
  // The app-server's version; its `userAgent` starts with our client name (it is echoed back).
  yield* Console.log(`Codex app-server: ${codex.metadata.serverInfo.version}`)

  const { account, requiresOpenaiAuth } = yield* codex.account()
  if (requiresOpenaiAuth && !account) return yield* new NoCredentialsError()
  yield* Console.log(`Credentials: ${account ? account.type : "not needed by this provider"}`)

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
