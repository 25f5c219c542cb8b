import { CodexHome, FakeModel } from "@effect-codex/testing"
import * as NodeChildProcessSpawner from "@effect/platform-node-shared/NodeChildProcessSpawner"
import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
import * as NodePath from "@effect/platform-node-shared/NodePath"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Path from "effect/Path"
import * as ChildProcess from "effect/process/ChildProcess"
import type * as ChildProcessSpawner from "effect/process/ChildProcessSpawner"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import { createRequire } from "node:module"
import * as NodePathModule from "node:path"
import * as Render from "../src/internal/render.ts"
import * as RequestLog from "../src/internal/requestLog.ts"
import * as Sse from "../src/internal/sse.ts"

// =============================================================================
// Helpers: talking to the fake over HTTP
// =============================================================================

type Json = { readonly [key: string]: unknown }

interface SseEvent {
  readonly event: string
  readonly data: Json
}

const parseSse = (text: string): ReadonlyArray<SseEvent> =>
  text.split("\n\n").filter((block) => block.length > 0).map((block) => {
    const lines = block.split("\n")
    const event = lines.find((line) => line.startsWith("event: "))?.slice("event: ".length) ?? ""
    const data = lines.find((line) => line.startsWith("data: "))?.slice("data: ".length) ?? "null"
    return { event, data: JSON.parse(data) as Json }
  })

const post = (url: string, body: unknown = { model: "m", input: [] }, init?: RequestInit) =>
  Effect.tryPromise(() =>
    fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify(body),
      ...init
    })
  )

const readText = (response: Response) => Effect.tryPromise(() => response.text())

/** POSTs to `${fake.url}/responses` and returns the status, headers and parsed events. */
const postEvents = (fake: FakeModel.Service, body?: unknown) =>
  Effect.gen(function*() {
    const response = yield* post(`${fake.url}/responses`, body)
    const text = yield* readText(response)
    const events = parseSse(text)
    for (const e of events) expect(e.event).toBe(e.data["type"])
    return { status: response.status, contentType: response.headers.get("content-type"), events }
  })

/** The `item` of event `i` (an empty object when absent, so assertions fail cleanly). */
const itemAt = (events: ReadonlyArray<SseEvent>, i: number): Json => (events[i]?.data["item"] ?? {}) as Json

const types = (events: ReadonlyArray<SseEvent>) => events.map((e) => e.data["type"])

const defaultUsageJson = {
  input_tokens: 10,
  input_tokens_details: { cached_tokens: 0 },
  output_tokens: 5,
  output_tokens_details: { reasoning_tokens: 0 },
  total_tokens: 15
}

const completed = (id: string, usage: Json = defaultUsageJson) => ({
  type: "response.completed",
  response: { id, usage }
})

const withFake = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provide(effect, FakeModel.layer)

// =============================================================================
// Script entries → exact SSE events
// =============================================================================

