import { assert, describe, expect, it } from "@effect/vitest"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"
import { data } from "../src/generated/internal/codecs.ts"
import * as Protocol from "../src/generated/Protocol.ts"
import * as Schemas from "../src/generated/Schemas.ts"
import * as Core from "../src/index.ts"

type Entry = { readonly params: Schema.Top; readonly result?: Schema.Top }
const tables: Record<string, Record<string, Entry>> = {
  ClientRequests: Protocol.ClientRequests,
  ServerRequests: Protocol.ServerRequests,
  ServerNotifications: Protocol.ServerNotifications,
  ClientNotifications: Protocol.ClientNotifications
}
const publicCodecs = Object.entries(Schemas as Record<string, unknown>).filter(
  (kv): kv is [string, Schema.Top] => Schema.isSchema(kv[1])
)

describe("generated codecs (built on first use)", () => {
  // first: nothing in this file has used a schema yet
  it("importing the SDK builds no schema and does not even parse the description", () => {
    assert.strictEqual(data.built(), 0)
    const index = Core.Protocol.Schemas as unknown as Record<string, unknown>
    assert.strictEqual(Object.keys(index).length, 946)
    for (const name of Object.keys(index)) {
      assert.isFunction(Object.getOwnPropertyDescriptor(index, name)?.get, name)
    }
    assert.strictEqual(data.built(), 0)
  })

  it("Protocol.Schemas (the index) gives the generated/Schemas module's codecs", () => {
    const index = Core.Protocol.Schemas as unknown as Record<string, unknown>
    const differing = publicCodecs.filter(([name, codec]) => index[name] !== codec).map(([name]) => name)
    assert.deepStrictEqual(differing, [])
    expect(index["Thread"]).toBe(Schemas.Thread)
    expect(Core.Protocol.ClientRequests).toBe(Protocol.ClientRequests)
  })

  it("a thread and a turn build only the schemas they need", () => {
    void Protocol.ClientRequests["initialize"].params
    void Protocol.ClientRequests["initialize"].result
    void Protocol.ClientRequests["thread/start"].params
    void Protocol.ClientRequests["thread/start"].result
    void Protocol.ClientRequests["turn/start"].params
    void Protocol.ClientRequests["turn/start"].result
    for (
      const m of [
        "turn/started",
        "item/started",
        "item/agentMessage/delta",
        "item/completed",
        "turn/completed"
      ] as const
    ) {
      void Protocol.ServerNotifications[m].params
    }
    const built = data.built()
    expect(built).toBeGreaterThan(10)
    expect(built).toBeLessThan(300)
    expect(data.names().length).toBe(946)
  })

  it("builds nothing at import: the tables hold getters, the public codecs are suspended", () => {
    let getters = 0
    for (const table of Object.values(tables)) {
      for (const entry of Object.values(table)) {
        for (const key of ["params", "result"]) {
          const descriptor = Object.getOwnPropertyDescriptor(entry, key)
          if (descriptor === undefined) continue
          // a param-less method has the shared `Schema.Null`, nothing to build
          if (descriptor.get === undefined) expect(descriptor.value).toBe(Schema.Null)
          else getters++
        }
      }
    }
    expect(getters).toBeGreaterThan(300)
    expect(publicCodecs.length).toBe(946)
    for (const [, codec] of publicCodecs) expect(codec.ast._tag).toBe("Suspend")
  })

  it("builds each schema once and shares it with the schemas that reference it", () => {
    const start = Protocol.ClientRequests["thread/start"].result
    expect(Protocol.ClientRequests["thread/start"].result).toBe(start)
    const completed = Protocol.ServerNotifications["turn/completed"].params
    const thread = (start as unknown as Schema.Struct<{ thread: Schema.Top }>).fields.thread
    const turn = (completed as unknown as Schema.Struct<{ turn: Schema.Top }>).fields.turn
    // the referenced schema is the one the public codec of that name suspends
    expect((Schemas.Thread.ast as SchemaAST.Suspend).thunk()).toBe(thread.ast)
    expect((Schemas.Turn.ast as SchemaAST.Suspend).thunk()).toBe(turn.ast)
    expect(SchemaAST.resolveIdentifier(thread.ast)).toBe("Thread")
    expect(SchemaAST.resolveIdentifier(turn.ast)).toBe("Turn")
  })

  it("every public codec builds, under its own identifier", () => {
    for (const [name, codec] of publicCodecs) {
      expect(SchemaAST.resolveIdentifier((codec.ast as SchemaAST.Suspend).thunk())).toBe(name)
    }
  })

  it("a public codec decodes exactly like the method table's schema, failures and messages included", () => {
    const table = Protocol.ClientRequests["thread/start"].params as Schema.Codec<unknown>
    const pub = Schemas.ThreadStartParams as Schema.Codec<unknown>
    for (
      const input of [
        { cwd: "/tmp", approvalPolicy: "never", extra: 1 },
        { cwd: 42 },
        { approvalPolicy: "sometimes" },
        null
      ]
    ) {
      const a = Schema.decodeUnknownExit(table)(input)
      const b = Schema.decodeUnknownExit(pub)(input)
      expect(Exit.isSuccess(a)).toBe(Exit.isSuccess(b))
      expect(String(Exit.isSuccess(b) ? JSON.stringify(b.value) : b.cause)).toBe(
        String(Exit.isSuccess(a) ? JSON.stringify(a.value) : a.cause)
      )
    }
    expect(Exit.isSuccess(Schema.decodeUnknownExit(pub)({ cwd: 42 }))).toBe(false)
  })
})
