/**
 * Reconnection (opt-in `Schedule`): the listening app-server is killed and restarted on the same
 * Unix socket; the open turn stream fails with `TransportClosedError` (nothing is replayed), the
 * connection comes back with a new handshake, and the thread, stored by the server, resumes on it.
 */
import * as Errors from "@effect-codex/core/Errors"
import * as NodeAppServer from "@effect-codex/node/NodeAppServer"
import * as NodeCodexRemote from "@effect-codex/node/NodeCodexRemote"
import * as CodexHome from "@effect-codex/testing/CodexHome"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
import * as NodePath from "@effect/platform-node-shared/NodePath"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

describe("reconnect", () => {
  it.live("reconnects after the server restarts; the open turn fails typed; the thread resumes", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const codexHome = yield* CodexHome.makeTemp({ port: model.port }).pipe(
        Effect.provide([NodeFileSystem.layer, NodePath.layer])
      )
      const dir = yield* Effect.acquireRelease(
        Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-codex-sock-"))),
        (d) => Effect.sync(() => Fs.rmSync(d, { recursive: true, force: true }))
      )
      const socket = Path.join(dir, "app-server.sock")
      const serve = (scope: Scope.Scope) =>
        NodeAppServer.listen({ listen: `unix://${socket}`, env: CodexTest.testEnv(codexHome), cwd: dir }).pipe(
          Scope.provide(scope)
        )
      const firstScope = yield* Scope.make()
      const server = yield* serve(firstScope)

      const context = yield* Layer.build(NodeCodexRemote.layerReconnecting({
        url: `unix://${socket}`,
        reconnect: Schedule.spaced("50 millis").pipe(Schedule.upTo({ times: 400 }))
      }))
      const connection = Context.get(context, NodeCodexRemote.RemoteConnection)
      const codex = yield* connection.codex
      yield* model.enqueue(FakeModel.message("before"), FakeModel.stall({ text: "long", deltas: 1 }))
      const thread = yield* codex.threadStart({ cwd: dir })
      assert.strictEqual((yield* thread.run("one")).finalResponse, "before")
      const handle = yield* thread.turn("two")
      const firstDelta = yield* Deferred.make<void>()
      const open = yield* handle.stream.pipe(
        Stream.tap((e) =>
          e.method === "item/agentMessage/delta" ? Deferred.succeed(firstDelta, undefined) : Effect.void
        ),
        Stream.runDrain,
        Effect.flip,
        Effect.forkChild({ startImmediately: true })
      )
      // the model is streaming turn two when the server dies
      yield* Deferred.await(firstDelta)

      yield* server.kill("SIGKILL")
      yield* server.exit
      const error = yield* Fiber.join(open)
      assert.instanceOf(error, Errors.TransportClosedError)
      yield* Scope.close(firstScope, Exit.void)

      // restart on the same socket and CODEX_HOME
      yield* serve(yield* Effect.scope)
      yield* connection.awaitGeneration(0)
      const state = yield* connection.state
      assert.strictEqual(state._tag, "Connected")
      assert.isAbove(state._tag === "Connected" ? state.generation : 0, 0)
      const codex2 = yield* connection.codex
      assert.notStrictEqual(codex2, codex)
      const resumed = yield* codex2.threadResume(thread.id, { cwd: dir })
      yield* model.enqueue(FakeModel.message("after"))
      assert.strictEqual((yield* resumed.run("three")).finalResponse, "after")
      // what survived: the completed turn; the turn cut by the crash is not replayed
      const requests = yield* model.requests
      assert.deepStrictEqual(requests.map((r) => FakeModel.lastUserText(r)), ["one", "two", "three"])
    }).pipe(Effect.provide(FakeModel.layer)))
})
