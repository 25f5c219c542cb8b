/**
 * Turn inputs on the real app-server: what reaches the model for each input kind
 * (python-sdk-behaviour §7, §10.2 test_app_server_inputs.py).
 */
import * as Codex from "@effect-codex/core/Codex"
import * as Inputs from "@effect-codex/core/Inputs"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import {
  agentTexts,
  completedItems,
  inputItemsOfType,
  isDelta,
  itemsOfType,
  startThread,
  TINY_PNG,
  TINY_PNG_DATA_URL
} from "./helpers.ts"

const writeFile = (path: string, content: string | Uint8Array) =>
  Effect.sync(() => {
    NodeFs.mkdirSync(NodePath.dirname(path), { recursive: true })
    NodeFs.writeFileSync(path, content)
  })

/** Writes a file in the test workspace and returns its absolute path. */
const writeWorkspaceFile = (relative: string, content: string | Uint8Array) =>
  Effect.gen(function*() {
    const { workspace } = yield* CodexTest.CodexTest
    const path = NodePath.join(workspace, relative)
    yield* writeFile(path, content)
    return path
  })

/** The single model request of the test (after one turn). */
const onlyRequest = Effect.gen(function*() {
  const model = yield* FakeModel.FakeModel
  const requests = yield* model.requests
  assert.strictEqual(requests.length, 1)
  return requests[0]!
})

