/**
 * Thread lifecycle on the real app-server: start options, list, resume, fork, archive, read,
 * names, compaction, models, metadata (python-sdk-behaviour §3.2–§3.3, §10.2
 * test_app_server_lifecycle.py and the lifecycle parts of test_app_server_run.py).
 */
import * as ApprovalMode from "@effect-codex/core/ApprovalMode"
import * as Codex from "@effect-codex/core/Codex"
import * as Notification from "@effect-codex/core/Notification"
import * as Sandbox from "@effect-codex/core/Sandbox"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { threadIdOf } from "../../../core/src/internal/turnRouter.ts"
import { agentTexts, itemsOfType, startThread, twoTurns } from "./helpers.ts"

const userTextsOf = (items: Parameters<typeof itemsOfType>[0]) =>
  itemsOfType(items, "userMessage").map((u) => u.content.map((c) => c.type === "text" ? c.text : "").join(""))

/** The thread's current settings, as the server reports them (a resume of a loaded thread changes nothing). */
const settingsOf = (threadId: string) =>
  Effect.flatMap(Codex.Codex, (codex) => codex.client.request("thread/resume", { threadId, excludeTurns: true }))

describe("thread lifecycle", () => {
  it.live("threadStart options reach the server and the model request", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const codex = yield* Codex.Codex
      const { workspace } = yield* CodexTest.CodexTest
      yield* model.enqueue(FakeModel.message("configured"))
      const cwd = NodePath.join(workspace, "sub")
      NodeFs.mkdirSync(cwd)
      const thread = yield* codex.threadStart({
        model: "mock-model-2",
        cwd,
        baseInstructions: "BASE-INSTRUCTIONS-MARKER: you are a test double.",
        developerInstructions: "DEVELOPER-INSTRUCTIONS-MARKER: be brief.",
        approvalMode: ApprovalMode.denyAll,
        sandbox: Sandbox.workspaceWrite,
        config: { model_reasoning_effort: "high" },
        serviceName: "effect-codex-tests"
      })
      yield* thread.run("hi")
      // a thread/resume of the loaded thread reports its settings
      const settings = yield* settingsOf(thread.id)
      assert.strictEqual(settings.model, "mock-model-2")
      assert.strictEqual(settings.cwd, cwd)
      assert.strictEqual(settings.approvalPolicy, "never")
      assert.strictEqual(settings.sandbox.type, "workspaceWrite")
      assert.strictEqual(settings.reasoningEffort, "high")

      const [request] = yield* model.waitForRequests(1)
      assert.strictEqual(FakeModel.model(request!), "mock-model-2")
      // the base instructions replace the base prompt (the first developer message)
      const developer = FakeModel.messageTexts(request!, "developer")
      assert.strictEqual(developer[0], "BASE-INSTRUCTIONS-MARKER: you are a test double.")
      assert.isTrue(
        developer.some((t) => t.startsWith("DEVELOPER-INSTRUCTIONS-MARKER: be brief.")),
        "developer instructions"
      )
      assert.isTrue(FakeModel.userTexts(request!).some((t) => t.includes(`<cwd>${cwd}</cwd>`)), "cwd")
      assert.strictEqual(FakeModel.reasoningSettings(request!)?.effort, "high")

      const read = yield* thread.read()
      assert.strictEqual(read.thread.cwd, cwd)
      assert.isFalse(read.thread.ephemeral)
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("threadStart defaults to autoReview; an ephemeral thread has no rollout file", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.message("durable"), FakeModel.message("gone tomorrow"))
      const durable = yield* startThread()
      yield* durable.run("hello")
      const settings = yield* settingsOf(durable.id)
      assert.strictEqual(settings.approvalPolicy, "on-request")
      assert.strictEqual(settings.approvalsReviewer, "auto_review")

      const thread = yield* startThread({ ephemeral: true })
      const result = yield* thread.run("hi")
      assert.strictEqual(result.finalResponse, "gone tomorrow")
      const read = yield* thread.read()
      assert.isTrue(read.thread.ephemeral)
      assert.isNull(read.thread.path ?? null)
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("threadList lists threads; archived ones only with archived: true", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const codex = yield* Codex.Codex
      yield* model.enqueue(FakeModel.message("a"), FakeModel.message("b"))
      const a = yield* startThread()
      yield* a.run("thread a")
      const b = yield* startThread()
      yield* b.run("thread b")

      const ids = (r: { readonly data: ReadonlyArray<{ readonly id: string }> }) => r.data.map((t) => t.id)
      const all = yield* codex.threadList()
      assert.includeMembers(ids(all), [a.id, b.id])
      const limited = yield* codex.threadList({ limit: 1 })
      assert.strictEqual(limited.data.length, 1)

      const archived = yield* codex.threadArchive(a.id)
      assert.deepStrictEqual(archived, {})
      const live = ids(yield* codex.threadList({ archived: false }))
      assert.notInclude(live, a.id)
      assert.include(live, b.id)
      const gone = ids(yield* codex.threadList({ archived: true }))
      assert.include(gone, a.id)
      assert.notInclude(gone, b.id)

      const back = yield* codex.threadUnarchive(a.id)
      assert.strictEqual(back.id, a.id)
      assert.includeMembers(ids(yield* codex.threadList({ archived: false })), [a.id, b.id])
      assert.notInclude(ids(yield* codex.threadList({ archived: true })), a.id)
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("read(includeTurns) returns the ordered history; read() leaves turns out", () =>
    Effect.gen(function*() {
      const { thread, first, second } = yield* twoTurns
      const full = yield* thread.read({ includeTurns: true })
      assert.strictEqual(full.thread.id, thread.id)
      assert.deepStrictEqual(full.thread.turns.map((t) => t.id), [first.id, second.id])
      assert.deepStrictEqual(full.thread.turns.map((t) => t.status), ["completed", "completed"])
      const items = full.thread.turns.flatMap((t) => t.items)
      assert.deepStrictEqual(items.map((i) => i.type), ["userMessage", "agentMessage", "userMessage", "agentMessage"])
      assert.deepStrictEqual(userTextsOf(items), ["first question", "second question"])
      assert.deepStrictEqual(agentTexts(items), ["first answer", "second answer"])
      const bare = yield* thread.read()
      assert.deepStrictEqual(bare.thread.turns, [])
      assert.strictEqual(bare.thread.preview, "first question")
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("setName names the thread; read and threadList show the name", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const codex = yield* Codex.Codex
      yield* model.enqueue(FakeModel.message("noted"))
      const thread = yield* startThread()
      yield* thread.run("remember the word apple")
      const response = yield* thread.setName("apple thread")
      assert.deepStrictEqual(response, {})
      assert.strictEqual((yield* thread.read()).thread.name, "apple thread")
      const listed = (yield* codex.threadList()).data.find((t) => t.id === thread.id)
      assert.strictEqual(listed?.name, "apple thread")
      assert.strictEqual(listed?.preview, "remember the word apple")
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("threadResume keeps the id and sends the stored history to the model", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const codex = yield* Codex.Codex
      yield* model.enqueue(FakeModel.message("I will remember apple"), FakeModel.message("apple"))
      const thread = yield* startThread()
      yield* thread.run("remember the word apple")
      // archive + unarchive unloads the thread: the resume reads it back from disk
      yield* codex.threadArchive(thread.id)
      yield* codex.threadUnarchive(thread.id)
      const resumed = yield* codex.threadResume(thread.id, { includeTurns: true })
      assert.strictEqual(resumed.id, thread.id)
      const result = yield* resumed.run("what word?")
      assert.strictEqual(result.finalResponse, "apple")
      const [, request] = yield* model.waitForRequests(2)
      assert.deepStrictEqual(FakeModel.userTexts(request!).slice(-2), ["remember the word apple", "what word?"])
      assert.deepStrictEqual(FakeModel.messageTexts(request!, "assistant"), ["I will remember apple"])
      const read = yield* resumed.read({ includeTurns: true })
      assert.strictEqual(read.thread.turns.length, 2)
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("threadResume of a loaded thread, with and without turns, keeps the id", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const codex = yield* Codex.Codex
      yield* model.enqueue(FakeModel.message("one"))
      const thread = yield* startThread()
      yield* thread.run("hello")
      const a = yield* codex.threadResume(thread.id, { includeTurns: false })
      const b = yield* codex.threadResume(thread.id, { includeTurns: true })
      assert.strictEqual(a.id, thread.id)
      assert.strictEqual(b.id, thread.id)
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("threadFork gives a new thread with the history; the source is unchanged", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const codex = yield* Codex.Codex
      yield* model.enqueue(FakeModel.message("original answer"), FakeModel.message("forked answer"))
      const thread = yield* startThread()
      yield* thread.run("original question")
      yield* thread.setName("source thread")
      const fork = yield* codex.threadFork(thread.id)
      assert.notStrictEqual(fork.id, thread.id)
      const forkRead = yield* fork.read({ includeTurns: true })
      assert.strictEqual(forkRead.thread.forkedFromId, thread.id)
      assert.deepStrictEqual(agentTexts(forkRead.thread.turns.flatMap((t) => t.items)), ["original answer"])

      const result = yield* fork.run("forked question")
      assert.strictEqual(result.finalResponse, "forked answer")
      const [, request] = yield* model.waitForRequests(2)
      assert.strictEqual(FakeModel.header(request!, "thread-id"), fork.id)
      assert.deepStrictEqual(FakeModel.userTexts(request!).slice(-2), ["original question", "forked question"])
      assert.strictEqual((yield* thread.read({ includeTurns: true })).thread.turns.length, 1)
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("threadFork options: includeTurns false, ephemeral (which needs includeTurns false)", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const codex = yield* Codex.Codex
      yield* model.enqueue(FakeModel.message("source"))
      const thread = yield* startThread()
      yield* thread.run("hello")
      const a = yield* codex.threadFork(thread.id, { includeTurns: false })
      const b = yield* codex.threadFork(thread.id, { ephemeral: true, includeTurns: false })
      assert.notStrictEqual(a.id, thread.id)
      assert.notStrictEqual(b.id, thread.id)
      assert.notStrictEqual(a.id, b.id)
      assert.isTrue((yield* b.read()).thread.ephemeral)
      assert.isFalse((yield* a.read()).thread.ephemeral)
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("threadArchive / threadUnarchive round-trip", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const codex = yield* Codex.Codex
      yield* model.enqueue(FakeModel.message("kept"), FakeModel.message("after unarchive"))
      const thread = yield* startThread()
      yield* thread.run("keep me")
      assert.deepStrictEqual(yield* codex.threadArchive(thread.id), {})
      const back = yield* codex.threadUnarchive(thread.id)
      assert.strictEqual(back.id, thread.id)
      const read = yield* back.read({ includeTurns: true })
      assert.strictEqual(read.thread.turns.length, 1)
      // an unarchived thread is resumed before use
      const resumed = yield* codex.threadResume(back.id)
      assert.strictEqual((yield* resumed.run("still there?")).finalResponse, "after unarchive")
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("compact runs a compaction turn against the model", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const codex = yield* Codex.Codex
      yield* model.enqueue(FakeModel.message("a long answer"), FakeModel.message("SUMMARY OF THE CONVERSATION"))
      const thread = yield* startThread()
      yield* thread.run("a long question")
      const events = yield* codex.client.subscribe
      yield* thread.compact
      const completed = yield* events.pipe(
        Stream.filter((e) =>
          !Notification.isUnknown(e) && threadIdOf(e.params) === thread.id &&
          (e.method === "turn/completed" ||
            (e.method === "item/completed" && e.params.item.type === "contextCompaction"))
        ),
        Stream.takeUntil((e) => e.method === "turn/completed"),
        Stream.runCollect
      )
      assert.deepStrictEqual(completed.map((e) => e.method), ["item/completed", "turn/completed"])
      const last = completed[1]!
      if (Notification.is("turn/completed")(last)) {
        assert.strictEqual(last.params.turn.status, "completed")
      }
      const [, request] = yield* model.waitForRequests(2)
      assert.match(FakeModel.lastUserText(request!) ?? "", /CONTEXT CHECKPOINT COMPACTION/)
      yield* model.assertDrained
    }).pipe(Effect.scoped, Effect.provide(CodexTest.layer())))

  it.live("models() lists the catalog; includeHidden lists at least as many", () =>
    Effect.gen(function*() {
      const codex = yield* Codex.Codex
      const model = yield* FakeModel.FakeModel
      const visible = yield* codex.models()
      assert.isAbove(visible.data.length, 0)
      for (const m of visible.data) assert.isString(m.id)
      const all = yield* codex.models({ includeHidden: true })
      assert.isAtLeast(all.data.length, visible.data.length)
      // offline: the bundled catalog, no model request
      assert.strictEqual((yield* model.requests).length, 0)
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("metadata: user agent, server name and version", () =>
    Effect.gen(function*() {
      const codex = yield* Codex.Codex
      assert.isAbove(codex.metadata.userAgent.length, 0)
      assert.isAbove(codex.metadata.serverInfo.name.length, 0)
      assert.match(codex.metadata.serverInfo.version, /^\d+\.\d+\.\d+/)
      assert.strictEqual(codex.client.serverVersion, codex.metadata.serverInfo.version)
    }).pipe(Effect.provide(CodexTest.layer())))
})
