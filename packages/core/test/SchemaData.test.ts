/**
 * The interpreter of the generated schema descriptions (`internal/schemaData.ts`): each construct
 * builds the schema that the same construct written as Effect Schema code builds (compared as JSON
 * Schema documents and by decoding), references are shared and memoized, recursion works, nothing
 * is parsed before the first use, and unknown names, tags and checks fail clearly.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"
import * as SchemaData from "../src/internal/schemaData.ts"

const decode = (schema: Schema.Top, input: unknown) => Schema.decodeUnknownExit(schema as Schema.Codec<unknown>)(input)
const ok = (schema: Schema.Top, input: unknown): unknown => {
  const exit = decode(schema, input)
  if (Exit.isFailure(exit)) assert.fail(`expected ${JSON.stringify(input)} to decode: ${String(exit.cause)}`)
  return exit.value
}
const failure = (schema: Schema.Top, input: unknown): string => {
  const exit = decode(schema, input)
  if (Exit.isSuccess(exit)) return assert.fail(`expected ${JSON.stringify(input)} to fail`)
  return String(exit.cause)
}
const jsonSchema = (schema: Schema.Top) => Schema.toJsonSchemaDocument(schema)

/** Builds the definition `X` described by `description`. */
/** `SchemaData.fromTexts` of descriptions given as values (each written as its JSON text, as codegen does). */
const descriptions = (definitions: Readonly<Record<string, unknown>>): SchemaData.SchemaData =>
  SchemaData.fromTexts(Object.fromEntries(Object.entries(definitions).map(([name, d]) => [name, JSON.stringify(d)])))

const one = (description: unknown): Schema.Top => descriptions({ X: description }).get("X")

/** The description builds what the code builds (as a JSON Schema document, identifier included). */
const sameAs = (description: unknown, code: Schema.Top) =>
  assert.deepStrictEqual(jsonSchema(one(description)), jsonSchema(code.annotate({ identifier: "X" })))