describe("FakeModel script", () => {
  it.live("message: created, item added, N text deltas, item done, completed with usage", () =>
    withFake(Effect.gen(function*() {
      const fake = yield* FakeModel.FakeModel
      expect(fake.url).toBe(`http://127.0.0.1:${fake.port}/v1`)
      expect(fake.port).toBeGreaterThan(0)
      yield* fake.enqueue(FakeModel.message("Hello world", { deltas: 3, phase: "final_answer" }))
      const { status, contentType, events } = yield* postEvents(fake)
      expect(status).toBe(200)
      expect(contentType).toBe("text/event-stream")
      const item = { type: "message", role: "assistant", id: "msg_1" }
      expect(events.map((e) => e.data)).toEqual([
        { type: "response.created", response: { id: "resp_1" } },
        {
          type: "response.output_item.added",
          output_index: 0,
          item: { ...item, status: "in_progress", content: [], phase: "final_answer" }
        },
        { type: "response.output_text.delta", item_id: "msg_1", output_index: 0, content_index: 0, delta: "Hel" },
        { type: "response.output_text.delta", item_id: "msg_1", output_index: 0, content_index: 0, delta: "lo w" },
        { type: "response.output_text.delta", item_id: "msg_1", output_index: 0, content_index: 0, delta: "orld" },
        {
          type: "response.output_item.done",
          output_index: 0,
          item: {
            ...item,
            status: "completed",
            content: [{ type: "output_text", text: "Hello world", annotations: [] }],
            phase: "final_answer"
          }
        },
        completed("resp_1")
      ])
    })))

  it.live("message: ids follow the request number, deltas 0 sends no delta, delayMs paces the events", () =>
    withFake(Effect.gen(function*() {
      const fake = yield* FakeModel.FakeModel
      yield* fake.enqueue(
        FakeModel.message("first", { deltas: 0, usage: { inputTokens: 7, outputTokens: 2 } }),
        FakeModel.message("second", { deltas: 2, delayMs: 40 })
      )
      const first = yield* postEvents(fake)
      expect(types(first.events)).toEqual([
        "response.created",
        "response.output_item.added",
        "response.output_item.done",
        "response.completed"
      ])
      expect(first.events[3]?.data).toEqual(completed("resp_1", {
        input_tokens: 7,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: 2,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 9
      }))
      const started = Date.now()
      const second = yield* postEvents(fake)
      // 2 deltas + the done event, each after a 40 ms pause
      expect(Date.now() - started).toBeGreaterThanOrEqual(110)
      expect(second.events.map((e) => e.data["delta"]).filter((d) => d !== undefined)).toEqual(["sec", "ond"])
      expect(second.events[0]?.data).toEqual({ type: "response.created", response: { id: "resp_2" } })
      expect(second.events[2]?.data["item_id"]).toBe("msg_2")
      expect(second.events[1]?.data["item"]).not.toHaveProperty("phase")
    })))

  it.live("reasoning summary parts before a message in one response", () =>
    withFake(Effect.gen(function*() {
      const fake = yield* FakeModel.FakeModel
      yield* fake.enqueue(FakeModel.response([
        FakeModel.reasoning(["Part one", "Two"], { deltas: 2 }),
        FakeModel.message("Answer", { phase: "commentary" })
      ]))
      const { events } = yield* postEvents(fake)
      const summaryPart = (summary_index: number) => ({
        type: "response.reasoning_summary_part.added",
        item_id: "rs_1",
        output_index: 0,
        summary_index,
        part: { type: "summary_text", text: "" }
      })
      const summaryDelta = (summary_index: number, delta: string) => ({
        type: "response.reasoning_summary_text.delta",
        item_id: "rs_1",
        output_index: 0,
        summary_index,
        delta
      })
      expect(events.map((e) => e.data)).toEqual([
        { type: "response.created", response: { id: "resp_1" } },
        { type: "response.output_item.added", output_index: 0, item: { type: "reasoning", id: "rs_1", summary: [] } },
        summaryPart(0),
        summaryDelta(0, "Part"),
        summaryDelta(0, " one"),
        summaryPart(1),
        summaryDelta(1, "T"),
        summaryDelta(1, "wo"),
        {
          type: "response.output_item.done",
          output_index: 0,
          item: {
            type: "reasoning",
            id: "rs_1",
            summary: [{ type: "summary_text", text: "Part one" }, { type: "summary_text", text: "Two" }]
          }
        },
        {
          type: "response.output_item.added",
          output_index: 1,
          item: {
            type: "message",
            role: "assistant",
            id: "msg_1_1",
            status: "in_progress",
            content: [],
            phase: "commentary"
          }
        },
        { type: "response.output_text.delta", item_id: "msg_1_1", output_index: 1, content_index: 0, delta: "Answer" },
        {
          type: "response.output_item.done",
          output_index: 1,
          item: {
            type: "message",
            role: "assistant",
            id: "msg_1_1",
            status: "completed",
            content: [{ type: "output_text", text: "Answer", annotations: [] }],
            phase: "commentary"
          }
        },
        completed("resp_1")
      ])
    })))

  it.live("exec_command: function_call with call_id and JSON arguments; escalate adds sandbox_permissions", () =>
    withFake(Effect.gen(function*() {
      const fake = yield* FakeModel.FakeModel
      yield* fake.enqueue(
        FakeModel.execCommand("echo hi"),
        FakeModel.execCommand("touch /x", { escalate: true, workdir: "/tmp" }),
        FakeModel.execCommand("ls", { escalate: "because", callId: "my-call" })
      )
      const first = yield* postEvents(fake)
      expect(first.events.map((e) => e.data)).toEqual([
        { type: "response.created", response: { id: "resp_1" } },
        {
          type: "response.output_item.done",
          output_index: 0,
          item: {
            type: "function_call",
            id: "fc_1",
            call_id: "call_1",
            name: "exec_command",
            arguments: "{\"cmd\":\"echo hi\",\"login\":false,\"yield_time_ms\":1000}"
          }
        },
        completed("resp_1")
      ])
      const second = yield* postEvents(fake)
      const secondItem = itemAt(second.events, 1)
      expect(secondItem["call_id"]).toBe("call_2")
      expect(JSON.parse(secondItem["arguments"] as string)).toEqual({
        cmd: "touch /x",
        workdir: "/tmp",
        login: false,
        yield_time_ms: 1000,
        sandbox_permissions: "require_escalated",
        justification: FakeModel.defaultJustification
      })
      const third = yield* postEvents(fake)
      const thirdItem = itemAt(third.events, 1)
      expect(thirdItem["call_id"]).toBe("my-call")
      expect(JSON.parse(thirdItem["arguments"] as string)).toMatchObject({
        cmd: "ls",
        sandbox_permissions: "require_escalated",
        justification: "because"
      })
    })))

  it.live("apply_patch: exec_command with the apply_patch heredoc", () =>
    withFake(Effect.gen(function*() {
      const fake = yield* FakeModel.FakeModel
      yield* fake.enqueue(
        FakeModel.applyPatch([FakeModel.addFile("hello.txt", "hello\nworld\n")]),
        FakeModel.applyPatch([
          FakeModel.updateFile("a.txt", { from: "old", to: "new\nnewer" }),
          FakeModel.deleteFile("b.txt")
        ])
      )
      const first = yield* postEvents(fake)
      expect(types(first.events)).toEqual(["response.created", "response.output_item.done", "response.completed"])
      const item = itemAt(first.events, 1)
      expect(item["name"]).toBe("exec_command")
      expect(JSON.parse(item["arguments"] as string)).toEqual({
        cmd: "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: hello.txt\n+hello\n+world\n*** End Patch\nEOF\n",
        login: false,
        yield_time_ms: 1000
      })
      const second = yield* postEvents(fake)
      const cmd = JSON.parse(itemAt(second.events, 1)["arguments"] as string).cmd
      expect(cmd).toBe(
        "apply_patch <<'EOF'\n*** Begin Patch\n*** Update File: a.txt\n@@\n-old\n+new\n+newer\n" +
          "*** Delete File: b.txt\n*** End Patch\nEOF\n"
      )
    })))

  it.live("generic function call and custom tool call", () =>
    withFake(Effect.gen(function*() {
      const fake = yield* FakeModel.FakeModel
      yield* fake.enqueue(
        FakeModel.functionCall("lookup", { q: 1 }, { callId: "c-9" }),
        FakeModel.functionCall("raw_args", "{\"a\":true}"),
        FakeModel.customToolCall("apply_patch", "*** Begin Patch\n*** End Patch")
      )
      const first = yield* postEvents(fake)
      expect(first.events[1]?.data).toEqual({
        type: "response.output_item.done",
        output_index: 0,
        item: { type: "function_call", id: "fc_1", call_id: "c-9", name: "lookup", arguments: "{\"q\":1}" }
      })
      const second = yield* postEvents(fake)
      expect(itemAt(second.events, 1)["arguments"]).toBe("{\"a\":true}")
      const third = yield* postEvents(fake)
      expect(third.events.map((e) => e.data)).toEqual([
        { type: "response.created", response: { id: "resp_3" } },
        {
          type: "response.output_item.done",
          output_index: 0,
          item: {
            type: "custom_tool_call",
            id: "ctc_3",
            call_id: "call_3",
            name: "apply_patch",
            input: "*** Begin Patch\n*** End Patch"
          }
        },
        completed("resp_3")
      ])
    })))

  it.live("failed response: created then response.failed with the error, no completed", () =>
    withFake(Effect.gen(function*() {
      const fake = yield* FakeModel.FakeModel
      yield* fake.enqueue(FakeModel.failed("fake failure requested"), FakeModel.failed("slow down", { code: "rate" }))
      const { status, events } = yield* postEvents(fake)
      expect(status).toBe(200)
      expect(events.map((e) => e.data)).toEqual([
        { type: "response.created", response: { id: "resp_1" } },
        {
          type: "response.failed",
          response: { id: "resp_1", error: { code: "server_error", message: "fake failure requested" } }
        }
      ])
      const second = yield* postEvents(fake)
      expect(second.events[1]?.data["response"]).toEqual({
        id: "resp_2",
        error: { code: "rate", message: "slow down" }
      })
    })))

  it.live("HTTP error status with a body and headers", () =>
    withFake(Effect.gen(function*() {
      const fake = yield* FakeModel.FakeModel
      yield* fake.enqueue(
        FakeModel.httpError(429, { body: { error: { message: "too many" } }, headers: { "retry-after": "7" } }),
        FakeModel.httpError(500),
        FakeModel.httpError(401, { body: "nope" })
      )
      const r429 = yield* post(`${fake.url}/responses`)
      expect(r429.status).toBe(429)
      expect(r429.headers.get("retry-after")).toBe("7")
      expect(r429.headers.get("content-type")).toBe("application/json")
      expect(JSON.parse(yield* readText(r429))).toEqual({ error: { message: "too many" } })
      const r500 = yield* post(`${fake.url}/responses`)
      expect(r500.status).toBe(500)
      expect(JSON.parse(yield* readText(r500))).toEqual({
        error: { message: "FakeModel: HTTP 500", type: "server_error" }
      })
      const r401 = yield* post(`${fake.url}/responses`)
      expect(r401.status).toBe(401)
      expect(r401.headers.get("content-type")).toBe("text/plain")
      expect(yield* readText(r401)).toBe("nope")
    })))

  it.live("stall: sends created + first deltas, then waits until the client disconnects", () =>
    withFake(Effect.gen(function*() {
      const fake = yield* FakeModel.FakeModel
      yield* fake.enqueue(FakeModel.stall({ text: "Partial", deltas: 2 }))
      const abort = new AbortController()
      const response = yield* post(`${fake.url}/responses`, undefined, { signal: abort.signal })
      expect(response.status).toBe(200)
      const events = yield* readEvents(response, 4)
      expect(events.map((e) => e.data)).toEqual([
        { type: "response.created", response: { id: "resp_1" } },
        {
          type: "response.output_item.added",
          output_index: 0,
          item: { type: "message", role: "assistant", id: "msg_1", status: "in_progress", content: [] }
        },
        { type: "response.output_text.delta", item_id: "msg_1", output_index: 0, content_index: 0, delta: "Par" },
        { type: "response.output_text.delta", item_id: "msg_1", output_index: 0, content_index: 0, delta: "tial" }
      ])
      expect(yield* fake.disconnects).toEqual([])
      abort.abort()
      yield* fake.waitForDisconnect(1)
      expect(yield* fake.disconnects).toEqual([1])
    })))

  it.live("closing the scope ends a stalled stream (the server does not hang)", () =>
    Effect.gen(function*() {
      const response = yield* Effect.scoped(Effect.gen(function*() {
        const fake = yield* FakeModel.make
        yield* fake.enqueue(FakeModel.stall())
        const response = yield* post(`${fake.url}/responses`)
        yield* readEvents(response, 3)
        return response
      }))
      // The scope is closed: the rest of the body ends (without response.completed).
      const rest = yield* Effect.tryPromise(() => response.body!.getReader().read())
      expect(rest.value === undefined || !new TextDecoder().decode(rest.value).includes("response.completed"))
        .toBe(true)
    }))

  it.live("raw events are sent as they are", () =>
    withFake(Effect.gen(function*() {
      const fake = yield* FakeModel.FakeModel
      const raw = [
        { type: "response.created", response: { id: "custom" } },
        { type: "response.something_new", payload: [1, 2, 3] }
      ]
      yield* fake.enqueue(FakeModel.raw(raw, { delayMs: 5 }))
      const { events } = yield* postEvents(fake)
      expect(events).toEqual(raw.map((data) => ({ event: data.type, data })))
    })))

  it("render is pure and encodeEvent uses the SSE wire format", () => {
    expect(Sse.encodeEvent({ type: "x.y", a: 1 })).toBe("event: x.y\ndata: {\"type\":\"x.y\",\"a\":1}\n\n")
    expect(Render.render(FakeModel.httpError(500), 1)).toEqual([])
    expect(Render.render(FakeModel.message("hi"), 4).map((e) => e.data.type)).toEqual([
      "response.created",
      "response.output_item.added",
      "response.output_text.delta",
      "response.output_item.done",
      "response.completed"
    ])
    expect(Render.splitDeltas("abcdefghij", 4)).toEqual(["ab", "cde", "fg", "hij"])
    expect(Render.splitDeltas("ab", 5)).toEqual(["a", "b"])
    expect(Render.splitDeltas("", 3)).toEqual([])
  })
})

