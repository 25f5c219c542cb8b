/**
 * Approvals on the real app-server: `ApprovalMode` settings and how they persist, and the
 * `ApprovalHandler` service answering command and file-change approvals (python-sdk-behaviour §3.1,
 * §5, §10.2 test_app_server_approvals.py; app-server-offline §5 approvalUntrusted/Decline/fileChange).
 */
import * as ApprovalHandler from "@effect-codex/core/ApprovalHandler"
import * as ApprovalMode from "@effect-codex/core/ApprovalMode"
import * as Codex from "@effect-codex/core/Codex"
import type * as Protocol from "@effect-codex/core/generated/Protocol"
import * as Notification from "@effect-codex/core/Notification"
import * as Sandbox from "@effect-codex/core/Sandbox"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { itemsOfType, startThread } from "./helpers.ts"

/** The thread's stored approval settings (a resume of a loaded thread changes nothing). */
const settingsOf = (threadId: string) =>
  Effect.flatMap(Codex.Codex, (codex) => codex.client.request("thread/resume", { threadId, excludeTurns: true }))

/** A thread started with the low-level client under the `untrusted` policy (every command asks). */
const untrustedThread = Effect.gen(function*() {
  const codex = yield* Codex.Codex
  const { workspace } = yield* CodexTest.CodexTest
  const response = yield* codex.client.request("thread/start", {
    cwd: workspace,
    approvalPolicy: "untrusted",
    approvalsReviewer: "user",
    sandbox: "workspace-write"
  })
  assert.strictEqual(response.approvalPolicy, "untrusted")
  return codex.thread(response.thread.id)
})

const exists = (path: string) => Effect.sync(() => NodeFs.existsSync(path))

/**
 * Listens from now on for the server's `serverRequest/resolved` (sent once it has the client's
 * answer to one of its requests); the returned effect waits (bounded) until `n` of them arrived.
 */
const serverRequestsResolved = (n: number) =>
  Effect.gen(function*() {
    const codex = yield* Codex.Codex
    const events = yield* codex.client.subscribe
    const fiber = yield* events.pipe(
      Stream.filter(Notification.is("serverRequest/resolved")),
      Stream.take(n),
      Stream.runCollect,
      Effect.forkChild({ startImmediately: true })
    )
    return Fiber.join(fiber).pipe(
      Effect.timeoutOrElse({
        duration: "20 seconds",
        orElse: () => Effect.die(`${n} serverRequest/resolved expected`)
      }),
      Effect.map((resolved) => assert.strictEqual(resolved.length, n))
    )
  })

describe("ApprovalMode settings", () => {
  it.live("threadStart denyAll stores never; resume and fork inherit it; a fork override wins", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const codex = yield* Codex.Codex
      yield* model.enqueue(FakeModel.message("ok"))
      const thread = yield* startThread({ approvalMode: ApprovalMode.denyAll })
      yield* thread.run("hello")
      assert.strictEqual((yield* settingsOf(thread.id)).approvalPolicy, "never")

      const resumed = yield* codex.threadResume(thread.id)
      assert.strictEqual((yield* settingsOf(resumed.id)).approvalPolicy, "never")

      const inherited = yield* codex.threadFork(thread.id)
      assert.strictEqual((yield* settingsOf(inherited.id)).approvalPolicy, "never")

      const overridden = yield* codex.threadFork(thread.id, { approvalMode: ApprovalMode.autoReview })
      const settings = yield* settingsOf(overridden.id)
      assert.strictEqual(settings.approvalPolicy, "on-request")
      assert.strictEqual(settings.approvalsReviewer, "auto_review")
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("a turn-level mode persists for later turns; a turn without one keeps the stored mode", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(
        FakeModel.message("1"),
        FakeModel.message("2"),
        FakeModel.message("3"),
        FakeModel.message("4")
      )
      const thread = yield* startThread()
      yield* thread.run("default")
      assert.strictEqual((yield* settingsOf(thread.id)).approvalPolicy, "on-request")
      yield* thread.run("deny from now on", { approvalMode: ApprovalMode.denyAll })
      assert.strictEqual((yield* settingsOf(thread.id)).approvalPolicy, "never")
      yield* thread.run("no override")
      assert.strictEqual((yield* settingsOf(thread.id)).approvalPolicy, "never")
      yield* thread.run("manual now", { approvalMode: ApprovalMode.manual })
      const settings = yield* settingsOf(thread.id)
      assert.strictEqual(settings.approvalPolicy, "on-request")
      assert.strictEqual(settings.approvalsReviewer, "user")
    }).pipe(Effect.provide(CodexTest.layer())))
})

