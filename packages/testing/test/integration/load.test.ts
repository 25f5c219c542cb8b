/**
 * No call hangs, on the real binary: 5,000 concurrent requests on one client all succeed (the
 * in-flight window keeps the server's bounded queues from dropping replies); a prompt with a lone
 * UTF-16 surrogate fails fast with a typed error and the client keeps working; a request to a
 * frozen server fails with a `TimeoutError` naming its method and request id.
 */
import * as AppServerClient from "@effect-codex/core/AppServerClient"
import * as Codex from "@effect-codex/core/Codex"
import * as NodeTransport from "@effect-codex/node/NodeTransport"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { freeze, thaw } from "../support/freeze.ts"

describe("load and bad input on the real app-server", () => {
  it.live(
    "5,000 concurrent model/list and thread/list on one client all succeed",
    () =>
      Effect.gen(function*() {
        const client = yield* AppServerClient.AppServerClient
        const results = yield* Effect.forEach(
          Array.from({ length: 5000 }, (_, i) => i),
          (i) =>
            i % 2 === 0
              ? Effect.map(client.request("model/list", { limit: 1 + (i % 3) }), (r) => r.data.length === 1 + (i % 3))
              : Effect.map(client.request("thread/list", { limit: 1 }), (r) => Array.isArray(r.data)),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(results.length, 5000)
        assert.strictEqual(results.filter((ok) => ok).length, 5000)
      }).pipe(Effect.provide(CodexTest.layer())),
    { timeout: 240_000 }
  )

  it.live("a prompt with a lone surrogate fails fast with InvalidOptionError; the client still works", () =>
    Effect.gen(function*() {
      const codex = yield* Codex.Codex
      const client = yield* AppServerClient.AppServerClient
      const model = yield* FakeModel.FakeModel
      const { workspace } = yield* CodexTest.CodexTest
      const thread = yield* codex.threadStart({ cwd: workspace })
      const error = yield* thread.run("broken \uD800 text").pipe(Effect.flip)
      assert.strictEqual(error._tag, "InvalidOptionError")
      assert.include((error as { readonly option: string }).option, "text")
      assert.include(error.message, "lone UTF-16 surrogate")
      // nothing reached the model, and the same client and thread still work
      assert.strictEqual((yield* model.requests).length, 0)
      yield* model.enqueue(FakeModel.message("fine"))
      const result = yield* thread.run("a well-formed 😀 prompt")
      assert.strictEqual(result.finalResponse, "fine")
      assert.isAtLeast((yield* client.request("model/list", {})).data.length, 1)
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("a request to a frozen server fails with TimeoutError naming the method and the request id", () =>
    Effect.gen(function*() {
      const client = yield* AppServerClient.AppServerClient
      const info = yield* NodeTransport.ProcessInfo
      yield* freeze(info.pid)
      const error = yield* client.request("thread/list", {}, { timeout: "1 second" }).pipe(Effect.flip)
      assert.strictEqual(error._tag, "TimeoutError")
      const timeout = error as { readonly method?: string; readonly requestId?: number }
      assert.strictEqual(timeout.method, "thread/list")
      assert.isNumber(timeout.requestId)
      assert.include(error.message, `request ${timeout.requestId}`)
      // thawed, the server answers the next request (the late reply to the first one is dropped)
      thaw(info.pid)
      const list = yield* client.request("thread/list", {}, { timeout: "30 seconds" })
      assert.isArray(list.data)
    }).pipe(Effect.scoped, Effect.provide(CodexTest.layer())))
})