/** Reads the response body until `count` events have arrived (the stream may stay open). */
const readEvents = (response: Response, count: number) =>
  Effect.gen(function*() {
    const reader = response.body!.getReader()
    const decoder = new TextDecoder()
    let text = ""
    while (parseSse(text).length < count || !text.endsWith("\n\n")) {
      const chunk = yield* Effect.tryPromise(() => reader.read())
      if (chunk.done) break
      text += decoder.decode(chunk.value, { stream: true })
    }
    reader.releaseLock()
    return parseSse(text)
  })

// =============================================================================
// Recording
// =============================================================================

describe("FakeModel recording", () => {
  it.live("records method, path, headers, body; helpers read the Responses input", () =>
    withFake(Effect.gen(function*() {
      const fake = yield* FakeModel.FakeModel
      yield* fake.enqueue(FakeModel.message("ok"))
      const schema = { type: "object", properties: { a: { type: "string" } } }
      const body = {
        model: "mock-model-2",
        stream: true,
        reasoning: { effort: "high", summary: "concise" },
        text: { format: { type: "json_schema", strict: true, schema, name: "codex_output_schema" } },
        tools: [{ type: "function", name: "exec_command" }, { type: "web_search" }],
        input: [
          { type: "message", role: "developer", content: [{ type: "input_text", text: "base prompt" }] },
          { type: "message", role: "user", content: [{ type: "input_text", text: "<environment_context/>" }] },
          {
            type: "message",
            role: "user",
            content: [{ type: "input_text", text: "look at " }, {
              type: "input_image",
              image_url: "data:image/png;base64,AAAA"
            }, { type: "input_text", text: "this" }]
          },
          { type: "function_call", call_id: "call_1", name: "exec_command", arguments: "{}" },
          { type: "function_call_output", call_id: "call_1", output: "done\n" },
          { type: "custom_tool_call_output", call_id: "call_2", output: [{ type: "input_text", text: "patched" }] },
          { type: "message", role: "assistant", content: [{ type: "output_text", text: "Hi" }] },
          { type: "message", role: "user", content: [{ type: "input_text", text: "last one" }] }
        ]
      }
      yield* postEvents(fake, body)
      const [request] = yield* fake.requests
      expect(request).toBeDefined()
      const r = request!
      expect(r.index).toBe(1)
      expect(r.method).toBe("POST")
      expect(r.path).toBe("/v1/responses")
      expect(r.headers["content-type"]).toBe("application/json")
      expect(FakeModel.header(r, "Accept")).toBe("text/event-stream")
      expect(r.body).toEqual(body)
      expect(JSON.parse(r.bodyText)).toEqual(body)
      expect(FakeModel.userTexts(r)).toEqual(["<environment_context/>", "look at this", "last one"])
      expect(FakeModel.lastUserText(r)).toBe("last one")
      expect(FakeModel.messageTexts(r, "assistant")).toEqual(["Hi"])
      expect(FakeModel.images(r)).toEqual(["data:image/png;base64,AAAA"])
      expect(FakeModel.toolOutputs(r)).toEqual([
        { type: "function_call_output", callId: "call_1", output: "done\n" },
        { type: "custom_tool_call_output", callId: "call_2", output: "patched" }
      ])
      expect(FakeModel.toolNames(r)).toEqual(["exec_command", "web_search"])
      expect(FakeModel.model(r)).toBe("mock-model-2")
      expect(FakeModel.outputSchema(r)).toEqual(schema)
      expect(FakeModel.reasoningSettings(r)).toEqual({ effort: "high", summary: "concise" })
      expect(yield* fake.unexpectedRequests).toEqual([])
      yield* fake.assertDrained
    })))

  it.live("helpers on a request without a JSON body return empty results", () =>
    withFake(Effect.gen(function*() {
      const fake = yield* FakeModel.FakeModel
      yield* fake.enqueue(FakeModel.message("ok"))
      const response = yield* post(`${fake.url}/responses`, undefined, { body: "not json" })
      yield* readText(response)
      const [r] = yield* fake.requests
      expect(r?.bodyText).toBe("not json")
      expect(r?.body).toBeUndefined()
      expect(FakeModel.lastUserText(r!)).toBeUndefined()
      expect(FakeModel.userTexts(r!)).toEqual([])
      expect(FakeModel.toolOutputs(r!)).toEqual([])
      expect(FakeModel.model(r!)).toBeUndefined()
      expect(FakeModel.outputSchema(r!)).toBeUndefined()
      expect(FakeModel.reasoningSettings(r!)).toBeUndefined()
    })))

  it.live("waitForRequests completes once enough requests have arrived", () =>
    withFake(Effect.gen(function*() {
      const fake = yield* FakeModel.FakeModel
      yield* fake.enqueue(FakeModel.message("a"), FakeModel.message("b"))
      const waiter = yield* Effect.forkChild(fake.waitForRequests(2))
      yield* postEvents(fake, { input: [{ role: "user", content: "one" }] })
      expect((yield* fake.waitForRequests(1)).length).toBe(1)
      expect(waiter.pollUnsafe()).toBeUndefined()
      yield* postEvents(fake, { input: [{ role: "user", content: "two" }] })
      const requests = yield* Fiber.join(waiter)
      expect(requests.map(FakeModel.lastUserText)).toEqual(["one", "two"])
      // Already satisfied: returns at once.
      expect((yield* fake.waitForRequests(2)).map((r) => r.index)).toEqual([1, 2])
    })))

  it.live("an empty script answers response.failed naming the request, and assertDrained fails", () =>
    withFake(Effect.gen(function*() {
      const fake = yield* FakeModel.FakeModel
      yield* fake.enqueue(FakeModel.message("only one"))
      yield* postEvents(fake)
      yield* fake.assertDrained
      const { status, events } = yield* postEvents(fake, { input: [{ role: "user", content: "again?" }] })
      expect(status).toBe(200)
      expect(events.map((e) => e.data)).toEqual([
        { type: "response.created", response: { id: "resp_2" } },
        {
          type: "response.failed",
          response: {
            id: "resp_2",
            error: { code: "fake_model_unscripted", message: "FakeModel: no scripted response left (request #2)" }
          }
        }
      ])
      expect((yield* fake.unexpectedRequests).map((r) => r.index)).toEqual([2])
      const error = yield* Effect.flip(fake.assertDrained)
      expect(error._tag).toBe("UnexpectedRequestsError")
      expect(error.message).toBe(
        "FakeModel: 1 unexpected request(s): #2 POST /v1/responses (last user text: \"again?\")"
      )
      const noUnexpected = yield* Effect.flip(fake.assertNoUnexpectedRequests)
      expect(noUnexpected).toBeInstanceOf(FakeModel.UnexpectedRequestsError)
      expect(noUnexpected.indices).toEqual([2])
    })))

  it.live("an unknown path gets 404 and counts as unexpected", () =>
    withFake(Effect.gen(function*() {
      const fake = yield* FakeModel.FakeModel
      const response = yield* Effect.tryPromise(() => fetch(`${fake.url}/models`))
      expect(response.status).toBe(404)
      expect(JSON.parse(yield* readText(response))).toEqual({
        error: { message: "FakeModel: unexpected request #1 GET /v1/models", type: "not_found" }
      })
      const requests = yield* fake.requests
      expect(requests.map((r) => [r.method, r.path])).toEqual([["GET", "/v1/models"]])
      const error = yield* Effect.flip(fake.assertNoUnexpectedRequests)
      expect(error.indices).toEqual([1])
    })))

  it.live("assertDrained fails while scripted replies are unused", () =>
    withFake(Effect.gen(function*() {
      const fake = yield* FakeModel.FakeModel
      yield* fake.enqueue(FakeModel.message("a"), FakeModel.failed("b"), FakeModel.stall())
      yield* postEvents(fake)
      expect(yield* fake.pending).toBe(2)
      const error = yield* Effect.flip(fake.assertDrained)
      expect(error).toBeInstanceOf(FakeModel.UnusedRepliesError)
      expect(error._tag === "UnusedRepliesError" && error.remaining).toEqual(["Fail", "Stall"])
      expect(error.message).toBe("FakeModel: 2 scripted replies were never used: Fail, Stall")
    })))

  it.live("two fakes are independent (own port, own script, own records)", () =>
    Effect.gen(function*() {
      const a = yield* FakeModel.make
      const b = yield* FakeModel.make
      expect(a.port).not.toBe(b.port)
      yield* a.enqueue(FakeModel.message("from a"))
      yield* b.enqueue(FakeModel.message("from b"))
      const eb = yield* postEvents(b)
      const ea = yield* postEvents(a)
      expect(eb.events[3]?.data["item"]).toMatchObject({ content: [{ text: "from b" }] })
      expect(ea.events[3]?.data["item"]).toMatchObject({ content: [{ text: "from a" }] })
      expect((yield* a.requests).length).toBe(1)
      expect((yield* b.requests).length).toBe(1)
    }))
})