describe("ApprovalHandler", () => {
  it.live("manual mode: the handler accepts one command and declines another", () => {
    // what the handler was asked (this test's own handler layer)
    const seen: Array<Protocol.ServerRequestParams<"item/commandExecution/requestApproval">> = []
    const AcceptFirstDeclineOthers = ApprovalHandler.layer({
      "item/commandExecution/requestApproval": (params) =>
        Effect.sync(() => {
          seen.push(params)
          return { decision: params.command?.includes("first.txt") ? "accept" as const : "decline" as const }
        })
    })
    return Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const { workspace } = yield* CodexTest.CodexTest
      yield* model.enqueue(
        FakeModel.execCommand("touch first.txt && echo first", { escalate: "needs to write first.txt" }),
        FakeModel.execCommand("touch second.txt && echo second", { escalate: true }),
        FakeModel.message("one accepted, one declined")
      )
      const thread = yield* startThread({ approvalMode: ApprovalMode.manual, sandbox: Sandbox.workspaceWrite })
      const result = yield* thread.run("make two files")
      assert.strictEqual(result.status, "completed")
      assert.strictEqual(result.finalResponse, "one accepted, one declined")

      // the handler was asked twice, in this turn, with the commands and the model's justification
      assert.strictEqual(seen.length, 2)
      for (const request of seen) assert.deepInclude(request, { threadId: thread.id, turnId: result.id })
      assert.include(seen[0]!.command ?? "", "touch first.txt")
      assert.strictEqual(seen[0]!.reason, "needs to write first.txt")
      assert.include(seen[1]!.command ?? "", "touch second.txt")
      assert.strictEqual(seen[1]!.reason, FakeModel.defaultJustification)

      const commands = itemsOfType(result.items, "commandExecution")
      assert.deepStrictEqual(commands.map((c) => [c.id, c.status]), [["call_1", "completed"], ["call_2", "declined"]])
      assert.include(commands[0]!.aggregatedOutput ?? "", "first")
      assert.isTrue(yield* exists(NodePath.join(workspace, "first.txt")))
      assert.isFalse(yield* exists(NodePath.join(workspace, "second.txt")))

      // the model was told about the decline
      const requests = yield* model.waitForRequests(3)
      const [declined] = FakeModel.toolOutputs(requests[2]!).filter((o) => o.callId === "call_2")
      assert.match(declined?.output ?? "", /rejected/i)
    }).pipe(
      Effect.provide(CodexTest.layer({ sandboxMode: "workspace-write" }).pipe(Layer.provide(AcceptFirstDeclineOthers)))
    )
  })

  it.live("the default handler declines; the real binary accepts the answer and the turn completes", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const { workspace } = yield* CodexTest.CodexTest
      yield* model.enqueue(
        FakeModel.execCommand("touch made-by-codex.txt && echo done"),
        FakeModel.message("the command was declined")
      )
      const thread = yield* untrustedThread
      const resolved = yield* serverRequestsResolved(1)
      const result = yield* thread.run("make a file")
      assert.strictEqual(result.status, "completed")
      assert.strictEqual(result.finalResponse, "the command was declined")
      const commands = itemsOfType(result.items, "commandExecution")
      assert.deepStrictEqual(commands.map((c) => c.status), ["declined"])
      assert.isFalse(yield* exists(NodePath.join(workspace, "made-by-codex.txt")))
      const [, second] = yield* model.waitForRequests(2)
      assert.match(FakeModel.toolOutputs(second!)[0]?.output ?? "", /rejected/i)
      yield* resolved
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("the default handler declines a file change: no file is written", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const { workspace } = yield* CodexTest.CodexTest
      yield* model.enqueue(
        FakeModel.applyPatch([FakeModel.addFile("declined.txt", "should not exist\n")]),
        FakeModel.message("no patch")
      )
      const thread = yield* untrustedThread
      const resolved = yield* serverRequestsResolved(1)
      const result = yield* thread.run("write a file")
      assert.strictEqual(result.status, "completed")
      const changes = itemsOfType(result.items, "fileChange")
      assert.deepStrictEqual(changes.map((c) => c.status), ["declined"])
      assert.isFalse(yield* exists(NodePath.join(workspace, "declined.txt")))
      const [, second] = yield* model.waitForRequests(2)
      assert.match(FakeModel.toolOutputs(second!)[0]?.output ?? "", /rejected/i)
      yield* resolved
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("a file change accepted by the handler is applied", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const { workspace } = yield* CodexTest.CodexTest
      yield* model.enqueue(
        FakeModel.applyPatch([FakeModel.addFile("hello.txt", "hello from apply_patch\n")]),
        FakeModel.message("patched")
      )
      const thread = yield* untrustedThread
      const result = yield* thread.run("write hello.txt")
      assert.strictEqual(result.status, "completed")
      assert.strictEqual(result.finalResponse, "patched")
      const changes = itemsOfType(result.items, "fileChange")
      assert.strictEqual(changes.length, 1)
      assert.strictEqual(changes[0]!.status, "completed")
      assert.deepStrictEqual(changes[0]!.changes.map((c) => NodePath.basename(c.path)), ["hello.txt"])
      const content = NodeFs.readFileSync(NodePath.join(workspace, "hello.txt"), "utf8")
      assert.strictEqual(content, "hello from apply_patch\n")
    }).pipe(
      Effect.provide(
        CodexTest.layer().pipe(Layer.provide(ApprovalHandler.layer({
          "item/fileChange/requestApproval": () => Effect.succeed({ decision: "accept" as const })
        })))
      )
    ))

  for (
    const [how, answer] of [
      ["fails", Effect.fail("the handler broke")],
      ["dies", Effect.die("this handler only approves nothing")]
    ] as const
  ) {
    it.live(`a handler that ${how} answers with a JSON-RPC error: the item fails, the turn completes`, () =>
      Effect.gen(function*() {
        const model = yield* FakeModel.FakeModel
        const { workspace } = yield* CodexTest.CodexTest
        yield* model.enqueue(
          FakeModel.execCommand("touch refused.txt && echo hi"),
          FakeModel.message("after the failure")
        )
        const thread = yield* untrustedThread
        const result = yield* thread.run("run echo")
        assert.strictEqual(result.status, "completed")
        assert.strictEqual(result.finalResponse, "after the failure")
        const commands = itemsOfType(result.items, "commandExecution")
        assert.deepStrictEqual(commands.map((c) => c.status), ["failed"])
        assert.isFalse(yield* exists(NodePath.join(workspace, "refused.txt")))
        const [, second] = yield* model.waitForRequests(2)
        assert.include(FakeModel.toolOutputs(second!)[0]?.output, "approval request failed")
      }).pipe(
        Effect.provide(
          CodexTest.layer().pipe(Layer.provide(ApprovalHandler.layer({
            "item/commandExecution/requestApproval": () => answer
          })))
        )
      ))
  }
})
