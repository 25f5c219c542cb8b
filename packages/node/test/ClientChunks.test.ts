/**
 * The JSON-RPC client over the real Node stdio transport, fed raw byte chunks by a scripted child
 * process (fixtures/fake-app-server.mjs --app-server): lines split across chunks (even inside a
 * multi-byte character), several lines in one chunk, garbage and malformed messages, a 10 MB
 * line, and the events of two turns interleaved. The client must survive, route each turn's
 * events to its own subscriber, and report the bad lines on `diagnostics`.
 */
import * as AppServerClient from "@effect-codex/core/AppServerClient"
import * as Notification from "@effect-codex/core/Notification"
import { Transport } from "@effect-codex/core/Transport"
import * as NodeTransport from "@effect-codex/node/NodeTransport"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { fileURLToPath } from "node:url"

const fixture = fileURLToPath(new URL("./fixtures/fake-app-server.mjs", import.meta.url))

const TestLayer = AppServerClient.layer().pipe(
  Layer.provideMerge(
    NodeTransport.layer({
      launchArgsOverride: [process.execPath, fixture, "--app-server"],
      forceKillAfter: "2 seconds"
    })
  )
)

/** A raw part written by the fixture: text, or bytes (base64). */
type Part = string | { readonly b64: string }

const line = (message: object) => JSON.stringify(message) + "\n"
const bytes = (buffer: Buffer): Part => ({ b64: buffer.toString("base64") })

const delta = (threadId: string, turnId: string, text: string) => ({
  method: "item/agentMessage/delta",
  params: { threadId, turnId, itemId: `msg_${turnId}`, delta: text }
})
const completed = (threadId: string, turnId: string) => ({
  method: "turn/completed",
  params: {
    threadId,
    turn: {
      id: turnId,
      items: [],
      status: "completed",
      error: null,
      startedAt: null,
      completedAt: null,
      durationMs: null
    }
  }
})

/** Splits a text into `n` parts at arbitrary (character) positions. */
const splitText = (text: string, n: number): ReadonlyArray<string> =>
  Array.from(
    { length: n },
    (_, i) => text.slice(Math.floor((text.length * i) / n), Math.floor((text.length * (i + 1)) / n))
  )

const texts = (events: ReadonlyArray<Notification.Notification>) =>
  events.map((
    e
  ) => (Notification.is("item/agentMessage/delta")(e) ? e.params.delta : e.method))

describe("AppServerClient over NodeTransport, fed raw chunks", () => {
  it.live("survives split, garbage and 10 MB lines, and routes interleaved turns", () =>
    Effect.gen(function*() {
      const client = yield* AppServerClient.AppServerClient
      const transport = yield* Transport
      const diagnosticsFiber = yield* client.diagnostics.pipe(
        Stream.take(4),
        Stream.runCollect,
        Effect.forkScoped({ startImmediately: true })
      )
      const unknown: Array<string> = []
      const all = yield* client.subscribe
      yield* all.pipe(
        Stream.runForEach((n) => Effect.sync(() => Notification.isUnknown(n) && unknown.push(n.method))),
        Effect.forkScoped({ startImmediately: true })
      )
      const a = yield* client.subscribeTurn("turn-A")
      const b = yield* client.subscribeTurn("turn-B")
      const aEvents = yield* a.events.pipe(Stream.runCollect, Effect.forkChild({ startImmediately: true }))
      const bEvents = yield* b.events.pipe(Stream.runCollect, Effect.forkChild({ startImmediately: true }))

      // A delta whose line is cut inside the 4 bytes of an emoji.
      const multibyte = "héllo 😀 wörld"
      const a1 = Buffer.from(line(delta("th-1", "turn-A", multibyte)))
      const cut = a1.indexOf(Buffer.from("😀")) + 2
      // A 10 MB line (a valid delta), and one with raw U+2028/U+2029 inside a string.
      const huge = "x".repeat(10 * 1024 * 1024)
      const separators = "line\u2028separator\u2029paragraph"
      const b1 = line(delta("th-2", "turn-B", "b1"))
      const a2 = line(delta("th-1", "turn-A", "a2"))
      const b2 = line(delta("th-2", "turn-B", "b2"))
      const parts: ReadonlyArray<Part> = [
        bytes(a1.subarray(0, cut)),
        bytes(a1.subarray(cut)),
        "this is not json",
        "\n",
        ...splitText(b1, 3),
        // two messages in one chunk, the second one cut
        a2 + b2.slice(0, 7),
        b2.slice(7) + line({ hello: "world" }) + "[1,2,3]\n",
        // a known notification with a wrong shape
        line({ method: "thread/name/updated", params: { threadId: 7 } }),
        line(delta("th-1", "turn-A", huge)),
        line(delta("th-1", "turn-A", separators)),
        line(completed("th-2", "turn-B")),
        // events of a turn nobody watches
        line(delta("th-3", "turn-C", "unwatched")),
        line(delta("th-1", "turn-A", "a3")),
        line(completed("th-1", "turn-A"))
      ]
      yield* transport.send(JSON.stringify({ cmd: "parts", parts, delayMs: 5 }))

      const aReceived = texts(yield* Fiber.join(aEvents).pipe(Effect.timeout("60 seconds")))
      const bReceived = texts(yield* Fiber.join(bEvents).pipe(Effect.timeout("60 seconds")))
      assert.strictEqual(aReceived.length, 6)
      assert.strictEqual(aReceived[2]!.length, huge.length)
      assert.isTrue(aReceived[2] === huge)
      assert.deepStrictEqual(
        [aReceived[0], aReceived[1], aReceived[3], aReceived[4], aReceived[5]],
        [multibyte, "a2", separators, "a3", "turn/completed"]
      )
      assert.deepStrictEqual(bReceived, ["b1", "b2", "turn/completed"])

      // the connection still works (the fixture echoes the method and params)
      assert.deepStrictEqual(yield* client.requestUnknown("ping", { n: 1 }), { method: "ping", params: { n: 1 } })
      const diagnostics = yield* Fiber.join(diagnosticsFiber).pipe(Effect.timeout("10 seconds"))
      assert.deepStrictEqual(diagnostics.map((d) => d.message.split(":")[0]), [
        "invalid JSON-RPC line (not JSON)",
        "unknown JSON-RPC message shape",
        "invalid JSON-RPC payload (not an object)",
        "notification thread/name/updated does not match its schema"
      ])
      assert.strictEqual(diagnostics[0]!.line, "this is not json")
      assert.include(diagnostics[3]!.message, `["threadId"]`)
      assert.deepStrictEqual(unknown, ["thread/name/updated"])
    }).pipe(Effect.provide(TestLayer)), { timeout: 120_000 })
})