// =============================================================================
// Bounded request log
// =============================================================================

/** POSTs a prompt to `/responses` (the script answers it) and reads the reply to its end. */
const ask = (fake: FakeModel.Service, text: string) => postEvents(fake, { input: [{ role: "user", content: text }] })

describe("FakeModel request log", () => {
  it.live("keeps the latest maxRecordedRequests; inspection sees the newest and counts them all", () =>
    Effect.gen(function*() {
      const fake = yield* FakeModel.makeWith({ maxRecordedRequests: 3 })
      yield* fake.enqueue(...Array.from({ length: 5 }, (_, i) => FakeModel.message(`answer ${i + 1}`)))
      for (let i = 1; i <= 5; i++) yield* ask(fake, `prompt ${i}`)
      const requests = yield* fake.requests
      expect(requests.map((r) => r.index)).toEqual([3, 4, 5])
      expect(requests.map(FakeModel.lastUserText)).toEqual(["prompt 3", "prompt 4", "prompt 5"])
      expect(requests[2]?.body).toEqual({ input: [{ role: "user", content: "prompt 5" }] })
      expect(yield* fake.requestCount).toBe(5)
      // Counted over every request, answered with the latest ones kept.
      expect((yield* fake.waitForRequests(5)).map((r) => r.index)).toEqual([3, 4, 5])
      yield* fake.assertDrained
    }))

  it.live("unexpected requests are kept apart under the same bound and all counted", () =>
    Effect.gen(function*() {
      const fake = yield* FakeModel.makeWith({ maxRecordedRequests: 2 })
      yield* fake.enqueue(FakeModel.message("expected"))
      yield* ask(fake, "first")
      for (let i = 1; i <= 4; i++) yield* ask(fake, `extra ${i}`)
      expect((yield* fake.unexpectedRequests).map(FakeModel.lastUserText)).toEqual(["extra 3", "extra 4"])
      const error = yield* Effect.flip(fake.assertNoUnexpectedRequests)
      expect(error.indices).toEqual([4, 5])
      expect(error.message).toMatch(/^FakeModel: 4 unexpected request\(s\): #4 POST \/v1\/responses/)
    }))

  it.live("the default bound is the last 1,000 requests", () =>
    Effect.gen(function*() {
      const fake = yield* FakeModel.make
      const total = 1005
      yield* Effect.forEach(
        Array.from({ length: total }, (_, i) => i + 1),
        (i) => Effect.flatMap(post(`${fake.url}/other/${i}`), readText),
        { concurrency: 8, discard: true }
      )
      const requests = yield* fake.requests
      expect(requests.length).toBe(1000)
      expect(requests[0]?.index).toBe(6)
      expect(requests[999]?.index).toBe(total)
      expect(requests.map((r) => r.index)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 6))
      expect(yield* fake.requestCount).toBe(total)
      expect((yield* fake.unexpectedRequests).length).toBe(1000)
    }))

  it.live("an unbounded log (Infinity) keeps everything; an invalid bound fails typed", () =>
    Effect.gen(function*() {
      const fake = yield* FakeModel.makeWith({ maxRecordedRequests: Infinity })
      yield* fake.enqueue(FakeModel.message("a"), FakeModel.message("b"))
      yield* ask(fake, "one")
      yield* ask(fake, "two")
      expect((yield* fake.requests).map(FakeModel.lastUserText)).toEqual(["one", "two"])
      for (const bad of [0, -1, 1.5, Number.NaN]) {
        const error = yield* Effect.flip(FakeModel.makeWith({ maxRecordedRequests: bad }))
        expect(error._tag).toBe("InvalidOptionsError")
        expect(error.message).toContain(`got ${bad}`)
      }
    }))

  it("append drops the oldest entry once full and keeps counting", () => {
    const request = (index: number) => RequestLog.record(index, { method: "GET", path: "/", headers: {}, bodyText: "" })
    let log = RequestLog.empty(2)
    for (let i = 1; i <= 4; i++) log = RequestLog.append(log, request(i))
    expect(log.entries.map((r) => r.index)).toEqual([3, 4])
    expect(log.total).toBe(4)
    expect(RequestLog.defaultCapacity).toBe(1000)
  })

  it("a recorded body is its text parsed as JSON, or undefined", () => {
    const recorded = (bodyText: string) => RequestLog.record(1, { method: "POST", path: "/", headers: {}, bodyText })
    expect(recorded("{\"a\":[1]}").body).toEqual({ a: [1] })
    expect(recorded("").body).toBeUndefined()
    expect(recorded("{not json").body).toBeUndefined()
  })
})

