/**
 * Connection loss on the socket transports: kill -9 of the listening app-server mid-turn fails
 * every pending request and the open turn stream with `TransportClosedError` at once, and later
 * sends fail the same way.
 */
import * as AppServerClient from "@effect-codex/core/AppServerClient"
import * as Codex from "@effect-codex/core/Codex"
import type * as Errors from "@effect-codex/core/Errors"
import * as Notification from "@effect-codex/core/Notification"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as CodexTestRemote from "@effect-codex/testing/CodexTestRemote"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import { waitStopped } from "../support/freeze.ts"

const isDelta = (e: Notification.Notification) => Notification.is("item/agentMessage/delta")(e)

const expectClosed = (fiber: Fiber.Fiber<unknown, unknown>, what: string) =>
  Effect.gen(function*() {
    const error = yield* Fiber.join(fiber).pipe(
      Effect.flip,
      Effect.timeoutOrElse({ duration: "20 seconds", orElse: () => Effect.die(`${what} hung after SIGKILL`) })
    )
    assert.strictEqual((error as { _tag?: string })._tag, "TransportClosedError", `${what}: ${String(error)}`)
    return error as Errors.TransportClosedError
  })

describe.each(["ws", "unix"] as const)("kill -9 of the %s listener", (transport) => {
  it.live("fails the open turn stream and every pending request with TransportClosedError", () =>
    Effect.gen(function*() {
      const codex = yield* Codex.Codex
      const client = yield* AppServerClient.AppServerClient
      const model = yield* FakeModel.FakeModel
      const server = yield* CodexTestRemote.RemoteServer
      const { workspace } = yield* CodexTest.CodexTest
      yield* model.enqueue(FakeModel.stall({ text: "Thinking forever", deltas: 1 }))
      const thread = yield* codex.threadStart({ cwd: workspace })
      const handle = yield* thread.turn("take your time")
      const firstDelta = yield* Deferred.make<void>()
      const stream = yield* handle.stream.pipe(
        Stream.tap((e) => (isDelta(e) ? Deferred.succeed(firstDelta, undefined) : Effect.void)),
        Stream.runDrain,
        Effect.forkChild({ startImmediately: true })
      )
      yield* Deferred.await(firstDelta)
      // Freeze the server so that requests stay pending, then kill it.
      yield* server.kill("SIGSTOP")
      yield* waitStopped(server.pid)
      const pending = yield* Effect.forEach(
        [0, 1, 2],
        () => client.request("model/list", {}).pipe(Effect.forkChild({ startImmediately: true }))
      )
      const run = yield* handle.run.pipe(Effect.forkChild({ startImmediately: true }))
      yield* server.kill("SIGKILL")

      const streamError = yield* expectClosed(stream, "turn stream")
      assert.include(streamError.reason, "closed")
      for (const [i, fiber] of pending.entries()) yield* expectClosed(fiber, `request ${i}`)
      yield* expectClosed(run, "turn run")
      // a new request after the drop fails at once, typed
      const after = yield* Effect.flip(client.request("model/list", {}))
      assert.strictEqual(after._tag, "TransportClosedError")
      yield* server.exit
    }).pipe(Effect.provide(CodexTestRemote.layerRemote({ transport }))))
})