describe("schemaData: each construct", () => {
  it("keywords", () => {
    const cases: ReadonlyArray<readonly [string, Schema.Top, ReadonlyArray<unknown>, ReadonlyArray<unknown>]> = [
      ["string", Schema.String, ["", "a"], [1, null]],
      ["number", Schema.Number, [1.5, -2], ["1"]],
      ["int", Schema.Int, [3, -4], [1.5, "1"]],
      ["finite", Schema.Finite, [1.5], [Infinity, Number.NaN]],
      ["boolean", Schema.Boolean, [true, false], [0]],
      ["null", Schema.Null, [null], [undefined, 0]],
      ["json", Schema.Json, [{ a: [1, "x", null] }, 2], [undefined]],
      ["never", Schema.Never, [], [1, null]],
      ["unknown", Schema.Unknown, [1, undefined], []]
    ]
    for (const [keyword, code, good, bad] of cases) {
      sameAs(keyword, code)
      for (const input of good) assert.deepStrictEqual(ok(one(keyword), input), input, keyword)
      for (const input of bad) failure(one(keyword), input)
    }
  })

  it("a struct with required and optional fields (excess fields dropped)", () => {
    const description = { a: "string", b: ["?", "int"] }
    sameAs(description, Schema.Struct({ a: Schema.String, b: Schema.optionalKey(Schema.Int) }))
    const schema = one(description)
    assert.deepStrictEqual(ok(schema, { a: "x", extra: 1 }), { a: "x" })
    assert.deepStrictEqual(ok(schema, { a: "x", b: 2 }), { a: "x", b: 2 })
    assert.include(failure(schema, { b: 2 }), "[\"a\"]")
    failure(schema, { a: "x", b: 1.5 })
    failure(schema, { a: "x", b: undefined })
  })

  it("unions (anyOf and oneOf), literals", () => {
    sameAs(["|", "string", "null"], Schema.Union([Schema.String, Schema.Null]))
    sameAs(["lit", "a"], Schema.Literal("a"))
    sameAs(["lits", "a", "b"], Schema.Literals(["a", "b"]))
    const a = { kind: ["lit", "a"] }
    const anyOf = one(["|", a, { kind: "string" }])
    const oneOf = one(["oneOf", a, { kind: "string" }])
    sameAs(
      ["oneOf", a, { kind: "string" }],
      Schema.Union([Schema.Struct({ kind: Schema.Literal("a") }), Schema.Struct({ kind: Schema.String })], {
        mode: "oneOf"
      })
    )
    // { kind: "a" } matches both members: fine for anyOf, an error for oneOf
    assert.deepStrictEqual(ok(anyOf, { kind: "a" }), { kind: "a" })
    failure(oneOf, { kind: "a" })
    assert.deepStrictEqual(ok(oneOf, { kind: "b" }), { kind: "b" })
    assert.strictEqual(ok(one(["lits", "a", "b"]), "b"), "b")
    failure(one(["lits", "a", "b"]), "c")
    failure(one(["lit", "a"]), "b")
  })

  it("arrays, records, structs with rest", () => {
    sameAs(["[]", "int"], Schema.Array(Schema.Int))
    sameAs(["{}", "string", "boolean"], Schema.Record(Schema.String, Schema.Boolean))
    sameAs(
      ["...", { a: "string" }, ["{}", "string", "json"]],
      Schema.StructWithRest(Schema.Struct({ a: Schema.String }), [Schema.Record(Schema.String, Schema.Json)])
    )
    assert.deepStrictEqual(ok(one(["[]", "int"]), [1, 2]), [1, 2])
    failure(one(["[]", "int"]), [1, "2"])
    assert.deepStrictEqual(ok(one(["{}", "string", "boolean"]), { x: true }), { x: true })
    failure(one(["{}", "string", "boolean"]), { x: 1 })
    const rest = one(["...", { a: "string" }, ["{}", "string", "json"]])
    assert.deepStrictEqual(ok(rest, { a: "x", more: [1] }), { a: "x", more: [1] })
    failure(rest, { more: 1 })
  })

  it("checks with their annotations, and annotations", () => {
    const expected = "a value greater than or equal to 0"
    const code = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0).annotate({ expected }))
    sameAs(["check", "int", ["isGreaterThanOrEqualTo", 0, { expected }]], code)
    sameAs(["check", "string", ["isMinLength", 1]], Schema.String.check(Schema.isMinLength(1)))
    const nonNegative = one(["check", "int", ["isGreaterThanOrEqualTo", 0, { expected }]])
    assert.strictEqual(ok(nonNegative, 0), 0)
    assert.include(failure(nonNegative, -1), expected)
    failure(one(["check", "string", ["isMinLength", 2]]), "a")
    assert.strictEqual(ok(one(["check", "string", ["isMinLength", 2]]), "ab"), "ab")
    const annotated = one(["@", "json", { expected: "JSON value" }])
    sameAs(["@", "json", { expected: "JSON value" }], Schema.Json.annotate({ expected: "JSON value" }))
    assert.strictEqual(annotated.ast.annotations?.expected, "JSON value")
  })
})

