/**
 * 05 · Thread lifecycle and controls: name, read, list, fork, compact, archive, unarchive.
 *
 * Lifecycle calls live on the `Codex` service (`threadList`, `threadFork`, `threadArchive`,
 * `threadUnarchive`); per-thread controls on the `Thread` (`setName`, `read`, `compact`).
 * Compaction runs as a turn of its own: we subscribe to the notifications before starting it,
 * so its `turn/completed` cannot be missed.
 *
 *     node examples/05-lifecycle-and-controls.ts
 */
import { AppServerClient, Codex } from "@effect-codex/core"
import * as Notification from "@effect-codex/core/Notification"
import { FakeModel } from "@effect-codex/testing"
import { NodeRuntime } from "@effect/platform-node"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Backend from "./_backend.ts"

/** Compacts a thread and waits for the compaction turn to complete. */
const compactAndWait = (codex: Codex.Service, threadId: string) =>
  Effect.scoped(Effect.gen(function*() {
    const notifications = yield* codex.client.subscribe
    yield* codex.thread(threadId).compact
    return yield* notifications.pipe(
      Stream.filter((n) => Notification.is("turn/completed")(n) && n.params.threadId === threadId),
      Stream.runHead
    )
  }))

const program = Effect.gen(function*() {
  const codex = yield* Codex.Codex

  const thread = yield* codex.threadStart()
  const first = yield* thread.run("Give me three names for a pet goldfish.")
  yield* Console.log(`Started ${thread.id}: ${first.finalResponse}`)

  yield* thread.setName("goldfish names")
  const { thread: info } = yield* thread.read()
  yield* Console.log(`Named: ${info.name}`)

  const listed = yield* codex.threadList({ limit: 10 })
  yield* Console.log(`Listed: ${listed.data.some((t) => t.id === thread.id) ? "yes" : "no"}`)

  const fork = yield* codex.threadFork(thread.id)
  const { thread: forkInfo } = yield* fork.read()
  yield* Console.log(
    `Forked into ${fork.id} (forked from ${forkInfo.forkedFromId === thread.id ? "the original" : "?"})`
  )

  const compacted = yield* compactAndWait(codex, thread.id)
  yield* Console.log(`Compacted: ${compacted._tag === "Some" ? "turn completed" : "no turn seen"}`)

  yield* codex.threadArchive(thread.id)
  const archived = yield* codex.threadList({ archived: true, limit: 10 })
  yield* Console.log(`Archived: ${archived.data.some((t) => t.id === thread.id) ? "yes" : "no"}`)

  const restored = yield* codex.threadUnarchive(thread.id)
  const active = yield* codex.threadList({ limit: 10 })
  yield* Console.log(`Unarchived: ${active.data.some((t) => t.id === restored.id) ? "yes" : "no"}`)
})

program.pipe(
  Effect.provide(Backend.layer({
    script: [
      FakeModel.message("Bubbles, Finn and Goldie."),
      FakeModel.message("Summary: the user asked for goldfish names; I suggested Bubbles, Finn and Goldie.")
    ]
  })),
  NodeRuntime.runMain
)
