/**
 * The local app-server daemon in a temporary CODEX_HOME: `layerDaemon` fails typed when the
 * daemon is not running, starts it when asked, connects to its control socket and runs a turn;
 * the version check fails typed for a daemon older than required; a running daemon is reached
 * without spawning anything; `daemon stop` stops it.
 */
import * as Codex from "@effect-codex/core/Codex"
import * as NodeCodexRemote from "@effect-codex/node/NodeCodexRemote"
import * as CodexHome from "@effect-codex/testing/CodexHome"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
import * as NodePath from "@effect/platform-node-shared/NodePath"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Fs from "node:fs"
import * as Path from "node:path"

/** The daemon's background updater survives `daemon stop`: end it by the pid it records. */
const killUpdater = (codexHome: string) =>
  Effect.sync(() => {
    try {
      const text = Fs.readFileSync(Path.join(codexHome, "app-server-daemon", "daemon-updater.pid"), "utf8")
      const pid = (JSON.parse(text) as { readonly pid?: unknown }).pid
      if (typeof pid === "number") process.kill(pid, "SIGTERM")
    } catch {
      // no updater
    }
  })

describe("the app-server daemon", () => {
  it.live(
    "start on demand, connect, version check, stop",
    () =>
      Effect.gen(function*() {
        const model = yield* FakeModel.FakeModel
        const codexHome = yield* CodexHome.makeTemp({ port: model.port }).pipe(
          Effect.provide([NodeFileSystem.layer, NodePath.layer])
        )
        const env = CodexTest.testEnv(codexHome)
        yield* Effect.addFinalizer(() =>
          NodeCodexRemote.daemonCommand("stop", { env }).pipe(
            Effect.ignore,
            Effect.andThen(killUpdater(codexHome))
          )
        )

        // not running, and not asked to start it
        const notRunning = yield* Effect.flip(Layer.build(NodeCodexRemote.layerDaemon({ env })))
        assert.strictEqual(notRunning._tag, "DaemonError")

        // started on demand, then a turn over its control socket
        yield* model.enqueue(FakeModel.message("Hello from the daemon."))
        const answer = yield* Effect.scoped(Effect.gen(function*() {
          const context = yield* Layer.build(NodeCodexRemote.layerDaemon({ env, start: true }))
          const codex = Context.get(context, Codex.Codex)
          const thread = yield* codex.threadStart()
          return (yield* thread.run("hi")).finalResponse
        }))
        assert.strictEqual(answer, "Hello from the daemon.")

        const status = yield* NodeCodexRemote.daemonCommand("version", { env })
        assert.strictEqual(status.status, "running")
        assert.strictEqual(
          status.socketPath,
          Path.join(codexHome, "app-server-control", "app-server-control.sock")
        )

        // already running: connects without starting; the thread survived the first client
        const threads = yield* Effect.scoped(Effect.gen(function*() {
          const context = yield* Layer.build(NodeCodexRemote.layerDaemon({ env }))
          const codex = Context.get(context, Codex.Codex)
          return yield* codex.client.request("thread/loaded/list", {})
        }))
        assert.strictEqual(threads.data.length, 1)

        // the fast path spawns nothing: it connects straight to the known control socket, so even a
        // codex binary that does not exist is never needed while the daemon runs
        const direct = yield* Effect.scoped(Effect.gen(function*() {
          const context = yield* Layer.build(NodeCodexRemote.layerDaemon({ env, codexBin: "/nonexistent/codex" }))
          return Context.get(context, Codex.Codex).metadata.serverInfo.version
        }))
        assert.match(direct, /^\d+\.\d+\.\d+/)

        // a client that needs a newer protocol than the daemon's fails typed
        const tooOld = yield* Effect.flip(
          Layer.build(NodeCodexRemote.layerDaemon({ env, requiredVersion: "99.0.0" }))
        )
        assert.strictEqual(tooOld._tag, "DaemonVersionError")
        if (tooOld._tag === "DaemonVersionError") assert.strictEqual(tooOld.requiredVersion, "99.0.0")

        const stopped = yield* NodeCodexRemote.daemonCommand("stop", { env })
        assert.strictEqual(stopped.status, "stopped")
        const after = yield* Effect.flip(Layer.build(NodeCodexRemote.layerDaemon({ env })))
        assert.strictEqual(after._tag, "DaemonError")
      }).pipe(Effect.provide(FakeModel.layer)),
    /* `daemon start` first copies the ~360 MB codex release into CODEX_HOME */ 180_000
  )
})