describe("inputs", () => {
  it.live("text: a string and a TextInput reach the model as user text", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.message("one"), FakeModel.message("two"))
      const thread = yield* startThread()
      const first = yield* thread.run("plain string input")
      const second = yield* thread.run(Inputs.text("a TextInput"))
      const [r1, r2] = yield* model.waitForRequests(2)
      assert.strictEqual(FakeModel.lastUserText(r1!), "plain string input")
      assert.strictEqual(FakeModel.lastUserText(r2!), "a TextInput")
      const user = itemsOfType(second.items, "userMessage")[0]!
      assert.deepStrictEqual(user.content.map((c) => c.type), ["text"])
      assert.strictEqual(first.finalResponse, "one")
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("image: a data URL reaches the model as an input_image", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.message("a pixel"))
      const thread = yield* startThread()
      const result = yield* thread.run([Inputs.text("what is this?"), Inputs.image(TINY_PNG_DATA_URL)])
      assert.strictEqual(result.finalResponse, "a pixel")
      const request = yield* onlyRequest
      assert.deepStrictEqual(FakeModel.images(request), [TINY_PNG_DATA_URL])
      const user = itemsOfType(result.items, "userMessage")[0]!
      assert.deepStrictEqual(user.content.map((c) => c.type), ["text", "image"])
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("localImage: the server reads the file and sends it as a PNG data URL", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.message("seen"))
      const path = yield* writeWorkspaceFile("tiny.png", TINY_PNG)
      const thread = yield* startThread()
      const result = yield* thread.run(["look at this file", Inputs.localImage(path)])
      const request = yield* onlyRequest
      const images = FakeModel.images(request)
      assert.strictEqual(images.length, 1)
      assert.match(images[0]!, /^data:image\/png;base64,/)
      const user = itemsOfType(result.items, "userMessage")[0]!
      assert.deepStrictEqual(user.content.map((c) => c.type), ["text", "localImage"])
      assert.include(FakeModel.userTexts(request).join("\n"), "look at this file")
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("skill: the server injects a <skill> block with the name, path and body", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const { codexHome } = yield* CodexTest.CodexTest
      yield* model.enqueue(FakeModel.message("skill used"))
      // a user skill: $CODEX_HOME/skills/<name>/SKILL.md
      const path = NodePath.join(codexHome, "skills", "demo-skill", "SKILL.md")
      yield* writeFile(
        path,
        "---\nname: demo-skill\ndescription: A demo skill for the integration tests\n---\n\n" +
          "Always answer with the word PINEAPPLE-SKILL-BODY.\n"
      )
      const thread = yield* startThread()
      const result = yield* thread.run([Inputs.text("use the skill"), Inputs.skill("demo-skill", path)])
      const user = itemsOfType(result.items, "userMessage")[0]!
      assert.deepStrictEqual(user.content.map((c) => c.type), ["text", "skill"])
      const request = yield* onlyRequest
      const texts = FakeModel.userTexts(request)
      const block = texts.find((t) => t.startsWith("<skill>"))
      assert.isDefined(block, JSON.stringify(texts))
      assert.include(block!, "<name>demo-skill</name>")
      assert.include(block!, `<path>${path}</path>`)
      assert.include(block!, "PINEAPPLE-SKILL-BODY")
      assert.include(texts, "use the skill")
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("mention: the item is recorded on the user message and the turn runs", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.message("noted"))
      const path = yield* writeWorkspaceFile("README.md", "# Readme\n")
      const thread = yield* startThread()
      const result = yield* thread.run(["see the readme", Inputs.mention("README", path)])
      assert.strictEqual(result.finalResponse, "noted")
      const user = itemsOfType(result.items, "userMessage")[0]!
      assert.deepStrictEqual(user.content, [
        { type: "text", text: "see the readme", text_elements: [] },
        { type: "mention", name: "README", path }
      ])
      const request = yield* onlyRequest
      assert.include(FakeModel.userTexts(request).join("\n"), "see the readme")
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("a list of mixed items keeps its order", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.message("ok"))
      const thread = yield* startThread()
      const result = yield* thread.run(["first", Inputs.image(TINY_PNG_DATA_URL), Inputs.text("second")])
      const user = itemsOfType(result.items, "userMessage")[0]!
      assert.deepStrictEqual(user.content.map((c) => c.type === "text" ? c.text : c.type), [
        "first",
        "image",
        "second"
      ])
      const request = yield* onlyRequest
      const last = FakeModel.inputItems(request).filter((i) => i["role"] === "user").at(-1)!
      const parts = last["content"] as ReadonlyArray<{ readonly type: string; readonly text?: string }>
      const texts = parts.filter((p) => p.type === "input_text").map((p) => p.text)
      assert.include(texts, "first")
      assert.include(texts, "second")
      assert.isBelow(texts.indexOf("first"), texts.indexOf("second"))
      assert.deepStrictEqual(FakeModel.images(request), [TINY_PNG_DATA_URL])
    }).pipe(Effect.provide(CodexTest.layer())))

  describe("ExternalMessage", () => {
    it.live("is sent as a function_call_output with the tool name, never as user text", () =>
      Effect.gen(function*() {
        const model = yield* FakeModel.FakeModel
        yield* model.enqueue(FakeModel.message("I see the CI failed"))
        const thread = yield* startThread()
        const result = yield* thread.run(Inputs.externalMessage("ci_status", "build #42 failed: 3 tests"))
        assert.strictEqual(result.finalResponse, "I see the CI failed")
        const request = yield* onlyRequest
        const outputs = inputItemsOfType(request, "function_call_output")
        assert.strictEqual(outputs.length, 1, JSON.stringify(FakeModel.inputItems(request)))
        assert.strictEqual(outputs[0]!["name"], "ci_status")
        assert.include(JSON.stringify(outputs[0]!["output"]), "build #42 failed: 3 tests")
        assert.deepStrictEqual(FakeModel.toolOutputs(request), [
          { type: "function_call_output", callId: undefined, name: "ci_status", output: "build #42 failed: 3 tests" }
        ])
        for (const role of ["user", "developer", "system"]) {
          for (const text of FakeModel.messageTexts(request, role)) assert.notInclude(text, "build #42 failed")
        }
        // stored as a functionCallOutput item, with no user message
        const outputItems = itemsOfType(result.items, "functionCallOutput")
        assert.strictEqual(outputItems.length, 1)
        assert.strictEqual(outputItems[0]!.name, "ci_status")
        assert.deepStrictEqual(itemsOfType(result.items, "userMessage"), [])
      }).pipe(Effect.provide(CodexTest.layer())))

    it.live("keeps its namespace and structured content items", () =>
      Effect.gen(function*() {
        const model = yield* FakeModel.FakeModel
        yield* model.enqueue(FakeModel.message("got it"))
        const thread = yield* startThread()
        yield* thread.run(
          Inputs.externalMessage("lookup", [{ type: "input_text", text: "the answer is 42" }], { namespace: "kb" })
        )
        const request = yield* onlyRequest
        const [output] = inputItemsOfType(request, "function_call_output")
        assert.isDefined(output)
        assert.strictEqual(output!["name"], "lookup")
        assert.strictEqual(output!["namespace"], "kb")
        assert.include(JSON.stringify(output!["output"]), "the answer is 42")
      }).pipe(Effect.provide(CodexTest.layer())))

    it.live("keeps tool authority through a resume: the output is replayed to the model", () =>
      Effect.gen(function*() {
        const model = yield* FakeModel.FakeModel
        const codex = yield* Codex.Codex
        yield* model.enqueue(FakeModel.message("first"), FakeModel.message("second"))
        const thread = yield* startThread()
        yield* thread.run(Inputs.externalMessage("ci_status", "pipeline green"))
        const resumed = yield* codex.threadResume(thread.id)
        assert.strictEqual(resumed.id, thread.id)
        yield* resumed.run("what did CI say?")
        const [, second] = yield* model.waitForRequests(2)
        const outputs = inputItemsOfType(second!, "function_call_output")
        assert.isTrue(
          outputs.some((o) => o["name"] === "ci_status" && JSON.stringify(o["output"]).includes("pipeline green"))
        )
        assert.strictEqual(FakeModel.lastUserText(second!), "what did CI say?")
        for (const text of FakeModel.userTexts(second!)) assert.notInclude(text, "pipeline green")
      }).pipe(Effect.provide(CodexTest.layer())))

    it.live("joins an active turn: same turn id, both handles see the result", () =>
      Effect.gen(function*() {
        const model = yield* FakeModel.FakeModel
        // the in-flight response is slow but finite: the joined output goes into the next request
        yield* model.enqueue(
          FakeModel.message("working on it", { deltas: 10, delayMs: 100 }),
          FakeModel.message("joined answer")
        )
        const thread = yield* startThread()
        const original = yield* thread.turn("start a long task")
        const seen = yield* Deferred.make<void>()
        const originalRun = yield* original.stream.pipe(
          Stream.tap((e) => isDelta(e) ? Deferred.succeed(seen, undefined) : Effect.void),
          Stream.runCollect,
          Effect.forkChild
        )
        yield* Deferred.await(seen)
        const joined = yield* thread.turn(Inputs.externalMessage("ci_status", "new build started"))
        assert.strictEqual(joined.id, original.id)
        const joinedResult = yield* joined.run
        const originalEvents = yield* Fiber.join(originalRun)
        assert.strictEqual(joinedResult.status, "completed")
        assert.strictEqual(joinedResult.finalResponse, "joined answer")
        const originalItems = completedItems(originalEvents)
        assert.deepStrictEqual(agentTexts(originalItems), ["working on it", "joined answer"])
        // the original has the user message first; the joined handle none
        assert.strictEqual(originalItems[0]?.type, "userMessage")
        assert.deepStrictEqual(itemsOfType(joinedResult.items, "userMessage"), [])
        const requests = yield* model.requests
        assert.strictEqual(requests.length, 2)
        assert.deepStrictEqual(
          FakeModel.toolOutputs(requests[1]!).filter((o) => o.name === "ci_status").map((o) => o.output),
          ["new build started"]
        )
      }).pipe(Effect.provide(CodexTest.layer())))
  })
})
