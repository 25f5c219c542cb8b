/**
 * A few integration scenarios (run a turn, stream deltas, approvals) over every transport: stdio,
 * WebSocket and Unix socket, against the real binary (`--listen` for the sockets).
 */
import * as ApprovalHandler from "@effect-codex/core/ApprovalHandler"
import * as Codex from "@effect-codex/core/Codex"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as CodexTestRemote from "@effect-codex/testing/CodexTestRemote"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { agentTexts, deltas, itemsOfType } from "../integration/helpers.ts"

const startThread = Effect.gen(function*() {
  const codex = yield* Codex.Codex
  const { workspace } = yield* CodexTest.CodexTest
  return yield* codex.threadStart({ cwd: workspace })
})

describe.each(CodexTestRemote.transports)("over %s", (transport) => {
  it.live("runs a turn", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.message(`Hello over ${transport}.`, { deltas: 3 }))
      const thread = yield* startThread
      const result = yield* thread.run("hello")
      assert.strictEqual(result.status, "completed")
      assert.strictEqual(result.finalResponse, `Hello over ${transport}.`)
      assert.deepStrictEqual(agentTexts(result.items), [`Hello over ${transport}.`])
      assert.strictEqual(FakeModel.lastUserText((yield* model.requests)[0]!), "hello")
    }).pipe(Effect.provide(CodexTestRemote.layer({ transport }))))

  it.live("streams every delta in order", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const text = Array.from({ length: 200 }, (_, i) => `w${i} `).join("")
      yield* model.enqueue(FakeModel.message(text, { deltas: 200 }))
      const thread = yield* startThread
      const handle = yield* thread.turn("stream please")
      const events = yield* Stream.runCollect(handle.stream)
      const got = deltas(events)
      assert.strictEqual(got.length, 200)
      assert.strictEqual(got.join(""), text)
      assert.strictEqual(events.at(-1)?.method, "turn/completed")
    }).pipe(Effect.provide(CodexTestRemote.layer({ transport }))))

  it.live("answers a file-change approval through the ApprovalHandler", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const codex = yield* Codex.Codex
      const { workspace } = yield* CodexTest.CodexTest
      yield* model.enqueue(
        FakeModel.applyPatch([FakeModel.addFile("hello.txt", `hello over ${transport}\n`)]),
        FakeModel.message("patched")
      )
      const started = yield* codex.client.request("thread/start", {
        cwd: workspace,
        approvalPolicy: "untrusted",
        approvalsReviewer: "user",
        sandbox: "workspace-write"
      })
      const result = yield* codex.thread(started.thread.id).run("write hello.txt")
      assert.strictEqual(result.finalResponse, "patched")
      assert.deepStrictEqual(itemsOfType(result.items, "fileChange").map((c) => c.status), ["completed"])
      assert.strictEqual(
        NodeFs.readFileSync(NodePath.join(workspace, "hello.txt"), "utf8"),
        `hello over ${transport}\n`
      )
    }).pipe(Effect.provide(
      CodexTestRemote.layer({ transport }).pipe(Layer.provide(ApprovalHandler.layer({
        "item/fileChange/requestApproval": () => Effect.succeed({ decision: "accept" as const })
      })))
    )))
})
