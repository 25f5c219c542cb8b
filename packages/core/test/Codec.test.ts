/**
 * Outgoing messages: strings that are not well-formed UTF-16 are refused with their JSON path
 * (the server cannot read them and would never answer); well-formed text, including astral
 * characters and a literal backslash-u text, is written unchanged.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Errors from "../src/Errors.ts"
import * as Codec from "../src/internal/codec.ts"
import * as Notification from "../src/Notification.ts"

describe("codec.serialize", () => {
  it("writes well-formed text unchanged (astral characters, a typed \\ud800 text)", () => {
    const message = { id: 1, method: "m", params: { text: "😀 ok \\ud800 literal", n: 1 } }
    assert.strictEqual(Codec.serialize(message), JSON.stringify(message))
  })

  it("refuses a lone high or low surrogate, naming the path", () => {
    const high = Codec.serialize({ id: 1, method: "turn/start", params: { input: [{ text: "a\uD800" }] } })
    assert.instanceOf(high, Errors.InvalidOptionError)
    assert.strictEqual((high as Errors.InvalidOptionError).option, "params.input[0].text")
    const low = Codec.serialize({ id: 1, method: "m", params: { "odd key": ["x", "\uDC00b"] } })
    assert.strictEqual((low as Errors.InvalidOptionError).option, `params["odd key"][1]`)
    const key = Codec.serialize({ id: 1, method: "m", params: { ["k\uD800"]: 1 } })
    assert.instanceOf(key, Errors.InvalidOptionError)
  })
})

describe("Notification.is", () => {
  it("narrows to one method and rejects unknown notifications of the same method", () => {
    const isDelta = Notification.is("item/agentMessage/delta")
    const typed: Notification.Notification = {
      method: "item/agentMessage/delta",
      params: { threadId: "t", turnId: "u", itemId: "i", delta: "hi" }
    } as Notification.Notification
    assert.isTrue(isDelta(typed))
    if (isDelta(typed)) assert.strictEqual(typed.params.delta, "hi")
    assert.isFalse(isDelta(new Notification.UnknownNotification("item/agentMessage/delta", {})))
    assert.isFalse(Notification.is("turn/completed")(typed))
    assert.isTrue(Notification.isUnknown(new Notification.UnknownNotification("x", 1)))
  })
})

describe("Errors.isRetryable", () => {
  it("is true for overload errors only; Retry reads it", () => {
    const busy = Errors.fromRpcError({ code: -32001, message: "Server overloaded; retry later." })
    assert.isTrue(busy.isRetryable)
    assert.strictEqual(busy._tag, "ServerBusyError")
    assert.isFalse(Errors.fromRpcError({ code: -32602, message: "bad" }).isRetryable)
    assert.isTrue(Errors.fromRpcError({ code: -32050, message: "x", data: { kind: "server_overloaded" } }).isRetryable)
    assert.isTrue(new Errors.JsonRpcError({ code: 1, message: "x", data: "serverOverloaded" }).isRetryable)
    assert.isFalse(new Errors.JsonRpcError({ code: 1, message: "x" }).isRetryable)
    assert.isTrue(Errors.isRetryableError(busy))
    assert.isFalse(Errors.isRetryableError(new Errors.TimeoutError({ message: "t", method: "thread/read" })))
    assert.isFalse(Errors.isRetryableError({ isRetryable: true }))
  })
})
