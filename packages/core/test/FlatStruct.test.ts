import { describe, expect, it } from "@effect/vitest"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as Protocol from "../src/generated/Protocol.ts"
import * as FlatStruct from "../src/internal/flatStruct.ts"

const notifications = Protocol.ServerNotifications as Record<string, { readonly params: Schema.Top }>
const copies = Protocol.ServerNotificationCopies as Record<string, FlatStruct.Copy | undefined>

/** The fast path must agree with the schema: same value on success, and no success the schema rejects. */
const agrees = (schema: Schema.Top, input: unknown, copy?: FlatStruct.Copy) => {
  const fast = FlatStruct.compile(schema.ast, copy)!
  const exit = Schema.decodeUnknownExit(schema as Schema.Codec<unknown>)(input)
  const value = fast(input)
  if (value !== undefined) {
    expect(Exit.isSuccess(exit)).toBe(true)
    expect(Object.entries(value)).toStrictEqual(Object.entries(Exit.isSuccess(exit) ? exit.value as object : {}))
  }
  return value !== undefined
}

describe("FlatStruct (fast decode of flat notification params)", () => {
  it("compiles the delta notifications, and not the nested ones", () => {
    for (
      const method of [
        "item/agentMessage/delta",
        "item/reasoning/summaryTextDelta",
        "item/commandExecution/outputDelta"
      ]
    ) {
      expect(FlatStruct.compile(notifications[method]!.params.ast)).toBeDefined()
    }
    for (const method of ["item/completed", "turn/completed", "thread/status/changed"]) {
      expect(FlatStruct.compile(notifications[method]!.params.ast)).toBeUndefined()
    }
  })

  it("decodes like the schema: excess keys dropped, declaration order, Int checks kept", () => {
    const delta = notifications["item/agentMessage/delta"]!.params
    expect(agrees(delta, { threadId: "t", turnId: "u", itemId: "i", delta: "x", extra: 1 })).toBe(true)
    expect(agrees(delta, { threadId: "t", turnId: "u", itemId: "i", delta: 1 })).toBe(false)
    expect(agrees(delta, { threadId: "t", turnId: "u", itemId: "i" })).toBe(false)
    expect(agrees(delta, null)).toBe(false)
    expect(agrees(delta, ["t"])).toBe(false)
    const summary = notifications["item/reasoning/summaryTextDelta"]!.params
    expect(agrees(summary, { threadId: "t", turnId: "u", itemId: "i", delta: "x", summaryIndex: 2 })).toBe(true)
    expect(agrees(summary, { threadId: "t", turnId: "u", itemId: "i", delta: "x", summaryIndex: 2.5 })).toBe(false)
  })

  it("uses a generated copy only when it copies exactly the declared fields, in order", () => {
    const delta = notifications["item/agentMessage/delta"]!.params
    const input = { threadId: "t", turnId: "u", itemId: "i", delta: "x", extra: 1 }
    const reordered: FlatStruct.Copy = (p) => ({
      threadId: p.threadId,
      turnId: p.turnId,
      itemId: p.itemId,
      delta: p.delta
    })
    const excess: FlatStruct.Copy = (p) => ({ ...copies["item/agentMessage/delta"]!(p), extra: p.extra })
    const swapped: FlatStruct.Copy = (p) => ({
      delta: p.itemId,
      itemId: p.delta,
      threadId: p.threadId,
      turnId: p.turnId
    })
    for (const copy of [copies["item/agentMessage/delta"], reordered, excess, swapped]) {
      expect(agrees(delta, input, copy)).toBe(true)
    }
  })

  it("has a generated copy of exactly the declared fields for the flat notifications", () => {
    let checked = 0
    for (const [method, copy] of Object.entries(copies)) {
      const ast = notifications[method]!.params.ast
      if (copy === undefined || ast._tag !== "Objects") continue
      const names = ast.propertySignatures.map((ps) => ps.name as string)
      const probe = Object.fromEntries(names.map((name, i) => [name, i]))
      expect(Object.entries(copy(probe)), method).toStrictEqual(names.map((name, i) => [name, i]))
      checked++
    }
    expect(checked).toBeGreaterThan(10)
    expect(copies["item/agentMessage/delta"]).toBeDefined()
  })

  it("agrees with the schema on every compiled notification, for inputs built from its fields", () => {
    const samples: ReadonlyArray<unknown> = ["s", 1, 1.5, -1, true, null, undefined, {}, []]
    let compiled = 0
    for (const [method, entry] of Object.entries(notifications)) {
      const ast = entry.params.ast
      const copy = copies[method]
      if (FlatStruct.compile(ast) === undefined || ast._tag !== "Objects") continue
      compiled++
      const names = ast.propertySignatures.map((ps) => ps.name as string)
      // a valid input: for each field, the first sample its own schema accepts
      const valid = Object.fromEntries(ast.propertySignatures.flatMap((ps) => {
        const field = Schema.decodeUnknownExit(Schema.make(ps.type) as Schema.Codec<unknown>)
        const sample = samples.find((u) => u !== undefined && Exit.isSuccess(field(u)))
        return sample === undefined ? [] : [[ps.name as string, sample]]
      }))
      expect(agrees(entry.params, valid, copy), JSON.stringify(valid)).toBe(
        Exit.isSuccess(Schema.decodeUnknownExit(entry.params as Schema.Codec<unknown>)(valid))
      )
      for (const sample of samples) {
        for (const name of names) {
          // every field set to one sample value, the others cycling through the samples
          const input = Object.fromEntries(names.map((n, i) => [n, n === name ? sample : samples[i % samples.length]]))
          agrees(entry.params, input, copy)
          const { [name]: _, ...missing } = input
          agrees(entry.params, missing, copy)
        }
      }
    }
    expect(compiled).toBeGreaterThan(10)
  })
})
