/**
 * 16 · Talk to a running app-server over WebSocket, with a capability token.
 *
 * One `codex app-server --listen ws://IP:PORT` can serve many short-lived programs. Start one with
 *
 *     codex app-server --listen ws://127.0.0.1:4500 --ws-auth capability-token --ws-token-file /abs/token
 *
 * and run this example with `CODEX_APP_SERVER_URL=ws://127.0.0.1:4500
 * CODEX_APP_SERVER_TOKEN_FILE=/abs/token` (read by `NodeCodexRemote.layerConfig()`). Without
 * `CODEX_APP_SERVER_URL` it starts its own listener on a free port, against the embedded
 * FakeModel. Upstream calls the WebSocket transport experimental; stdio stays the default.
 *
 *     node examples/16-websocket.ts
 */
import { Codex } from "@effect-codex/core"
import * as SocketTransport from "@effect-codex/core/SocketTransport"
import * as NodeCodexRemote from "@effect-codex/node/NodeCodexRemote"
import { FakeModel } from "@effect-codex/testing"
import * as CodexTestRemote from "@effect-codex/testing/CodexTestRemote"
import { NodeRuntime } from "@effect/platform-node"
import { Config, Console, Effect, Layer, Option } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

const askOnce = Effect.gen(function*() {
  const codex = yield* Codex.Codex
  const thread = yield* codex.threadStart()
  const result = yield* thread.run("Say hello over the socket.")
  yield* Console.log(`Answer: ${result.finalResponse}`)
})

/** Offline: our own listener with a random capability token in a private temporary file. */
const offline = Effect.gen(function*() {
  const dir = yield* Effect.acquireRelease(
    Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-ws-token-"))),
    (d) => Effect.sync(() => Fs.rmSync(d, { recursive: true, force: true }))
  )
  const tokenFile = Path.join(dir, "token")
  Fs.writeFileSync(tokenFile, crypto.randomUUID(), { mode: 0o600 })
  const model = yield* FakeModel.FakeModel
  yield* model.enqueue(FakeModel.message("Hello from the other end of a WebSocket!"))
  const { listener } = yield* CodexTestRemote.listen({
    transport: "ws",
    wsAuth: { mode: "capability-token", tokenFile }
  })
  yield* Console.log(
    "[offline] CODEX_APP_SERVER_URL is not set: started codex app-server --listen ws://127.0.0.1:0 " +
      "against the embedded FakeModel."
  )
  yield* Console.log(`Listening: ${listener.url} (capability-token auth)`)

  // The wrong token is refused before anything else happens: a typed AuthenticationError.
  const refused = yield* Layer.build(
    NodeCodexRemote.layerWebSocket({ url: listener.url, auth: SocketTransport.capabilityToken("not-the-token") })
  ).pipe(Effect.scoped, Effect.flip)
  yield* Console.log(`Wrong token: ${refused._tag}`)

  // The right one, read from the file.
  const auth = yield* NodeCodexRemote.capabilityTokenFile(tokenFile)
  yield* askOnce.pipe(Effect.provide(NodeCodexRemote.layerWebSocket({ url: listener.url, auth })))
}).pipe(Effect.provide(FakeModel.layer))

const program = Effect.gen(function*() {
  const url = yield* Config.option(Config.String("CODEX_APP_SERVER_URL"))
  if (Option.isNone(url)) return yield* offline
  yield* Console.log(`[remote] connecting to ${url.value}`)
  yield* askOnce.pipe(Effect.provide(NodeCodexRemote.layerConfig()))
})

program.pipe(Effect.scoped, NodeRuntime.runMain)
