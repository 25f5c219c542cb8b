/**
 * 06 · Send an image with text.
 *
 * A turn's input can mix text and images: `Inputs.image(url)` takes an image URL, preferably a
 * `data:image/...;base64,` URL (here a 16×16 red-and-white checkerboard PNG, built in).
 *
 *     node examples/06-image-and-text.ts
 */
import { Codex, Inputs } from "@effect-codex/core"
import { FakeModel } from "@effect-codex/testing"
import { NodeRuntime } from "@effect/platform-node"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Backend from "./_backend.ts"

/** A 16×16 PNG: red and white squares of 4×4 pixels. */
const checkerboard = "data:image/png;base64," +
  "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAIUlEQVR42mP4z8CAQMgAhzjDYNRAhCJk8UGpYTQeBoMGAKBT/hB9K4gQAAAAAElFTkSuQmCC"

const program = Effect.gen(function*() {
  const codex = yield* Codex.Codex
  const thread = yield* codex.threadStart()
  const result = yield* thread.run([
    Inputs.text("What is in this image? Answer in one sentence."),
    Inputs.image(checkerboard)
  ])
  yield* Console.log(`Answer: ${result.finalResponse}`)
})

program.pipe(
  Effect.provide(Backend.layer({
    script: [FakeModel.message("A small red-and-white checkerboard pattern.")]
  })),
  NodeRuntime.runMain
)
