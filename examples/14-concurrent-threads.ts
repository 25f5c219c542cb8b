/**
 * 14 · Many threads at once, with structured concurrency.
 *
 * One app-server runs many turns concurrently, each routed to its own thread. `Effect.forEach`
 * with `{ concurrency: 3 }` runs at most three at a time and returns the results in input order.
 * It is structured: if one fiber fails (or the whole program is interrupted, e.g. by Ctrl-C, or
 * times out), the others are interrupted too, and their turns stop with the scope.
 *
 *     node examples/14-concurrent-threads.ts
 */
import { Codex } from "@effect-codex/core"
import { FakeModel } from "@effect-codex/testing"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Duration, Effect } from "effect"
import * as Backend from "./_backend.ts"

const questions = [
  "Name a prime number between 10 and 20.",
  "Name a planet with rings.",
  "Name a sorting algorithm.",
  "Name a primary color.",
  "Name a noble gas."
]

/** One question, on its own thread. */
const ask = (question: string) =>
  Effect.gen(function*() {
    const codex = yield* Codex.Codex
    const thread = yield* codex.threadStart({ ephemeral: true })
    const result = yield* thread.run(`${question} Answer in a few words.`)
    return { question, thread: thread.id, answer: result.finalResponse ?? "(no answer)" }
  })

const program = Effect.gen(function*() {
  const [elapsed, answers] = yield* Effect.forEach(questions, ask, { concurrency: 3 }).pipe(
    Effect.timeout("2 minutes"),
    Effect.timed
  )
  for (const { answer, question } of answers) {
    yield* Console.log(`${question} → ${answer}`)
  }
  const threads = new Set(answers.map((a) => a.thread)).size
  yield* Console.log(
    `${answers.length} answers from ${threads} threads in ${(Duration.toMillis(elapsed) / 1000).toFixed(1)} s`
  )
})

// Offline, the FakeModel answers requests in arrival order, so every scripted reply is generic
// and slow enough (300 ms) that the concurrency shows in the total time.
const reply = (n: number) => FakeModel.message(`Scripted answer #${n}.`, { deltas: 3, delayMs: 100 })

program.pipe(
  Effect.provide(Backend.layer({ script: questions.map((_, i) => reply(i + 1)) })),
  NodeRuntime.runMain
)
