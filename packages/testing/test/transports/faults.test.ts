/**
 * Connection loss on the socket transports: kill -9 of the listening app-server mid-turn fails
 * every pending request and the open turn stream with `TransportClosedError` at once, and later
 * sends fail the same way.
 */
import * as AppServerClient from "@effect-codex/core/AppServerClient"
import * as CodexTestRemote from "@effect-codex/testing/CodexTestRemote"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { expectTransportClosed, stalledTurn } from "../support/faults.ts"
import { stop } from "../support/freeze.ts"

describe.each(["ws", "unix"] as const)("kill -9 of the %s listener", (transport) => {
  it.live("fails the open turn stream and every pending request with TransportClosedError", () =>
    Effect.gen(function*() {
      const client = yield* AppServerClient.AppServerClient
      const server = yield* CodexTestRemote.RemoteServer
      const { handle, stream } = yield* stalledTurn
      // Freeze the server so that requests stay pending, then kill it.
      yield* stop(server.pid)
      const pending = yield* Effect.forEach(
        [0, 1, 2],
        () => client.request("model/list", {}).pipe(Effect.forkChild({ startImmediately: true }))
      )
      const run = yield* handle.run.pipe(Effect.forkChild({ startImmediately: true }))
      yield* server.kill("SIGKILL")

      const streamError = yield* expectTransportClosed(stream, "turn stream")
      assert.include(streamError.reason, "closed")
      for (const [i, fiber] of pending.entries()) yield* expectTransportClosed(fiber, `request ${i}`)
      yield* expectTransportClosed(run, "turn run")
      // a new request after the drop fails at once, typed
      const after = yield* Effect.flip(client.request("model/list", {}))
      assert.strictEqual(after._tag, "TransportClosedError")
      yield* server.exit
    }).pipe(Effect.provide(CodexTestRemote.layerRemote({ transport }))))
})
