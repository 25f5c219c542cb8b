import { assert, describe, it } from "@effect/vitest"
import * as Prompt from "effect/ai/Prompt"
import * as Tool from "effect/ai/Tool"
import * as Toolkit from "effect/ai/Toolkit"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Codex from "../src/Codex.ts"
import * as Errors from "../src/Errors.ts"
import * as ThreadTools from "../src/internal/threadTools.ts"
import * as InternalToolkit from "../src/internal/toolkit.ts"
import * as Rules from "../src/internal/toolRules.ts"
import * as Tools from "../src/Tools.ts"

const problem = (names: ReadonlyArray<string>) =>
  Effect.map(Effect.flip(Tools.validateNames(names)), (error) => {
    assert.instanceOf(error, Errors.InvalidOptionError)
    assert.strictEqual(error.option, "tools")
    return error.message
  })

describe("tool names", () => {
  it.effect("accepts Responses API names", () =>
    Effect.gen(function*() {
      yield* Tools.validateNames(["get_order", "Delete-Order", "a", "x".repeat(64), "v2_tool"])
    }))

  it.effect("refuses names the Responses API refuses", () =>
    Effect.gen(function*() {
      for (const name of ["", "has space", "dot.name", "x".repeat(65), "ünïcode", "slash/name"]) {
        assert.match(yield* problem([name]), /not accepted by the Responses API/)
      }
    }))

  it.effect("refuses built-in tool names", () =>
    Effect.gen(function*() {
      for (const name of ["exec_command", "apply_patch", "web_search", "view_image"]) {
        assert.match(yield* problem([name]), /built-in codex tool/)
      }
    }))

  it.effect("refuses a name given twice", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* problem(["a", "b", "a"]), `tool name "a" is given twice`)
    }))

  it.effect("refuses a toolkit entry registered under another name", () =>
    Effect.gen(function*() {
      const tool = Tool.make("real_name", {})
      const error = yield* Effect.flip(InternalToolkit.validate({ other_name: tool }))
      assert.match(error.message, /registered under another name/)
    }))
})

describe("tool specs", () => {
  it("are the tool's name, description and effect's own JSON Schema of its parameters", () => {
    const tool = Tool.make("get_order", {
      description: "Reads an order",
      parameters: Schema.Struct({ id: Schema.String, quantity: Schema.optional(Schema.Number) })
    })
    assert.deepStrictEqual(InternalToolkit.spec(tool), {
      type: "function",
      name: "get_order",
      description: "Reads an order",
      inputSchema: Tool.getJsonSchema(tool) as Schema.Json
    })
  })

  it("use an empty description when the tool has none", () => {
    assert.strictEqual(InternalToolkit.spec(Tool.make("bare", {})).description, "")
  })
})

describe("tool output encoding", () => {
  it("sends a string as is and anything else as JSON", () => {
    assert.deepStrictEqual(Rules.success("plain text"), {
      success: true,
      contentItems: [{ type: "inputText", text: "plain text" }]
    })
    assert.deepStrictEqual(Rules.success({ id: "1", n: 2 }).contentItems, [{
      type: "inputText",
      text: `{"id":"1","n":2}`
    }])
    assert.deepStrictEqual(Rules.success(42).contentItems, [{ type: "inputText", text: "42" }])
    assert.deepStrictEqual(Rules.success(null).contentItems, [{ type: "inputText", text: "null" }])
    assert.deepStrictEqual(Rules.success(undefined).contentItems, [{ type: "inputText", text: "" }])
  })

  it("maps toModelOutput parts: text, images as URLs or data URLs, other files as a placeholder", () => {
    const bytes = new Uint8Array([1, 2, 3])
    assert.deepStrictEqual(
      Rules.success("ignored", [
        { type: "text", text: "a chart" },
        { type: "file", mediaType: "image/png", data: "AAEC" },
        { type: "file", mediaType: "image/png", data: bytes },
        { type: "file", mediaType: "image/jpeg", data: new URL("https://example.com/a.jpg") },
        { type: "file", mediaType: "image/jpeg", data: "https://example.com/b.jpg" },
        { type: "file", mediaType: "application/pdf", fileName: "report.pdf", data: "AAEC" }
      ]).contentItems,
      [
        { type: "inputText", text: "a chart" },
        { type: "inputImage", imageUrl: "data:image/png;base64,AAEC" },
        { type: "inputImage", imageUrl: "data:image/png;base64,AQID" },
        { type: "inputImage", imageUrl: "https://example.com/a.jpg" },
        { type: "inputImage", imageUrl: "https://example.com/b.jpg" },
        { type: "inputText", text: "[file application/pdf report.pdf]" }
      ]
    )
  })

  it("a failure is one text item with success false", () => {
    assert.deepStrictEqual(Rules.failure("nope"), {
      success: false,
      contentItems: [{ type: "inputText", text: "nope" }]
    })
  })
})