// =============================================================================
// CodexHome
// =============================================================================

const PlatformLayer = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)

describe("CodexHome", () => {
  it("configToml is the offline config", () => {
    expect(CodexHome.configToml({ port: 4242 })).toBe(
      [
        "model = \"mock-model\"",
        "model_provider = \"mock_provider\"",
        "approval_policy = \"never\"",
        "sandbox_mode = \"read-only\"",
        "",
        "[features]",
        "plugins = false",
        "shell_snapshot = false",
        "",
        "[model_providers.mock_provider]",
        "name = \"Mock provider\"",
        "base_url = \"http://127.0.0.1:4242/v1\"",
        "wire_api = \"responses\"",
        "request_max_retries = 0",
        "stream_max_retries = 0",
        ""
      ].join("\n")
    )
    const custom = CodexHome.configToml({
      port: 1,
      model: "gpt-5.5",
      approvalPolicy: "on-request",
      sandboxMode: "workspace-write",
      requiresOpenaiAuth: true,
      envKey: "FAKE_KEY",
      features: { shell_snapshot: true, web_search: false },
      extraConfig: "[analytics]\nenabled = false"
    })
    expect(custom).toContain("model = \"gpt-5.5\"\n")
    expect(custom).toContain("approval_policy = \"on-request\"\n")
    expect(custom).toContain("sandbox_mode = \"workspace-write\"\n")
    expect(custom).toContain("[features]\nplugins = false\nshell_snapshot = true\nweb_search = false\n")
    expect(custom).toContain("stream_max_retries = 0\nrequires_openai_auth = true\nenv_key = \"FAKE_KEY\"\n")
    expect(custom.endsWith("\n[analytics]\nenabled = false\n")).toBe(true)
  })

  it.live("writeCodexHome writes config.toml; makeTemp removes the directory with its scope", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const dir = yield* Effect.scoped(Effect.gen(function*() {
        const dir = yield* CodexHome.makeTemp({ port: 1234, approvalPolicy: "untrusted" })
        const text = yield* fs.readFileString(path.join(dir, "config.toml"))
        expect(text).toBe(CodexHome.configToml({ port: 1234, approvalPolicy: "untrusted" }))
        const nested = path.join(dir, "a", "b")
        yield* CodexHome.writeCodexHome(nested, { port: 99 })
        expect(yield* fs.readFileString(path.join(nested, "config.toml"))).toContain("127.0.0.1:99/v1")
        return dir
      }))
      expect(yield* fs.exists(dir)).toBe(false)
    }).pipe(Effect.provide(PlatformLayer)))
})

