/**
 * Structured output on the real app-server: an Effect Schema (or a raw JSON Schema) as
 * `outputSchema` reaches the model as `text.format`, and the final response is decoded.
 */
import * as Errors from "@effect-codex/core/Errors"
import * as Thread from "@effect-codex/core/Thread"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { startThread } from "./helpers.ts"

const Answer = Schema.Struct({
  answer: Schema.String,
  confidence: Schema.Number,
  tags: Schema.Array(Schema.String)
})

/** The `text.format` object of a model request. */
const textFormat = (request: FakeModel.RecordedRequest) =>
  (request.body as { readonly text?: { readonly format?: Record<string, unknown> } }).text?.format

describe("structured output", () => {
  it.live("an Effect Schema: the derived JSON Schema is sent and the answer decoded", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const value = { answer: "forty-two", confidence: 0.9, tags: ["math", "life"] }
      yield* model.enqueue(FakeModel.message(JSON.stringify(value), { deltas: 3 }))
      const thread = yield* startThread()
      const result = yield* thread.run("what is the answer?", { outputSchema: Answer })
      assert.deepStrictEqual(result.output, value)
      assert.strictEqual(result.output.tags[1], "life")
      assert.strictEqual(result.finalResponse, JSON.stringify(value))
      assert.strictEqual(result.status, "completed")

      const [request] = yield* model.waitForRequests(1)
      const format = textFormat(request!)
      assert.strictEqual(format?.["type"], "json_schema")
      assert.strictEqual(format?.["strict"], true)
      const sent = FakeModel.outputSchema(request!) as Record<string, unknown>
      assert.deepStrictEqual(sent, Thread.outputJsonSchema(Answer))
      // the derived schema, as the model sees it
      assert.strictEqual(sent["type"], "object")
      assert.deepStrictEqual(Object.keys(sent["properties"] as object).toSorted(), ["answer", "confidence", "tags"])
      assert.deepStrictEqual([...(sent["required"] as ReadonlyArray<string>)].toSorted(), [
        "answer",
        "confidence",
        "tags"
      ])
      assert.strictEqual(sent["additionalProperties"], false)
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("a Schema with a transformation decodes to its Type", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const Count = Schema.Struct({ count: Schema.NumberFromString, label: Schema.optional(Schema.String) })
      yield* model.enqueue(FakeModel.message(`{"count":"17"}`))
      const thread = yield* startThread()
      const result = yield* thread.run("count them", { outputSchema: Count })
      assert.deepStrictEqual(result.output, { count: 17 })
      const [request] = yield* model.waitForRequests(1)
      assert.deepStrictEqual(FakeModel.outputSchema(request!), Thread.outputJsonSchema(Count))
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("decodes what the sent JSON Schema allows: null for an optional field, an ISO string for a Date", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const Event = Schema.Struct({
        title: Schema.String,
        note: Schema.optional(Schema.String),
        at: Schema.Date
      })
      yield* model.enqueue(FakeModel.message(`{"title":"launch","note":null,"at":"2026-01-02T03:04:05.000Z"}`))
      const thread = yield* startThread()
      const result = yield* thread.run("when is the launch?", { outputSchema: Event })
      assert.strictEqual(result.output.title, "launch")
      assert.isUndefined(result.output.note)
      assert.instanceOf(result.output.at, Date)
      assert.strictEqual(result.output.at.toISOString(), "2026-01-02T03:04:05.000Z")
      // the schema the model got allows exactly these JSON values
      const [request] = yield* model.waitForRequests(1)
      const properties =
        (FakeModel.outputSchema(request!) as { readonly properties: Record<string, unknown> }).properties
      assert.deepStrictEqual(properties["note"], { anyOf: [{ type: "string" }, { type: "null" }] })
      assert.deepStrictEqual(properties["at"], { type: "string" })
      // strict structured outputs: every property is required (the optional one is nullable)
      assert.deepStrictEqual(
        (FakeModel.outputSchema(request!) as { readonly required: ReadonlyArray<string> }).required,
        ["title", "note", "at"]
      )
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("a reply that is not JSON fails with StructuredOutputError keeping the raw text", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.message("sorry, no JSON today"))
      const thread = yield* startThread()
      const error = yield* Effect.flip(thread.run("answer in JSON", { outputSchema: Answer }))
      assert.instanceOf(error, Errors.StructuredOutputError)
      if (error._tag !== "StructuredOutputError") return
      assert.strictEqual(error.raw, "sorry, no JSON today")
      assert.include(error.message, "output schema")
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("JSON that does not match the schema fails with StructuredOutputError keeping the raw text", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const raw = JSON.stringify({ answer: 42, confidence: "high" })
      yield* model.enqueue(FakeModel.message(raw))
      const thread = yield* startThread()
      const error = yield* Effect.flip(thread.run("answer", { outputSchema: Answer }))
      assert.strictEqual(error._tag, "StructuredOutputError")
      if (error._tag !== "StructuredOutputError") return
      assert.strictEqual(error.raw, raw)
      // the turn itself completed and is kept
      const read = yield* thread.read({ includeTurns: true })
      assert.deepStrictEqual(read.thread.turns.map((t) => t.status), ["completed"])
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("a turn with no final response fails with StructuredOutputError (raw null)", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.message("only commentary", { phase: "commentary" }))
      const thread = yield* startThread()
      const error = yield* Effect.flip(thread.run("answer", { outputSchema: Answer }))
      assert.strictEqual(error._tag, "StructuredOutputError")
      if (error._tag !== "StructuredOutputError") return
      assert.isNull(error.raw)
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("a raw JSON Schema object passes through unchanged and nothing is decoded", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const schema = {
        type: "object",
        properties: { city: { type: "string", description: "a city name" } },
        required: ["city"],
        additionalProperties: false
      }
      yield* model.enqueue(FakeModel.message(`{"city":"Lisbon"}`))
      const thread = yield* startThread()
      const result = yield* thread.run("pick a city", { outputSchema: schema })
      assert.strictEqual(result.finalResponse, `{"city":"Lisbon"}`)
      assert.isFalse("output" in result)
      const [request] = yield* model.waitForRequests(1)
      assert.deepStrictEqual(FakeModel.outputSchema(request!), schema)
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("outputSchema on thread.turn: sent, and handle.run returns the raw result", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.message(`{"answer":"a","confidence":1,"tags":[]}`))
      const thread = yield* startThread()
      const handle = yield* thread.turn("go", { outputSchema: Answer })
      const result = yield* handle.run
      assert.strictEqual(result.finalResponse, `{"answer":"a","confidence":1,"tags":[]}`)
      const [request] = yield* model.waitForRequests(1)
      assert.deepStrictEqual(FakeModel.outputSchema(request!), Thread.outputJsonSchema(Answer))
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("the schema applies to its turn only", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.message(`{"answer":"a","confidence":1,"tags":[]}`), FakeModel.message("free text"))
      const thread = yield* startThread()
      yield* thread.run("structured", { outputSchema: Answer })
      const plain = yield* thread.run("unstructured")
      assert.strictEqual(plain.finalResponse, "free text")
      const [, second] = yield* model.waitForRequests(2)
      assert.isUndefined(FakeModel.outputSchema(second!))
    }).pipe(Effect.provide(CodexTest.layer())))
})