describe("the tool set", () => {
  const Echo = Tool.make("echo", {
    parameters: Schema.Struct({ text: Schema.String }),
    success: Schema.String,
    failure: Schema.Struct({ reason: Schema.String }),
    toModelOutput: (text: string) => [Prompt.textPart({ text: `echo: ${text}` })]
  })
  const Kit = Toolkit.make(Echo)
  const call = (text: unknown, handler: (text: string) => Effect.Effect<string, { readonly reason: string }>) =>
    Effect.gen(function*() {
      const handlers = yield* Kit.pipe(Effect.provide(Kit.toLayer({ echo: ({ text }) => handler(text) })))
      const set = InternalToolkit.toolSet(handlers as unknown as Toolkit.WithHandler<Record<string, Tool.Any>>, {
        timeout: Tools.defaultTimeout,
        concurrency: 1,
        context: yield* Effect.context()
      })
      return yield* set.call(
        { threadId: "t", turnId: "u", callId: "c", tool: "echo", arguments: { text } as Schema.Json },
        { mode: "autoReview", approvals: { handlers: {} } }
      )
    })

  it.effect("uses toModelOutput for a success", () =>
    Effect.gen(function*() {
      const answer = yield* call("hi", Effect.succeed)
      assert.deepStrictEqual(answer, { success: true, contentItems: [{ type: "inputText", text: "echo: hi" }] })
    }))

  it.effect("tells the field of invalid arguments and never runs the handler", () =>
    Effect.gen(function*() {
      let ran = false
      const answer = yield* call(7, (text) => Effect.sync(() => (ran = true, text)))
      assert.isFalse(ran)
      assert.isFalse(answer.success)
      assert.match(JSON.stringify(answer.contentItems), /invalid arguments for tool echo.*text/)
    }))

  it.effect("encodes a typed failure with the failure schema", () =>
    Effect.gen(function*() {
      const answer = yield* call("hi", () => Effect.fail({ reason: "no" }))
      assert.deepStrictEqual(answer, {
        success: false,
        contentItems: [{ type: "inputText", text: `tool echo failed: {"reason":"no"}` }]
      })
    }))

  it.effect("runs the handler in a codex.tool span carrying the thread, turn and call ids", () =>
    Effect.gen(function*() {
      let seen: { name: string; attributes: ReadonlyMap<string, unknown> } | undefined
      yield* call("hi", (text) =>
        Effect.map(Effect.currentSpan, (span) => {
          seen = {
            name: span.name,
            attributes: (span as unknown as { attributes: ReadonlyMap<string, unknown> }).attributes
          }
          return text
        }).pipe(Effect.orDie))
      assert.strictEqual(seen?.name, "codex.tool echo")
      assert.strictEqual(seen?.attributes.get("codex.thread.id"), "t")
      assert.strictEqual(seen?.attributes.get("codex.turn.id"), "u")
      assert.strictEqual(seen?.attributes.get("codex.tool.call.id"), "c")
    }))

  it.effect("a failureMode \"return\" failure is told to the model as a failure", () =>
    Effect.gen(function*() {
      const Soft = Tool.make("soft", {
        parameters: Schema.Struct({}),
        success: Schema.String,
        failure: Schema.Struct({ reason: Schema.String }),
        failureMode: "return"
      })
      const SoftKit = Toolkit.make(Soft)
      const handlers = yield* SoftKit.pipe(
        Effect.provide(SoftKit.toLayer({ soft: () => Effect.fail({ reason: "out of stock" }) }))
      )
      const set = InternalToolkit.toolSet(handlers as unknown as Toolkit.WithHandler<Record<string, Tool.Any>>, {
        timeout: Tools.defaultTimeout,
        concurrency: 1,
        context: yield* Effect.context()
      })
      const answer = yield* set.call(
        { threadId: "t", turnId: "u", callId: "c", tool: "soft", arguments: {} },
        { mode: "autoReview", approvals: { handlers: {} } }
      )
      assert.strictEqual(answer.success, false)
      assert.match(JSON.stringify(answer.contentItems), /out of stock/)
    }))

  it.effect("hides a defect's message", () =>
    Effect.gen(function*() {
      const answer = yield* call("hi", () => Effect.die(new Error("token sk-secret")))
      assert.notInclude(JSON.stringify(answer), "sk-secret")
      assert.isFalse(answer.success)
    }))
})

describe("the types of threadStart with tools", () => {
  it("carry the handlers' requirements, as LanguageModel.generateText does", () => {
    const Kit = Toolkit.make(Tool.make("echo", { parameters: Schema.Struct({ text: Schema.String }) }))
    const start = (codex: Codex.Service) => codex.threadStart({ tools: Kit })
    const plain = (codex: Codex.Service) => codex.threadStart({ model: "m" })
    type Needs = Effect.Services<ReturnType<typeof start>>
    const needsHandlers: [Needs] extends [never] ? false : [Tool.Handler<"echo">] extends [Needs] ? true : false = true
    const needsNothing: [Effect.Services<ReturnType<typeof plain>>] extends [never] ? true : false = true
    assert.isTrue(needsHandlers && needsNothing)
  })
})

describe("approval modes of a thread", () => {
  it("follow the server's stored settings", () => {
    assert.strictEqual(ThreadTools.modeOf({ approvalPolicy: "never", approvalsReviewer: "user" }), "denyAll")
    assert.strictEqual(ThreadTools.modeOf({ approvalPolicy: "on-request", approvalsReviewer: "user" }), "manual")
    assert.strictEqual(ThreadTools.modeOf({ approvalPolicy: "untrusted", approvalsReviewer: "user" }), "manual")
    assert.strictEqual(
      ThreadTools.modeOf({ approvalPolicy: "on-request", approvalsReviewer: "auto_review" }),
      "autoReview"
    )
  })
})