// =============================================================================
// Integration with the real codex binary
// =============================================================================

/** The pinned native binary, resolved the way `codex.js` does it (or `EFFECT_CODEX_BIN`'s: `pnpm run compat`). */
const codexBinary = process.env["EFFECT_CODEX_BIN"] || (() => {
  const require = createRequire(import.meta.url)
  const codexPackage = require.resolve("@openai/codex/package.json")
  const platformPackage = createRequire(codexPackage).resolve("@openai/codex-linux-x64/package.json")
  return NodePathModule.join(NodePathModule.dirname(platformPackage), "vendor/x86_64-unknown-linux-musl/bin/codex")
})()

const waitTimeout = "20 seconds"

/** A tiny raw NDJSON JSON-RPC driver for `codex app-server` (test-only; not the SDK's client). */
const spawnCodex = (codexHome: string, cwd: string) =>
  Effect.gen(function*() {
    const handle = yield* ChildProcess.make(codexBinary, ["app-server"], {
      cwd,
      env: {
        CODEX_HOME: codexHome,
        NO_PROXY: "127.0.0.1,localhost",
        no_proxy: "127.0.0.1,localhost",
        RUST_LOG: "warn"
      },
      extendEnv: true,
      forceKillAfter: "2 seconds"
    })
    const outbound = yield* Queue.unbounded<string>()
    const messages = yield* SubscriptionRef.make<ReadonlyArray<Json>>([])
    const stderr = yield* Ref.make("")
    const nextId = yield* Ref.make(1)
    yield* Stream.fromQueue(outbound).pipe(
      Stream.map((line) => `${line}\n`),
      Stream.encodeText,
      Stream.run(handle.stdin),
      Effect.forkScoped
    )
    yield* handle.stdout.pipe(
      Stream.decodeText(),
      Stream.splitLines,
      Stream.runForEach((line) => SubscriptionRef.update(messages, (all) => [...all, JSON.parse(line) as Json])),
      Effect.forkScoped
    )
    yield* handle.stderr.pipe(
      Stream.decodeText(),
      Stream.runForEach((text) => Ref.update(stderr, (all) => (all + text).slice(-4000))),
      Effect.forkScoped
    )
    const send = (message: Json) => Queue.offer(outbound, JSON.stringify(message))

    /** Waits for the first message (already received or future) matching `predicate`. */
    const waitFor = (what: string, predicate: (message: Json) => boolean) =>
      SubscriptionRef.changes(messages).pipe(
        Stream.map((all) => Option.fromNullishOr(all.find(predicate))),
        Stream.filter(Option.isSome),
        Stream.runHead,
        Effect.map((found) => Option.flatten(found).pipe(Option.getOrUndefined) as Json),
        Effect.timeoutOrElse({
          duration: waitTimeout,
          orElse: () =>
            Effect.gen(function*() {
              const all = yield* SubscriptionRef.get(messages)
              const tail = yield* Ref.get(stderr)
              return yield* Effect.fail(
                new Error(
                  `timed out waiting for ${what}; got methods ${
                    JSON.stringify(all.map((m) => m["method"] ?? `#${String(m["id"])}`))
                  }; stderr: ${tail}`
                )
              )
            })
        })
      )

    const request = (method: string, params: Json) =>
      Effect.gen(function*() {
        const id = yield* Ref.getAndUpdate(nextId, (n) => n + 1)
        yield* send({ id, method, params })
        const reply = yield* waitFor(`reply to ${method}`, (m) => m["id"] === id && m["method"] === undefined)
        if (reply["error"] !== undefined) {
          return yield* Effect.fail(new Error(`${method} failed: ${JSON.stringify(reply["error"])}`))
        }
        return reply["result"] as Json
      })

    const notification = (method: string, predicate: (params: Json) => boolean = () => true) =>
      Effect.map(
        waitFor(method, (m) => m["method"] === method && m["id"] === undefined && predicate(m["params"] as Json)),
        (m) => m["params"] as Json
      )

    const notifications = (method: string) =>
      Effect.map(
        SubscriptionRef.get(messages),
        (all) => all.filter((m) => m["method"] === method && m["id"] === undefined).map((m) => m["params"] as Json)
      )

    if (process.env["FAKE_MODEL_DEBUG"]) {
      yield* Effect.addFinalizer(() =>
        Effect.map(SubscriptionRef.get(messages), (all) => {
          for (const m of all) console.log(Date.now(), JSON.stringify(m).slice(0, 600))
        })
      )
    }
    return { request, notify: (method: string) => send({ method }), notification, notifications }
  })

interface Session {
  readonly fake: FakeModel.Service
  readonly codex: Effect.Success<ReturnType<typeof spawnCodex>>
  readonly threadId: string
  readonly workspace: string
}

/** A fresh CODEX_HOME + workspace, the real app-server pointed at the fake, and a started thread. */
const session = (options: Partial<Omit<CodexHome.Options, "port">> = {}) =>
  Effect.gen(function*() {
    const fake = yield* FakeModel.FakeModel
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const root = yield* fs.makeTempDirectoryScoped({ prefix: "fake-model-it-" })
    const home = path.join(root, "home")
    const workspace = path.join(root, "workspace")
    yield* CodexHome.writeCodexHome(home, { ...options, port: fake.port })
    yield* fs.makeDirectory(workspace)
    const codex = yield* spawnCodex(home, workspace)
    yield* codex.request("initialize", {
      clientInfo: { name: "fake_model_test", title: null, version: "0.0.1" },
      capabilities: null
    })
    yield* codex.notify("initialized")
    const started = yield* codex.request("thread/start", { cwd: workspace })
    const threadId = (started["thread"] as Json)["id"] as string
    return { fake, codex, threadId, workspace } satisfies Session
  })

/** Starts a turn and returns its id. */
const startTurn = (s: Session, text: string) =>
  Effect.map(
    s.codex.request("turn/start", { threadId: s.threadId, input: [{ type: "text", text, text_elements: [] }] }),
    (result) => (result["turn"] as Json)["id"] as string
  )

/** Runs a turn to its `turn/completed` and returns that turn. */
const runTurn = (s: Session, text: string) =>
  Effect.gen(function*() {
    const turnId = yield* startTurn(s, text)
    const done = yield* s.codex.notification("turn/completed", (p) => (p["turn"] as Json)["id"] === turnId)
    return { turnId, turn: done["turn"] as Json }
  })

const completedItems = (s: Session, type: string) =>
  Effect.map(
    s.codex.notifications("item/completed"),
    (all) => all.map((p) => p["item"] as Json).filter((item) => item["type"] === type)
  )

const IntegrationLayer = Layer.mergeAll(
  FakeModel.layer,
  PlatformLayer,
  NodeChildProcessSpawner.layer.pipe(Layer.provide(PlatformLayer))
)

const integration = <A, E>(
  name: string,
  self: () => Effect.Effect<
    A,
    E,
    FakeModel.FakeModel | FileSystem.FileSystem | Path.Path | ChildProcessSpawner.ChildProcessSpawner | Scope.Scope
  >
) => it.live(name, () => Effect.provide(self(), IntegrationLayer))

describe("FakeModel with the real codex app-server", () => {
  integration("a streamed message becomes an agentMessage and the turn completes", () =>
    Effect.gen(function*() {
      const s = yield* session()
      yield* s.fake.enqueue(FakeModel.message("Hello from FakeModel!", { deltas: 4, phase: "final_answer" }))
      const { turn, turnId } = yield* runTurn(s, "say hello")
      expect(turn["status"]).toBe("completed")
      const [message] = yield* completedItems(s, "agentMessage")
      expect(message).toMatchObject({ id: "msg_1", text: "Hello from FakeModel!", phase: "final_answer" })
      const deltas = yield* s.codex.notifications("item/agentMessage/delta")
      expect(deltas.filter((d) => d["turnId"] === turnId).map((d) => d["delta"]).join("")).toBe(
        "Hello from FakeModel!"
      )
      expect(deltas.length).toBe(4)
      const [request] = yield* s.fake.requests
      expect(FakeModel.lastUserText(request!)).toBe("say hello")
      expect(FakeModel.model(request!)).toBe("mock-model")
      expect(FakeModel.header(request!, "originator")).toBe("fake_model_test")
      expect(FakeModel.toolNames(request!)).toContain("exec_command")
      const usage = yield* s.codex.notification("thread/tokenUsage/updated")
      expect((usage["tokenUsage"] as Json)["last"]).toMatchObject({ inputTokens: 10, outputTokens: 5, totalTokens: 15 })
      yield* s.fake.assertDrained
    }))

  integration("a reasoning summary before a message gives a reasoning item", () =>
    Effect.gen(function*() {
      const s = yield* session()
      yield* s.fake.enqueue(FakeModel.response([
        FakeModel.reasoning("Thinking hard", { deltas: 2 }),
        FakeModel.message("Thought done")
      ]))
      const { turn } = yield* runTurn(s, "think")
      expect(turn["status"]).toBe("completed")
      const [reasoning] = yield* completedItems(s, "reasoning")
      expect(reasoning).toMatchObject({ id: "rs_1", summary: ["Thinking hard"] })
      const deltas = yield* s.codex.notifications("item/reasoning/summaryTextDelta")
      expect(deltas.map((d) => d["delta"])).toEqual(["Thinki", "ng hard"])
      const [message] = yield* completedItems(s, "agentMessage")
      expect(message?.["text"]).toBe("Thought done")
      yield* s.fake.assertDrained
    }))

  integration(
    "exec_command runs (never + danger-full-access) and its output reaches the second request",
    () =>
      Effect.gen(function*() {
        const s = yield* session({ approvalPolicy: "never", sandboxMode: "danger-full-access" })
        yield* s.fake.enqueue(
          FakeModel.execCommand("echo fake-model-exec && touch made-by-codex.txt"),
          FakeModel.message("ran it")
        )
        const { turn } = yield* runTurn(s, "run something")
        expect(turn["status"]).toBe("completed")
        const [command] = yield* completedItems(s, "commandExecution")
        expect(command).toMatchObject({ id: "call_1", status: "completed", exitCode: 0 })
        expect(command?.["aggregatedOutput"]).toContain("fake-model-exec")
        const requests = yield* s.fake.waitForRequests(2)
        expect(requests.length).toBe(2)
        const outputs = FakeModel.toolOutputs(requests[1]!)
        expect(outputs.map((o) => o.callId)).toEqual(["call_1"])
        expect(outputs[0]?.output).toContain("fake-model-exec")
        expect(FakeModel.lastUserText(requests[1]!)).toBe("run something")
        const fs = yield* FileSystem.FileSystem
        expect(yield* fs.exists(NodePathModule.join(s.workspace, "made-by-codex.txt"))).toBe(true)
        expect((yield* completedItems(s, "agentMessage")).map((m) => [m["id"], m["text"]])).toEqual([[
          "msg_2",
          "ran it"
        ]])
        yield* s.fake.assertDrained
      })
  )

  integration("apply_patch produces a fileChange item and the file", () =>
    Effect.gen(function*() {
      const s = yield* session({ approvalPolicy: "never", sandboxMode: "danger-full-access" })
      yield* s.fake.enqueue(
        FakeModel.applyPatch([FakeModel.addFile("hello.txt", "hello from apply_patch\n")]),
        FakeModel.message("patched")
      )
      const { turn } = yield* runTurn(s, "patch it")
      expect(turn["status"]).toBe("completed")
      const [change] = yield* completedItems(s, "fileChange")
      expect(change).toMatchObject({ id: "call_1", status: "completed" })
      const changes = change?.["changes"] as ReadonlyArray<Json>
      expect(changes.length).toBe(1)
      expect(changes[0]).toMatchObject({ kind: { type: "add" }, diff: "hello from apply_patch\n" })
      expect(String(changes[0]?.["path"]).endsWith("hello.txt")).toBe(true)
      const fs = yield* FileSystem.FileSystem
      expect(yield* fs.readFileString(NodePathModule.join(s.workspace, "hello.txt"))).toBe("hello from apply_patch\n")
      const requests = yield* s.fake.waitForRequests(2)
      expect(FakeModel.toolOutputs(requests[1]!).map((o) => o.callId)).toEqual(["call_1"])
      yield* s.fake.assertDrained
    }))

  integration(
    "calls to unknown tools are answered with tool outputs in the next request",
    () =>
      Effect.gen(function*() {
        const s = yield* session()
        yield* s.fake.enqueue(
          FakeModel.functionCall("no_such_tool", { x: 1 }, { callId: "call_fn" }),
          FakeModel.customToolCall("weird_tool", "free input", { callId: "call_ct" }),
          FakeModel.message("ok")
        )
        const { turn } = yield* runTurn(s, "use a tool")
        expect(turn["status"]).toBe("completed")
        const requests = yield* s.fake.waitForRequests(3)
        expect(FakeModel.toolOutputs(requests[1]!)).toEqual([
          { type: "function_call_output", callId: "call_fn", output: "unsupported call: no_such_tool" }
        ])
        expect(FakeModel.toolOutputs(requests[2]!)).toEqual([
          { type: "function_call_output", callId: "call_fn", output: "unsupported call: no_such_tool" },
          { type: "custom_tool_call_output", callId: "call_ct", output: "unsupported custom tool call: weird_tool" }
        ])
        yield* s.fake.assertDrained
      })
  )

  integration("response.failed fails the turn", () =>
    Effect.gen(function*() {
      const s = yield* session()
      yield* s.fake.enqueue(FakeModel.failed("fake failure requested"))
      const { turn } = yield* runTurn(s, "fail please")
      expect(turn["status"]).toBe("failed")
      expect(String((turn["error"] as Json)["message"])).toContain("fake failure requested")
      yield* s.fake.assertDrained
    }))

  integration("HTTP 500, 429 and 401 fail the turn with their codexErrorInfo", () =>
    Effect.gen(function*() {
      const s = yield* session()
      yield* s.fake.enqueue(FakeModel.httpError(500), FakeModel.httpError(429), FakeModel.httpError(401))
      const errorInfo = (text: string) =>
        Effect.map(runTurn(s, text), ({ turn }) => {
          expect(turn["status"]).toBe("failed")
          return (turn["error"] as Json)["codexErrorInfo"]
        })
      expect(yield* errorInfo("boom")).toBe("internalServerError")
      expect(yield* errorInfo("again")).toEqual({ responseTooManyFailedAttempts: { httpStatusCode: 429 } })
      expect(yield* errorInfo("auth")).toEqual({ httpConnectionFailed: { httpStatusCode: 401 } })
      // request_max_retries = 0: exactly one request per turn.
      expect((yield* s.fake.requests).map(FakeModel.lastUserText)).toEqual(["boom", "again", "auth"])
      yield* s.fake.assertDrained
    }))

  integration(
    "an empty script fails the turn visibly and assertDrained names the request",
    () =>
      Effect.gen(function*() {
        const s = yield* session()
        const { turn } = yield* runTurn(s, "nobody scripted this")
        expect(turn["status"]).toBe("failed")
        expect(String((turn["error"] as Json)["message"])).toContain(
          "FakeModel: no scripted response left (request #1)"
        )
        const error = yield* Effect.flip(s.fake.assertDrained)
        expect(error.message).toContain("#1 POST /v1/responses (last user text: \"nobody scripted this\")")
      })
  )

  integration(
    "a stalled stream + turn/interrupt gives status interrupted and the stream is dropped",
    () =>
      Effect.gen(function*() {
        const s = yield* session()
        yield* s.fake.enqueue(FakeModel.stall({ text: "Partial answer", deltas: 2 }))
        const turnId = yield* startTurn(s, "take your time")
        yield* s.codex.notification("item/agentMessage/delta", (p) => p["turnId"] === turnId)
        yield* s.codex.request("turn/interrupt", { threadId: s.threadId, turnId })
        const done = yield* s.codex.notification("turn/completed", (p) => (p["turn"] as Json)["id"] === turnId)
        expect((done["turn"] as Json)["status"]).toBe("interrupted")
        yield* s.fake.waitForDisconnect(1)
        expect(yield* s.fake.disconnects).toEqual([1])
        expect(yield* completedItems(s, "agentMessage")).toEqual([])
        yield* s.fake.assertDrained
      })
  )

  integration(
    "a stalled stream + turn/steer: the stream is dropped and a new request carries the steer text",
    () =>
      Effect.gen(function*() {
        const s = yield* session()
        yield* s.fake.enqueue(FakeModel.stall(), FakeModel.message("steered answer"))
        const turnId = yield* startTurn(s, "first direction")
        yield* s.codex.notification("item/agentMessage/delta", (p) => p["turnId"] === turnId)
        const steered = yield* s.codex.request("turn/steer", {
          threadId: s.threadId,
          expectedTurnId: turnId,
          input: [{ type: "text", text: "second direction", text_elements: [] }]
        })
        expect(steered["turnId"]).toBe(turnId)
        const done = yield* s.codex.notification("turn/completed", (p) => (p["turn"] as Json)["id"] === turnId)
        expect((done["turn"] as Json)["status"]).toBe("completed")
        yield* s.fake.waitForDisconnect(1)
        const requests = yield* s.fake.waitForRequests(2)
        expect(FakeModel.lastUserText(requests[1]!)).toBe("second direction")
        expect(FakeModel.userTexts(requests[1]!)).toContain("first direction")
        expect((yield* completedItems(s, "agentMessage")).map((m) => m["text"])).toEqual(["steered answer"])
        yield* s.fake.assertDrained
      })
  )
})
