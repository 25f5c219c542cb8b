/**
 * 07 · Send a local image file with text.
 *
 * `Inputs.localImage(path)` names a file on the app-server's machine; codex reads it and sends it
 * to the model. The image is written to a scoped temporary folder, removed when the program ends.
 *
 *     node examples/07-local-image-and-text.ts [path/to/image.png]
 */
import { Codex, Inputs } from "@effect-codex/core"
import { FakeModel } from "@effect-codex/testing"
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Path from "effect/Path"
import * as Backend from "./_backend.ts"

/** The same 16×16 checkerboard PNG as in example 06, as bytes. */
const checkerboardPng = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAIUlEQVR42mP4z8CAQMgAhzjDYNRAhCJk8UGpYTQeBoMGAKBT/hB9K4gQAAAAAElFTkSuQmCC",
  "base64"
)

/** The image to send: the path given on the command line, or the checkerboard in a temporary folder. */
const imagePath = Effect.gen(function*() {
  const given = process.argv[2]
  if (given !== undefined) return given
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const dir = yield* fs.makeTempDirectoryScoped({ prefix: "effect-codex-example-" })
  const file = path.join(dir, "checkerboard.png")
  yield* fs.writeFile(file, checkerboardPng)
  return file
})

const program = Effect.gen(function*() {
  const codex = yield* Codex.Codex
  const file = yield* imagePath
  yield* Console.log(`Image: ${file.split("/").pop()}`)

  const thread = yield* codex.threadStart()
  const result = yield* thread.run([
    Inputs.text("Describe this image in one sentence."),
    Inputs.localImage(file)
  ])
  yield* Console.log(`Answer: ${result.finalResponse}`)
})

program.pipe(
  Effect.scoped,
  Effect.provide(NodeServices.layer),
  Effect.provide(Backend.layer({
    script: [FakeModel.message("A tiny checkerboard of red and white squares.")]
  })),
  NodeRuntime.runMain
)
