import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type { InvalidOptionError } from "../src/Errors.ts"
import type * as Schemas from "../src/generated/Schemas.ts"
import * as Inputs from "../src/Inputs.ts"

/** Runs `toWire` and returns its `InvalidOptionError` (fails the test if it succeeded). */
const rejection = (input: unknown, options?: Inputs.ToWireOptions) =>
  Inputs.toWire(input as Inputs.RunInput, options).pipe(Effect.flip) as Effect.Effect<InvalidOptionError, unknown>

const text = (t: string): Schemas.UserInput => ({ type: "text", text: t })

describe("Inputs constructors", () => {
  it("build tagged items", () => {
    assert.deepStrictEqual(Inputs.text("hi"), { _tag: "TextInput", text: "hi" })
    assert.deepStrictEqual(Inputs.image("data:image/png;base64,AA=="), {
      _tag: "ImageInput",
      url: "data:image/png;base64,AA=="
    })
    assert.deepStrictEqual(Inputs.localImage("/tmp/a.png"), { _tag: "LocalImageInput", path: "/tmp/a.png" })
    assert.deepStrictEqual(Inputs.skill("release", "/s/SKILL.md"), {
      _tag: "SkillInput",
      name: "release",
      path: "/s/SKILL.md"
    })
    assert.deepStrictEqual(Inputs.mention("README", "/r/README.md"), {
      _tag: "MentionInput",
      name: "README",
      path: "/r/README.md"
    })
    assert.deepStrictEqual(Inputs.externalMessage("ci", "green"), {
      _tag: "ExternalMessage",
      toolName: "ci",
      content: "green"
    })
    assert.deepStrictEqual(Inputs.externalMessage("ci", "green", { namespace: "builds" }), {
      _tag: "ExternalMessage",
      toolName: "ci",
      content: "green",
      namespace: "builds"
    })
    assert.isFalse("namespace" in Inputs.externalMessage("ci", "green", {}))
  })
})

describe("Inputs.toWire shapes", () => {
  it.effect("a string is a text item without text_elements, as the Python SDK sends it", () =>
    Effect.gen(function*() {
      const wire = yield* Inputs.toWire("hi")
      assert.deepStrictEqual(wire, { input: [text("hi")] })
      assert.strictEqual(JSON.stringify(wire.input), `[{"type":"text","text":"hi"}]`)
      assert.isFalse("toolOutput" in wire)
    }))

  it.effect("an empty string is still text (as in Python)", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* Inputs.toWire(""), { input: [text("")] })
    }))

  it.effect("each item has its exact wire shape", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [Inputs.InputItem, string]> = [
        [Inputs.text("Continue."), `{"type":"text","text":"Continue."}`],
        [Inputs.image("data:image/png;base64,AA=="), `{"type":"image","url":"data:image/png;base64,AA=="}`],
        [Inputs.localImage("/tmp/a.png"), `{"type":"localImage","path":"/tmp/a.png"}`],
        [Inputs.skill("release", "/s/SKILL.md"), `{"type":"skill","name":"release","path":"/s/SKILL.md"}`],
        [Inputs.mention("README", "/r/README.md"), `{"type":"mention","name":"README","path":"/r/README.md"}`]
      ]
      for (const [item, json] of cases) {
        const wire = yield* Inputs.toWire(item)
        assert.strictEqual(JSON.stringify(wire), `{"input":[${json}]}`)
        // a single item and a one-element list give the same wire input
        assert.deepStrictEqual(yield* Inputs.toWire([item]), wire)
      }
    }))

  it.effect("a list maps item by item, strings included, in order", () =>
    Effect.gen(function*() {
      const wire = yield* Inputs.toWire([
        "Compare:",
        Inputs.localImage("/a.png"),
        Inputs.image("data:x"),
        Inputs.text("done")
      ])
      assert.deepStrictEqual(wire, {
        input: [
          text("Compare:"),
          { type: "localImage", path: "/a.png" },
          { type: "image", url: "data:x" },
          text("done")
        ]
      })
    }))

  it.effect("an empty list gives an empty input (as in Python)", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* Inputs.toWire([]), { input: [] })
    }))

  it.effect("forSteer accepts ordinary input", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* Inputs.toWire(["a", Inputs.text("b")], { forSteer: true }), {
        input: [text("a"), text("b")]
      })
    }))

  it.effect("an ExternalMessage gives input: [] and toolOutput, namespace omitted when unset", () =>
    Effect.gen(function*() {
      const wire = yield* Inputs.toWire(Inputs.externalMessage("ci_status", "build failed"))
      assert.strictEqual(JSON.stringify(wire), `{"input":[],"toolOutput":{"name":"ci_status","output":"build failed"}}`)
    }))

  it.effect("an ExternalMessage keeps its namespace and passes structured content through unchanged", () =>
    Effect.gen(function*() {
      const content = [
        { type: "input_text", text: "42" },
        { type: "input_image", image_url: "data:image/png;base64,AA==", detail: "high" }
      ] as const
      const wire = yield* Inputs.toWire(Inputs.externalMessage("lookup", content, { namespace: "kb" }))
      assert.deepStrictEqual(wire, { input: [], toolOutput: { name: "lookup", namespace: "kb", output: content } })
      assert.strictEqual(wire.toolOutput?.output, content)
    }))

  it.effect("the tool name is sent as given (only checked for blankness)", () =>
    Effect.gen(function*() {
      const wire = yield* Inputs.toWire(Inputs.externalMessage(" padded ", "x"))
      assert.strictEqual(wire.toolOutput?.name, " padded ")
    }))
})

