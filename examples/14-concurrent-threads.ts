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
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Backend from "./_backend.ts"

/** The questions, and what the offline FakeModel answers to each. */
const questions: ReadonlyArray<readonly [question: string, offlineAnswer: string]> = [
  ["Name a prime number between 10 and 20.", "13."],
  ["Name a planet with rings.", "Saturn."],
  ["Name a sorting algorithm.", "Merge sort."],
  ["Name a primary color.", "Blue."],
  ["Name a noble gas.", "Neon."]
]

/** One question, on its own thread (offline, `offlineAnswer` is what the FakeModel replies). */
const ask = ([question, offlineAnswer]: readonly [string, string]) =>
  Effect.gen(function*() {
    const codex = yield* Codex.Codex
    const backend = yield* Backend.Backend
    const thread = yield* codex.threadStart({ ephemeral: true })
    const reply = FakeModel.message(offlineAnswer, { deltas: 3, delayMs: 100 })
    const result = yield* backend.answering(reply, thread.run(`${question} Answer in a few words.`))
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

// Offline, each reply is slow enough (300 ms) that the concurrency shows in the total time.
program.pipe(
  Effect.provide(Backend.layer()),
  NodeRuntime.runMain
)