describe("schemaData: definitions and references", () => {
  const data = () =>
    descriptions({
      Leaf: { n: "int" },
      Pair: { left: "Leaf", right: ["?", "Leaf"] },
      Tree: { value: "int", children: ["[]", "Tree"] },
      Ping: { next: ["?", "Pong"] },
      Pong: { next: ["?", "Ping"], n: "int" }
    })

  it("each definition carries its name as identifier, is built once, and is shared by its references", () => {
    const d = data()
    assert.strictEqual(d.built(), 0)
    const pair = d.get("Pair") as unknown as Schema.Struct<{ left: Schema.Top; right: Schema.Top }>
    assert.strictEqual(d.built(), 2)
    assert.strictEqual(d.get("Pair"), pair)
    assert.strictEqual(SchemaAST.resolveIdentifier(pair.ast), "Pair")
    assert.strictEqual(pair.fields.left, d.get("Leaf"))
    assert.strictEqual(SchemaAST.resolveIdentifier(pair.fields.left.ast), "Leaf")
    assert.deepStrictEqual(d.names(), ["Leaf", "Pair", "Tree", "Ping", "Pong"])
    assert.deepStrictEqual(ok(pair, { left: { n: 1 }, right: { n: 2 } }), { left: { n: 1 }, right: { n: 2 } })
    failure(pair, { left: { n: "1" } })
  })

  it("a recursive definition decodes to any depth and fails deep inside", () => {
    const tree = data().get("Tree")
    const deep = { value: 1, children: [{ value: 2, children: [{ value: 3, children: [] }] }] }
    assert.deepStrictEqual(ok(tree, deep), deep)
    const bad = { value: 1, children: [{ value: 2, children: [{ value: "3", children: [] }] }] }
    assert.include(failure(tree, bad), "[\"children\"][0][\"children\"][0][\"value\"]")
  })

  it("mutually recursive definitions, from either end", () => {
    for (const start of ["Ping", "Pong"]) {
      const d = data()
      const schema = d.get(start)
      const value = start === "Ping" ? { next: { n: 1, next: { next: { n: 2 } } } } : { n: 0, next: { next: { n: 1 } } }
      assert.deepStrictEqual(ok(schema, value), value)
      const bad = start === "Ping"
        ? { next: { n: 1, next: { next: { n: "2" } } } }
        : { n: 0, next: { next: { n: "1" } } }
      failure(schema, bad)
      assert.strictEqual(d.built(), 2)
    }
  })

  it("the description is parsed on first use, not before", () => {
    const d = SchemaData.fromTexts({ X: "this is not JSON" })
    assert.strictEqual(d.built(), 0)
    assert.throws(() => d.get("X"))
  })

  it("fromTexts parses a definition's text when it is first built, and only the ones built", () => {
    const d = SchemaData.fromTexts({ A: JSON.stringify({ b: "B" }), B: "\"string\"", Broken: "this is not JSON" })
    assert.deepStrictEqual(d.names(), ["A", "B", "Broken"])
    assert.strictEqual(Schema.decodeUnknownSync(d.get("A") as Schema.Codec<{ readonly b: string }>)({ b: "x" }).b, "x")
    assert.strictEqual(d.built(), 2)
    assert.throws(() => d.get("Broken"))
    assert.include(failure(d.get("Nope"), 1), "\"Nope\", which the generated protocol description lacks")
  })

  it("an unknown name, tag, keyword position or check fails clearly when used", () => {
    const d = descriptions({
      Ref: { a: "Missing" },
      Tag: ["tuple", "string"],
      Check: ["check", "int", ["isPrime", 1]]
    })
    assert.include(failure(d.get("Nope"), 1), "\"Nope\", which the generated protocol description lacks")
    assert.include(failure(d.get("Ref"), { a: 1 }), "\"Missing\", which the generated protocol description lacks")
    assert.include(failure(d.get("Tag"), ["x"]), "\"tuple\", which the generated protocol description lacks")
    assert.include(failure(d.get("Check"), 1), "isPrime")
  })
})

describe("schemaData: tables and public codecs", () => {
  const data = descriptions({ P: { a: "string" }, R: { ok: "boolean" } })

  it("a method table: getters that build on first access, Schema.Null without params", () => {
    const table = SchemaData.methodTable<
      Record<string, { params: Schema.Top; optionalParams: boolean; result?: Schema.Top; experimental: boolean }>
    >(data, JSON.stringify([["m/one", "P", false, true, "R"], ["m/none", null, true, false, "R"]]))
    const withParams = table["m/one"]!
    assert.deepStrictEqual(Object.keys(withParams), ["params", "optionalParams", "result", "experimental"])
    assert.isFunction(Object.getOwnPropertyDescriptor(withParams, "params")?.get)
    assert.strictEqual(withParams.params, data.get("P"))
    assert.strictEqual(withParams.result, data.get("R"))
    assert.strictEqual(withParams.optionalParams, false)
    assert.strictEqual(withParams.experimental, true)
    assert.strictEqual(table["m/none"]!.params, Schema.Null)
    assert.strictEqual(table["m/none"]!.optionalParams, true)
    const notifications = SchemaData.methodTable<Record<string, object>>(
      data,
      JSON.stringify([["n", "P", false, false]])
    )
    assert.deepStrictEqual(Object.keys(notifications["n"]!), ["params", "optionalParams", "experimental"])
  })

  it("public codecs: suspended, made on first access, the same object every time", () => {
    const d = descriptions({ P: { a: "string" }, Q: ["[]", "P"] })
    const codecs = SchemaData.lazyCodecs<Record<string, Schema.Top>>(d, "P Q")
    assert.deepStrictEqual(Object.keys(codecs), ["P", "Q"])
    assert.isFunction(Object.getOwnPropertyDescriptor(codecs, "Q")?.get)
    const q = codecs["Q"]!
    assert.strictEqual(codecs["Q"], q)
    assert.strictEqual(d.codec("Q"), q)
    assert.strictEqual(q.ast._tag, "Suspend")
    assert.strictEqual(d.built(), 0)
    assert.deepStrictEqual(ok(q, [{ a: "x" }]), [{ a: "x" }])
    assert.strictEqual((q.ast as SchemaAST.Suspend).thunk(), d.get("Q").ast)
    assert.strictEqual(d.built(), 2)
  })
})
