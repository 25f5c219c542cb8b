/**
 * Unit tests of the pure parts of `SocketTransport`: the HS256 JWT the SDK mints (checked with
 * node:crypto, independently of WebCrypto), the auth header, and the classification of open errors.
 */
import * as SocketTransport from "@effect-codex/core/SocketTransport"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Socket from "effect/socket/Socket"
import * as Crypto from "node:crypto"

const decode = (part: string): unknown => JSON.parse(Buffer.from(part, "base64url").toString("utf8"))

describe("SocketTransport.mintJwt", () => {
  it.effect("signs header.claims with HMAC-SHA256 of the secret; iss/aud/sub/iat/exp", () =>
    Effect.gen(function*() {
      const now = 1_800_000_000_123
      const token = Redacted.value(
        yield* SocketTransport.mintJwt({
          sharedSecret: Redacted.make("s3cret"),
          issuer: "me",
          audience: "codex",
          subject: "bot",
          expiresIn: "90 seconds"
        }, now)
      )
      const [header, claims, signature] = token.split(".")
      assert.deepStrictEqual(decode(header!), { alg: "HS256", typ: "JWT" })
      assert.deepStrictEqual(decode(claims!), {
        iss: "me",
        aud: "codex",
        sub: "bot",
        iat: 1_800_000_000,
        exp: 1_800_000_090
      })
      const expected = Crypto.createHmac("sha256", "s3cret").update(`${header}.${claims}`).digest("base64url")
      assert.strictEqual(signature, expected)
      // a different secret gives a different signature
      const other = Redacted.value(yield* SocketTransport.mintJwt({ sharedSecret: Redacted.make("other") }, now))
      assert.notStrictEqual(other.split(".")[2], signature)
    }))

  it.effect("authorizationHeader: Bearer with the capability token", () =>
    Effect.gen(function*() {
      assert.strictEqual(
        yield* SocketTransport.authorizationHeader(SocketTransport.capabilityToken("abc")),
        "Bearer abc"
      )
      const jwt = yield* SocketTransport.authorizationHeader(
        SocketTransport.signedBearerToken({ sharedSecret: Redacted.make("k") })
      )
      assert.match(jwt, /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/)
    }))
})

describe("SocketTransport.classifyOpenError", () => {
  const openError = (message: string) =>
    new Socket.SocketError({ reason: new Socket.SocketOpenError({ kind: "Unknown", cause: new Error(message) }) })

  it("401 and 403 are AuthenticationError; the rest TransportConnectError with the URL", () => {
    const auth = SocketTransport.classifyOpenError("ws://h:1", openError("Unexpected server response: 401"))
    assert.strictEqual(auth._tag, "AuthenticationError")
    assert.strictEqual(auth._tag === "AuthenticationError" ? auth.status : 0, 401)
    const forbidden = SocketTransport.classifyOpenError("ws://h:1", openError("Unexpected server response: 403"))
    assert.strictEqual(forbidden._tag, "AuthenticationError")
    const notFound = SocketTransport.classifyOpenError("ws://h:1", openError("Unexpected server response: 404"))
    assert.strictEqual(notFound._tag, "TransportConnectError")
    const refused = SocketTransport.classifyOpenError("ws://h:1", openError("connect ECONNREFUSED 127.0.0.1:1"))
    assert.strictEqual(refused._tag, "TransportConnectError")
    assert.include(refused.message, "ws://h:1")
    assert.include(refused.message, "ECONNREFUSED")
    const timeout = SocketTransport.classifyOpenError(
      "ws://h:1",
      new Socket.SocketError({ reason: new Socket.SocketOpenError({ kind: "Timeout", cause: undefined }) })
    )
    assert.strictEqual(timeout._tag, "TransportConnectError")
    assert.include(timeout.message, "timed out")
  })

  it("a refused upgrade is AuthenticationError in every WebSocket client's wording", () => {
    // Bun and Deno report an `ErrorEvent` whose message holds the status
    const event = (message: string) =>
      new Socket.SocketError({ reason: new Socket.SocketOpenError({ kind: "Unknown", cause: { message } }) })
    const wordings = [
      ["WebSocket connection to 'ws://h:1/' failed: Expected 101 status code: 401", 401], // Bun
      ["NetworkError: failed to connect to WebSocket: Invalid status code: 403", 403], // Deno
      ["Unexpected server response: 401", 401] // ws
    ] as const
    for (const [message, status] of wordings) {
      const error = SocketTransport.classifyOpenError("ws://h:1", event(message))
      assert.strictEqual(error._tag, "AuthenticationError", message)
      assert.strictEqual(error._tag === "AuthenticationError" ? error.status : 0, status)
    }
    const notFound = SocketTransport.classifyOpenError("ws://h:1", event("Expected 101 status code: 404"))
    assert.strictEqual(notFound._tag, "TransportConnectError")
  })

  it("a failure without a reason (Node's global WebSocket) says what it may be", () => {
    const error = SocketTransport.classifyOpenError(
      "ws://h:1",
      new Socket.SocketError({ reason: new Socket.SocketOpenError({ kind: "Unknown", cause: { message: "" } }) })
    )
    assert.strictEqual(error._tag, "TransportConnectError")
    assert.include(error.message, "without giving a reason")
    assert.include(error.message, "token")
  })
})

describe("SocketTransport.make with a WebSocket constructor that cannot send headers", () => {
  it.live("effect's Socket.layerWebSocketConstructorGlobal with auth: TransportConnectError naming the fix", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.scoped(SocketTransport.make({
        url: "ws://127.0.0.1:1",
        auth: SocketTransport.capabilityToken("t"),
        openTimeout: "2 seconds"
      }))).pipe(Effect.provide(Socket.layerWebSocketConstructorGlobal))
      assert.strictEqual(error._tag, "TransportConnectError")
      assert.include(error.message, "SocketTransport.layerWebSocketConstructorGlobal")
      assert.notInclude(error.message, "Bearer t")
    }))
})