describe("Inputs.toWire rejections (option \"input\")", () => {
  it.effect("an ExternalMessage inside a list", () =>
    Effect.gen(function*() {
      const error = yield* rejection(["hi", Inputs.externalMessage("ci", "x")])
      assert.strictEqual(error._tag, "InvalidOptionError")
      assert.strictEqual(error.option, "input")
      assert.match(error.message, /^unsupported input item: ExternalMessage \(.*not inside a list/)
    }))

  it.effect("an ExternalMessage passed to steer", () =>
    Effect.gen(function*() {
      const error = yield* rejection(Inputs.externalMessage("ci", "x"), { forSteer: true })
      assert.strictEqual(error.option, "input")
      assert.match(error.message, /^unsupported input item: ExternalMessage \(turn\/steer/)
    }))

  it.effect("an ExternalMessage inside a list passed to steer", () =>
    Effect.gen(function*() {
      const error = yield* rejection([Inputs.externalMessage("ci", "x")], { forSteer: true })
      assert.strictEqual(error.option, "input")
      assert.match(error.message, /^unsupported input item: ExternalMessage \(turn\/steer/)
    }))

  for (const toolName of ["", "   ", "\n\t"]) {
    it.effect(`a blank tool name ${JSON.stringify(toolName)}`, () =>
      Effect.gen(function*() {
        const error = yield* rejection(Inputs.externalMessage(toolName, "x"))
        assert.strictEqual(error.option, "input")
        assert.strictEqual(error.message, "ExternalMessage.toolName must be a nonempty string")
      }))
  }

  it.effect("a tool name that is not a string", () =>
    Effect.gen(function*() {
      const error = yield* rejection({ _tag: "ExternalMessage", toolName: 7, content: "x" })
      assert.strictEqual(error.message, "ExternalMessage.toolName must be a nonempty string")
    }))

  it.effect("a namespace that is not a string", () =>
    Effect.gen(function*() {
      const error = yield* rejection({ _tag: "ExternalMessage", toolName: "t", content: "x", namespace: 1 })
      assert.strictEqual(error.option, "input")
      assert.match(error.message, /^ExternalMessage\.namespace must be a string/)
    }))

  for (const content of [42, null, [1, 2], [{ text: "no type" }]]) {
    it.effect(`ExternalMessage content ${JSON.stringify(content)}`, () =>
      Effect.gen(function*() {
        const error = yield* rejection({ _tag: "ExternalMessage", toolName: "t", content })
        assert.strictEqual(error.option, "input")
        assert.match(error.message, /^ExternalMessage\.content must be/)
      }))
  }

  const unsupported: ReadonlyArray<readonly [string, unknown, string]> = [
    ["a number", 42, "unsupported input item: number"],
    ["null", null, "unsupported input item: null"],
    ["undefined", undefined, "unsupported input item: undefined"],
    ["a number inside a list", ["ok", 42], "unsupported input item: number"],
    ["a nested list", [["hi"]], "unsupported input item: array"],
    ["a raw wire item", { type: "text", text: "hi" }, "unsupported input item: object with type \"text\""],
    ["an unknown tag", { _tag: "AudioInput", url: "x" }, "unsupported input item: AudioInput"],
    ["a plain object", {}, "unsupported input item: object"]
  ]
  for (const [name, input, message] of unsupported) {
    it.effect(`${name}`, () =>
      Effect.gen(function*() {
        const error = yield* rejection(input)
        assert.strictEqual(error._tag, "InvalidOptionError")
        assert.strictEqual(error.option, "input")
        assert.strictEqual(error.message, message)
      }))
  }

  const badFields: ReadonlyArray<readonly [unknown, string]> = [
    [{ _tag: "TextInput", text: 1 }, "TextInput.text must be a string (got number)"],
    [{ _tag: "ImageInput" }, "ImageInput.url must be a string (got undefined)"],
    [{ _tag: "LocalImageInput", path: null }, "LocalImageInput.path must be a string (got null)"],
    [{ _tag: "SkillInput", name: "s" }, "SkillInput.path must be a string (got undefined)"],
    [{ _tag: "MentionInput", path: "/p" }, "MentionInput.name must be a string (got undefined)"]
  ]
  for (const [input, message] of badFields) {
    it.effect(`a malformed item: ${message}`, () =>
      Effect.gen(function*() {
        const error = yield* rejection([input])
        assert.strictEqual(error.option, "input")
        assert.strictEqual(error.message, message)
      }))
  }
})
