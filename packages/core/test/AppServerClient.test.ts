/**
 * The client over an in-memory transport: the in-flight window holds back requests only —
 * notifications and the answers to the server's own requests go out while the window is full —
 * and the warnings about undecodable lines are rate-limited.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as AppServerClient from "../src/AppServerClient.ts"
import * as MemoryTransport from "./support/memoryTransport.ts"

const fork = <A, E>(effect: Effect.Effect<A, E>) => Effect.forkChild(effect, { startImmediately: true })

describe("AppServerClient over an in-memory transport", () => {
  it.effect("a full window holds back requests, not notifications nor answers to server requests", () =>
    Effect.gen(function*() {
      const { layer, server } = yield* MemoryTransport.make()
      const client = yield* AppServerClient.make({ maxInFlight: 1 }).pipe(Effect.provide(layer))
      const first = yield* fork(client.request("model/list", {}))
      const second = yield* fork(client.request("thread/list", {}))
      yield* Effect.yieldNow
      const methods = () => server.written.map((m) => m.method ?? `reply ${String(m.id)}`)
      assert.deepStrictEqual(methods(), ["initialize", "initialized", "model/list"])
      // while the window is full: a notification and the answer to a server request go out
      yield* client.notify("custom/ping", {})
      yield* server.push({
        id: "srv-1",
        method: "item/tool/requestUserInput",
        params: { threadId: "t", turnId: "u", itemId: "i", questions: [] }
      })
      yield* Effect.yieldNow
      yield* Effect.yieldNow
      assert.deepStrictEqual(methods(), ["initialize", "initialized", "model/list", "custom/ping", "reply srv-1"])
      // the reply to model/list frees the slot: thread/list is written
      const modelList = server.written.find((m) => m.method === "model/list")!
      yield* server.push({ id: modelList.id!, result: { data: [], nextCursor: null } })
      assert.deepStrictEqual((yield* Fiber.join(first)).data, [])
      yield* Effect.yieldNow
      const threadList = server.written.find((m) => m.method === "thread/list")
      assert.isDefined(threadList)
      yield* server.push({ id: threadList!.id!, result: { data: [], nextCursor: null } })
      assert.deepStrictEqual((yield* Fiber.join(second)).data, [])
    }).pipe(Effect.scoped))

  it.effect("warnings about undecodable lines are rate-limited: the first N, then a periodic count", () => {
    const warnings: Array<string> = []
    const logger = Logger.make<unknown, void>(({ logLevel, message }) => {
      if (logLevel === "Warn") warnings.push(String(Array.isArray(message) ? message[0] : message))
    })
    return Effect.gen(function*() {
      const { layer, server } = yield* MemoryTransport.make()
      const client = yield* AppServerClient.make({ maxDiagnosticLogs: 3 }).pipe(Effect.provide(layer))
      for (let i = 0; i < 2005; i++) yield* server.push(`not json ${i}`)
      // a request after the garbage: its reply comes after every line was read
      server.onWrite = (m) => {
        if (m.method === "model/list") {
          Effect.runSync(server.push({ id: m.id!, result: { data: [], nextCursor: null } }))
        }
      }
      yield* client.request("model/list", {})
      assert.strictEqual(warnings.filter((w) => w.startsWith("effect-codex: invalid JSON-RPC line")).length, 3)
      const summaries = warnings.filter((w) => w.includes("could not be understood so far"))
      assert.deepStrictEqual(summaries.map((w) => w.split(" lines")[0]), ["effect-codex: 1003", "effect-codex: 2003"])
    }).pipe(Effect.scoped, Effect.provide(Logger.layer([logger])))
  })
})
