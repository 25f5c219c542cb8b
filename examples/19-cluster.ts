/**
 * 19 · Threads on a cluster: two runners, each with its own codex app-server.
 *
 * `@effect-codex/cluster` shards Codex threads over runners with `effect/cluster`. A thread is
 * named by a key you choose (a task id, a PR number); `CodexCluster.thread(key)` reaches it on
 * whichever runner owns that key, with the shape of core's `Thread` (`run`, `stream`, `steer`,
 * `interrupt`, `read`). Here two socket runners live in this one process and share a SQLite file
 * (in production: separate machines and Postgres, see docs/cluster.md). Every thread's history
 * and every turn's result are stored in that database, so another runner can take a thread over.
 *
 * Offline only (even with OPENAI_API_KEY set): both app-servers talk to the embedded FakeModel.
 *
 *     node examples/19-cluster.ts
 */
import { CodexCluster } from "@effect-codex/cluster"
import { NodeCodex } from "@effect-codex/node"
import { CodexHome, CodexTest, FakeModel } from "@effect-codex/testing"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as ShardId from "effect/cluster/ShardId"
import * as Sharding from "effect/cluster/Sharding"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as References from "effect/References"
import * as Schedule from "effect/Schedule"
import * as net from "node:net"
import * as path from "node:path"

const tasks = ["task-1", "task-2", "task-3", "task-4"]

/** The shards of the cluster (`ShardingConfig`'s default). */
const shardsPerGroup = 300

/** A free loopback port for a runner. */
const freePort = Effect.callback<number>((resume) => {
  const server = net.createServer().listen(0, "127.0.0.1", () => {
    const { port } = server.address() as net.AddressInfo
    server.close(() => resume(Effect.succeed(port)))
  })
})

const program = Effect.gen(function*() {
  yield* Console.log(
    "[offline] OPENAI_API_KEY is not set: running the real codex app-server against the embedded FakeModel"
  )
  const model = yield* FakeModel.FakeModel
  const fs = yield* FileSystem.FileSystem
  const dir = yield* fs.makeTempDirectoryScoped({ prefix: "codex-cluster-example-" })
  const sql = SqliteClient.layer({ filename: path.join(dir, "cluster.db") })
  const owners = new Map<string, string>()

  /** A runner: its own app-server (its own CODEX_HOME) on the FakeModel, its own port. */
  const runner = Effect.fnUntraced(function*(name: string) {
    const codexHome = yield* CodexHome.makeTemp({ port: model.port })
    return CodexCluster.layerRunner({
      host: "127.0.0.1",
      port: yield* freePort,
      sql,
      codex: NodeCodex.layer({ cwd: dir, env: CodexTest.testEnv(codexHome) }),
      runner: {
        codexHome,
        // runs on the runner that takes the thread: where its work happens
        workspace: (key) => Effect.sync(() => (owners.set(key, name), dir))
      }
    })
  })
  // both runners join the cluster; the program talks through runner A's client
  const contextA = yield* Layer.build(yield* runner("A"))
  const contextB = yield* Layer.build(yield* runner("B"))

  // a joining runner takes over part of the others' shards, and a turn on a shard that moves runs
  // again on its new owner: start the work once the shards have settled between A and B
  const held = (context: typeof contextA) => {
    const sharding = Context.get(context, Sharding.Sharding)
    let count = 0
    for (let id = 1; id <= shardsPerGroup; id++) if (sharding.hasShardId(ShardId.make("default", id))) count++
    return count
  }
  yield* Effect.sync(() => [held(contextA), held(contextB)]).pipe(
    Effect.repeat({
      until: ([a, b]) => a > 0 && b > 0 && a + b === shardsPerGroup,
      schedule: Schedule.spaced("100 millis")
    }),
    Effect.timeout("60 seconds")
  )

  yield* Effect.gen(function*() {
    for (const key of tasks) {
      yield* model.enqueue(FakeModel.message(`${key} is done.`))
      const thread = yield* CodexCluster.thread(key)
      const result = yield* thread.run(`Work on ${key}.`)
      yield* Console.log(`${key} → runner ${owners.get(key)}: ${result.finalResponse}`)
    }
    // a second turn on a thread goes to the same runner, with the thread's history
    yield* model.enqueue(FakeModel.message("Yes: task-1 is done."))
    const again = yield* (yield* CodexCluster.thread("task-1")).run("Is task-1 done?")
    yield* Console.log(`task-1 again → runner ${owners.get("task-1")}: ${again.finalResponse}`)
    const read = yield* (yield* CodexCluster.thread("task-1")).read({ includeTurns: true })
    yield* Console.log(`task-1 has ${read.thread.turns.length} turns`)
  }).pipe(Effect.provide(contextA))
})

program.pipe(
  Effect.scoped,
  // the cluster logs its runners' life (listening, shards moving, a runner leaving) at Info and Warn
  Effect.provideService(References.MinimumLogLevel, "Error"),
  Effect.provide([FakeModel.layer, NodeFileSystem.layer, NodePath.layer]),
  NodeRuntime.runMain
)
