/**
 * 17 · Talk to an app-server over a Unix socket.
 *
 * `codex app-server --listen unix:///abs/path.sock` serves the same WebSocket protocol over a Unix
 * socket: no TCP port, and access is controlled by the file's permissions (no token). This
 * example starts one against the embedded FakeModel and connects twice: the thread of the first
 * client is still there for the second (the server outlives its clients).
 *
 *     node examples/17-unix-socket.ts
 */
import { Codex } from "@effect-codex/core"
import * as NodeCodexRemote from "@effect-codex/node/NodeCodexRemote"
import { FakeModel } from "@effect-codex/testing"
import * as CodexTestRemote from "@effect-codex/testing/CodexTestRemote"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"

const program = Effect.gen(function*() {
  const model = yield* FakeModel.FakeModel
  yield* model.enqueue(FakeModel.message("First answer."), FakeModel.message("Second answer, same thread."))
  const { dirs, listener } = yield* CodexTestRemote.listen({ transport: "unix" })
  yield* Console.log(
    "[offline] started codex app-server --listen unix://… against the embedded FakeModel."
  )
  const path = listener.url.slice("unix://".length)
  const connection = NodeCodexRemote.layerUnixSocket({ path })

  // First program: starts a thread and leaves.
  const threadId = yield* Effect.gen(function*() {
    const codex = yield* Codex.Codex
    const thread = yield* codex.threadStart({ cwd: dirs.workspace })
    const result = yield* thread.run("Hello?")
    yield* Console.log(`Client 1: ${result.finalResponse}`)
    return thread.id
  }).pipe(Effect.provide(connection))

  // Second program: a new connection resumes the same thread.
  yield* Effect.gen(function*() {
    const codex = yield* Codex.Codex
    const thread = yield* codex.threadResume(threadId)
    const result = yield* thread.run("Still there?")
    yield* Console.log(`Client 2: ${result.finalResponse}`)
  }).pipe(Effect.provide(connection))
}).pipe(Effect.provide(FakeModel.layer))

program.pipe(Effect.scoped, NodeRuntime.runMain)
