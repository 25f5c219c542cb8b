/**
 * 08 · Errors and retries.
 *
 * Every SDK error is a tagged error in the Effect error channel, so it can be matched with
 * `Effect.catchTag` / `Effect.catchTags`:
 *
 * 1. `Retry.retryOnOverload()` retries calls the server rejected as overloaded (`ServerBusyError`),
 *    with exponential backoff and jitter; a failed turn (`TurnFailedError`) is not an overload, so
 *    it surfaces at once and is handled here.
 * 2. Your own policy: retry failed turns on a `Schedule` (the thread stays usable after a failure).
 * 3. Options are checked before anything is sent: `InvalidOptionError`.
 *
 *     node examples/08-error-handling-and-retry.ts
 */
import { Codex, Retry } from "@effect-codex/core"
import { FakeModel } from "@effect-codex/testing"
import { NodeRuntime } from "@effect/platform-node"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Backend from "./_backend.ts"

const program = Effect.gen(function*() {
  const codex = yield* Codex.Codex
  const thread = yield* codex.threadStart()

  // 1. Retry overloads; handle the other failures by tag.
  const first = yield* thread.run("Summarize the theory of relativity in one sentence.").pipe(
    Retry.retryOnOverload({ maxAttempts: 3 }),
    Effect.map((result) => `answer: ${result.finalResponse}`),
    Effect.catchTags({
      ServerBusyError: (error) => Effect.succeed(`still overloaded after 3 attempts: ${error.message}`),
      TurnFailedError: (error) => Effect.succeed(`turn failed: ${error.message}`)
    })
  )
  yield* Console.log(`1. ${first}`)

  // 2. Retry failed turns on a Schedule: exponential backoff, at most 2 retries.
  const policy = Schedule.exponential("200 millis").pipe(Schedule.upTo({ times: 2 }))
  const second = yield* thread.run("Try again: one sentence on relativity.").pipe(
    Effect.tapError((error) => Console.log(`2. attempt failed (${error._tag}), retrying…`)),
    Effect.retry({ schedule: policy, while: (error) => error._tag === "TurnFailedError" })
  )
  yield* Console.log(`2. answer after retrying: ${second.finalResponse}`)

  // 3. Invalid options fail before anything is sent.
  const invalid = yield* thread.run("never sent").pipe(
    Retry.retryOnOverload({ maxAttempts: 0 }),
    Effect.flip
  )
  yield* Console.log(`3. ${invalid._tag}: ${invalid.message}`)
})

program.pipe(
  Effect.provide(Backend.layer({
    script: [
      FakeModel.failed("the model is overloaded with thoughts"),
      FakeModel.httpError(500),
      FakeModel.message("Space and time form one fabric that mass bends, and light always moves at the same speed.")
    ]
  })),
  NodeRuntime.runMain
)
