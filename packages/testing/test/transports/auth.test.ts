/**
 * WebSocket auth against the real binary: `--ws-auth capability-token` and
 * `--ws-auth signed-bearer-token` (HS256 JWTs minted by the SDK). A refused upgrade is a typed
 * `AuthenticationError`; nothing listening is a `TransportConnectError` naming the URL.
 */
import * as Codex from "@effect-codex/core/Codex"
import * as SocketTransport from "@effect-codex/core/SocketTransport"
import * as NodeCodexRemote from "@effect-codex/node/NodeCodexRemote"
import * as CodexTestRemote from "@effect-codex/testing/CodexTestRemote"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"

const secretFile = (content: string) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-codex-secret-"))
      const file = Path.join(dir, "secret")
      Fs.writeFileSync(file, content, { mode: 0o600 })
      return file
    }),
    (file) => Effect.sync(() => Fs.rmSync(Path.dirname(file), { recursive: true, force: true }))
  )

/** Connects, performs the handshake and lists models: proves the connection is usable. */
const connect = (url: string, auth: SocketTransport.Auth | undefined) =>
  Effect.scoped(Effect.gen(function*() {
    const context = yield* Layer.build(NodeCodexRemote.layerWebSocket({ url, auth }))
    const codex = Context.get(context, Codex.Codex)
    const thread = yield* codex.threadStart()
    return thread.id
  }))

const TOKEN = "capability-token-0123456789abcdef"
const SECRET = "shared-secret-0123456789abcdef0123456789"

describe("ws capability token", () => {
  it.live("accepts the right token, refuses a wrong or missing one with AuthenticationError", () =>
    Effect.gen(function*() {
      const tokenFile = yield* secretFile(`${TOKEN}\n`)
      const { listener } = yield* CodexTestRemote.listen({
        transport: "ws",
        wsAuth: { mode: "capability-token", tokenFile }
      })
      const id = yield* connect(listener.url, SocketTransport.capabilityToken(Redacted.make(TOKEN)))
      assert.isString(id)
      // from a file, as NodeCodexRemote reads it
      const fromFile = yield* NodeCodexRemote.capabilityTokenFile(tokenFile)
      assert.isString(yield* connect(listener.url, fromFile))

      const wrong = yield* Effect.flip(connect(listener.url, SocketTransport.capabilityToken("nope")))
      assert.strictEqual(wrong._tag, "AuthenticationError")
      if (wrong._tag === "AuthenticationError") {
        assert.strictEqual(wrong.url, listener.url)
        assert.strictEqual(wrong.status, 401)
      }
      const missing = yield* Effect.flip(connect(listener.url, undefined))
      assert.strictEqual(missing._tag, "AuthenticationError")
      // the token never appears in the error
      assert.notInclude(JSON.stringify(wrong), TOKEN)
    }).pipe(Effect.provide(FakeModel.layer)))
})

describe("ws signed bearer token (JWT)", () => {
  it.live("accepts a fresh JWT, refuses an expired one or one for another audience", () =>
    Effect.gen(function*() {
      const sharedSecretFile = yield* secretFile(SECRET)
      const { listener } = yield* CodexTestRemote.listen({
        transport: "ws",
        wsAuth: { mode: "signed-bearer-token", sharedSecretFile, issuer: "effect-codex-test", audience: "codex" }
      })
      const valid = SocketTransport.signedBearerToken({
        sharedSecret: Redacted.make(SECRET),
        issuer: "effect-codex-test",
        audience: "codex",
        expiresIn: "30 seconds"
      })
      assert.isString(yield* connect(listener.url, valid))
      const fromFile = yield* NodeCodexRemote.signedBearerTokenFile(sharedSecretFile, {
        issuer: "effect-codex-test",
        audience: "codex"
      })
      assert.isString(yield* connect(listener.url, fromFile))

      // minted an hour ago with a 60 s lifetime: expired
      const expired = yield* SocketTransport.mintJwt(
        { sharedSecret: Redacted.make(SECRET), issuer: "effect-codex-test", audience: "codex" },
        Date.now() - 3_600_000
      )
      const expiredError = yield* Effect.flip(connect(listener.url, SocketTransport.capabilityToken(expired)))
      assert.strictEqual(expiredError._tag, "AuthenticationError")

      const otherAudience = SocketTransport.signedBearerToken({ ...valid, audience: "someone-else" })
      const audienceError = yield* Effect.flip(connect(listener.url, otherAudience))
      assert.strictEqual(audienceError._tag, "AuthenticationError")

      const wrongSecret = SocketTransport.signedBearerToken({ ...valid, sharedSecret: Redacted.make(`${SECRET}x`) })
      assert.strictEqual((yield* Effect.flip(connect(listener.url, wrongSecret)))._tag, "AuthenticationError")
    }).pipe(Effect.provide(FakeModel.layer)))
})

describe("connect errors", () => {
  it.live("nothing listening: TransportConnectError naming the URL", () =>
    Effect.gen(function*() {
      // a port that was free a moment ago
      const port = yield* Effect.promise(() =>
        new Promise<number>((resolve) => {
          const server = Net.createServer()
          server.listen(0, "127.0.0.1", () => {
            const address = server.address() as Net.AddressInfo
            server.close(() => resolve(address.port))
          })
        })
      )
      const url = `ws://127.0.0.1:${port}`
      const error = yield* Effect.flip(connect(url, undefined))
      assert.strictEqual(error._tag, "TransportConnectError")
      if (error._tag === "TransportConnectError") {
        assert.strictEqual(error.url, url)
        assert.include(error.message, url)
      }
      const missingSocket = "unix:///nonexistent/effect-codex/app-server.sock"
      const unixError = yield* Effect.flip(connect(missingSocket, undefined))
      assert.strictEqual(unixError._tag, "TransportConnectError")
      if (unixError._tag === "TransportConnectError") assert.strictEqual(unixError.url, missingSocket)
      const badUrl = yield* Effect.flip(connect("http://127.0.0.1:1", undefined))
      assert.strictEqual(badUrl._tag, "InvalidOptionError")
    }))
})
