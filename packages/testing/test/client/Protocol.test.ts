/**
 * The generated protocol schemas against real traffic: every line captured from the pinned
 * binary by `scripts/capture-protocol.ts` (fixtures/app-server-lines.ndjson) decodes with its
 * method's schema and round-trips; wrong shapes fail with a path; extra fields and open enum
 * values are accepted; and a live run of the real binary produces no diagnostics (schema drift).
 */
import * as AppServerClient from "@effect-codex/core/AppServerClient"
import * as Codex from "@effect-codex/core/Codex"
import type * as Errors from "@effect-codex/core/Errors"
import * as Protocol from "@effect-codex/core/generated/Protocol"
import * as Notification from "@effect-codex/core/Notification"
import * as Sandbox from "@effect-codex/core/Sandbox"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as FakeAppServer from "@effect-codex/testing/FakeAppServer"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import { fileURLToPath } from "node:url"

// =============================================================================
// The captured lines
// =============================================================================

interface Captured {
  readonly conn: number
  readonly scenario: string
  readonly from: "client" | "server"
  readonly line: string
}

interface Message {
  readonly id?: number | string
  readonly method?: string
  readonly params?: unknown
  readonly result?: unknown
  readonly error?: { readonly code: unknown; readonly message: unknown; readonly data?: unknown }
}

const fixture = fileURLToPath(new URL("../fixtures/app-server-lines.ndjson", import.meta.url))
const captured: ReadonlyArray<Captured> = Fs.readFileSync(fixture, "utf8")
  .split("\n")
  .filter((l) => l.length > 0)
  .map((l) => JSON.parse(l) as Captured)

/** One value to decode with one schema, and where it came from. */
interface Check {
  readonly label: string
  readonly method: string
  readonly schema: Schema.Codec<unknown>
  readonly value: unknown
}

interface Classified {
  readonly checks: ReadonlyArray<Check>
  /** Lines that could not be matched to a schema (unknown methods, orphan responses, ...). */
  readonly problems: ReadonlyArray<string>
  /** JSON-RPC error responses: the client method and the error. */
  readonly errors: ReadonlyArray<{ readonly method: string; readonly code: unknown; readonly message: unknown }>
}

type Entry = { readonly params: Schema.Top; readonly result?: Schema.Top; readonly optionalParams: boolean }
const table = (t: object) => t as Readonly<Record<string, Entry | undefined>>

const codec = (s: Schema.Top) => s as unknown as Schema.Codec<unknown>

const key = (conn: number, id: unknown) => `${conn}:${JSON.stringify(id)}`

/**
 * Matches every captured line to its schema: client requests' params, responses' results (by id
 * to their request's method), notifications' params, server requests' params and the client's
 * replies' results.
 */
const classify = (lines: ReadonlyArray<Captured>): Classified => {
  const parsed = lines.map((c) => ({ ...c, message: JSON.parse(c.line) as Message }))
  const clientRequests = new Map<string, string>()
  const serverRequests = new Map<string, string>()
  /** Client requests the server rejected with a JSON-RPC error (deliberately bad ones among them). */
  const rejected = new Set<string>()
  for (const { conn, from, message } of parsed) {
    if (typeof message.method === "string" && message.id !== undefined) {
      ;(from === "client" ? clientRequests : serverRequests).set(key(conn, message.id), message.method)
    } else if (from === "server" && message.error !== undefined) rejected.add(key(conn, message.id))
  }
  const checks: Array<Check> = []
  const problems: Array<string> = []
  const errors: Array<{ method: string; code: unknown; message: unknown }> = []
  const deliberatelyUnknown = new Set(["nope/nope", "modelProvider/list"])
  parsed.forEach(({ conn, from, message, scenario }, index) => {
    const where = `#${index + 1} conn ${conn} (${scenario}) ${from}`
    const method = message.method
    const push = (what: string, m: string, schema: Schema.Top | undefined, value: unknown) =>
      schema === undefined
        ? problems.push(`${where}: no schema for ${what} of ${m}`)
        : checks.push({ label: `${where} ${what} of ${m}`, method: m, schema: codec(schema), value })
    if (typeof method === "string") {
      const isRequest = message.id !== undefined
      const entry = from === "client"
        ? table(isRequest ? Protocol.ClientRequests : Protocol.ClientNotifications)[method]
        : table(isRequest ? Protocol.ServerRequests : Protocol.ServerNotifications)[method]
      const what = `${isRequest ? "request" : "notification"} params`
      if (entry === undefined) {
        if (!(from === "client" && deliberatelyUnknown.has(method))) problems.push(`${where}: unknown method ${method}`)
      } else if (from === "client" && isRequest && rejected.has(key(conn, message.id))) {
        // rejected by the server: its params need not be valid (see the errors in the coverage test)
      } else if (!("params" in message)) {
        if (!entry.optionalParams) problems.push(`${where}: ${method} without params`)
      } else push(what, method, entry.params, message.params)
      return
    }
    if (message.id === undefined) {
      problems.push(`${where}: neither a request, a notification nor a response: ${message}`)
      return
    }
    // A response: to a client request (from the server) or to a server request (from the client).
    const requestMethod = (from === "server" ? clientRequests : serverRequests).get(key(conn, message.id))
    if (requestMethod === undefined) {
      problems.push(`${where}: response to unknown id ${JSON.stringify(message.id)}`)
      return
    }
    if (message.error !== undefined) {
      errors.push({ method: requestMethod, code: message.error.code, message: message.error.message })
      return
    }
    const entry = table(from === "server" ? Protocol.ClientRequests : Protocol.ServerRequests)[requestMethod]
    if (entry === undefined) {
      if (!deliberatelyUnknown.has(requestMethod)) problems.push(`${where}: result of unknown method ${requestMethod}`)
      return
    }
    push("result", requestMethod, entry.result, message.result)
  })
  return { checks, problems, errors }
}

const classified = classify(captured)

const decodeExit = (schema: Schema.Codec<unknown>, value: unknown) => Schema.decodeUnknownExit(schema)(value)

/** The message of a failed decode or encode ("" when it succeeded). */
const errorMessage = (exit: Exit.Exit<unknown, Schema.SchemaError>): string => {
  if (Exit.isSuccess(exit)) return ""
  const error = Exit.findErrorOption(exit)
  return error._tag === "Some" ? error.value.message : String(exit.cause)
}

/** The first captured message of a method (from the server unless said otherwise). */
const firstOf = (predicate: (m: Message, c: Captured) => boolean): Message => {
  for (const c of captured) {
    const m = JSON.parse(c.line) as Message
    if (predicate(m, c)) return structuredClone(m)
  }
  throw new Error("no such captured line")
}

/** The captured result of a client request method (matched by id). */
const resultOf = (method: string): unknown => {
  const request = captured.find((c) => c.from === "client" && (JSON.parse(c.line) as Message).method === method)!
  const id = (JSON.parse(request.line) as Message).id
  const response = captured.find((c) =>
    c.from === "server" && c.conn === request.conn && (JSON.parse(c.line) as Message).id === id &&
    (JSON.parse(c.line) as Message).method === undefined
  )!
  return structuredClone((JSON.parse(response.line) as Message).result)
}

// =============================================================================
// Tests
// =============================================================================

describe("Protocol schemas against captured traffic", () => {
  it("the capture covers the scenarios and every line is matched to a schema", () => {
    assert.deepStrictEqual(classified.problems, [])
    const methods = new Set(classified.checks.map((c) => c.method))
    for (
      const m of [
        "initialize",
        "thread/start",
        "turn/start",
        "turn/started",
        "turn/completed",
        "item/started",
        "item/completed",
        "item/agentMessage/delta",
        "item/reasoning/summaryTextDelta",
        "item/commandExecution/requestApproval",
        "item/fileChange/requestApproval",
        "serverRequest/resolved",
        "turn/diff/updated",
        "turn/interrupt",
        "turn/steer",
        "thread/name/set",
        "thread/name/updated",
        "thread/compact/start",
        "thread/list",
        "thread/read",
        "thread/resume",
        "thread/fork",
        "thread/archive",
        "thread/archived",
        "thread/unarchive",
        "thread/unarchived",
        "error",
        "model/list",
        "account/read",
        "account/login/start",
        "account/login/completed",
        "account/updated",
        "thread/tokenUsage/updated"
      ]
    ) {
      assert.isTrue(methods.has(m), `the capture has no ${m}`)
    }
    // both directions of server requests: the approval requests and the client's replies
    assert.isTrue(
      classified.checks.some((c) => c.label.includes("client result of item/commandExecution/requestApproval"))
    )
    assert.isAbove(classified.checks.length, 300)
    // the real server answers unknown methods, bad params and missing threads with -32600
    assert.deepStrictEqual(
      classified.errors.map((e) => [e.method, e.code]),
      [["nope/nope", -32600], ["thread/read", -32600], ["thread/read", -32600], ["turn/steer", -32600]]
    )
  })

  it("every captured line decodes with its method's schema", () => {
    const failures = classified.checks.flatMap((check) => {
      const exit = decodeExit(check.schema, check.value)
      return Exit.isSuccess(exit) ? [] : [`${check.label}: ${errorMessage(exit)}`]
    })
    assert.deepStrictEqual(failures, [])
  })

  it("decoding, encoding and decoding again gives the first decoded value", () => {
    const failures = classified.checks.flatMap((check) => {
      const first = Schema.decodeUnknownSync(check.schema)(check.value)
      const encoded = Schema.encodeUnknownExit(check.schema)(first)
      if (Exit.isFailure(encoded)) return [`${check.label}: encode failed: ${errorMessage(encoded)}`]
      const second = decodeExit(check.schema, encoded.value)
      if (Exit.isFailure(second)) return [`${check.label}: second decode failed: ${errorMessage(second)}`]
      try {
        assert.deepStrictEqual(second.value, first)
        return []
      } catch (e) {
        return [`${check.label}: ${String(e).slice(0, 500)}`]
      }
    })
    assert.deepStrictEqual(failures, [])
  })

  it("a wrong shape fails with a readable error naming the path", () => {
    const turnCompleted = codec(Protocol.ServerNotifications["turn/completed"].params)
    const notification = firstOf((m) => m.method === "turn/completed").params as { turn: { id: unknown } }
    assert.isTrue(Exit.isSuccess(decodeExit(turnCompleted, notification)))
    notification.turn.id = 42
    const exit = decodeExit(turnCompleted, notification)
    assert.isTrue(Exit.isFailure(exit))
    assert.include(errorMessage(exit), `["turn"]["id"]`)
    assert.include(errorMessage(exit), "Expected string")

    const itemCompleted = codec(Protocol.ServerNotifications["item/completed"].params)
    const item = firstOf((m) =>
      m.method === "item/completed" && (m.params as { item: { type: string } }).item.type === "commandExecution"
    ).params as { item: { exitCode: unknown } }
    item.item.exitCode = "zero"
    assert.include(errorMessage(decodeExit(itemCompleted, item)), `["item"]`)

    const threadStart = codec(Protocol.ClientRequests["thread/start"].result)
    const result = resultOf("thread/start") as { thread: Record<string, unknown> }
    delete result.thread.id
    assert.include(errorMessage(decodeExit(threadStart, result)), `["thread"]["id"]`)

    const approval = codec(Protocol.ServerRequests["item/commandExecution/requestApproval"].params)
    const request = firstOf((m) => m.method === "item/commandExecution/requestApproval").params as { threadId: unknown }
    request.threadId = null
    assert.include(errorMessage(decodeExit(approval, request)), `["threadId"]`)
  })

  it("accepts unknown extra fields at every level", () => {
    const schema = codec(Protocol.ClientRequests["thread/start"].result)
    const original = resultOf("thread/start") as { thread: Record<string, unknown>; [k: string]: unknown }
    const extended = structuredClone(original)
    extended.fieldFromTheFuture = { nested: [1, 2, 3] }
    extended.thread.anotherNewField = "x"
    ;(extended.thread.status as Record<string, unknown>).since = 123
    const decoded = Schema.decodeUnknownSync(schema)(extended)
    assert.deepStrictEqual(decoded, Schema.decodeUnknownSync(schema)(original))

    const completed = codec(Protocol.ServerNotifications["turn/completed"].params)
    const n = firstOf((m) => m.method === "turn/completed").params as { turn: Record<string, unknown> }
    n.turn.newTurnField = { a: 1 }
    assert.isTrue(Exit.isSuccess(decodeExit(completed, n)))
  })

  it("decodes values of open enums that this SDK does not know", () => {
    const completed = codec(Protocol.ServerNotifications["turn/completed"].params)
    const n = firstOf((m) => m.method === "turn/completed").params as { turn: { status: string } }
    n.turn.status = "paused"
    const decoded = Schema.decodeUnknownSync(completed)(n) as { turn: { status: string } }
    assert.strictEqual(decoded.turn.status, "paused")

    const itemCompleted = codec(Protocol.ServerNotifications["item/completed"].params)
    const item = firstOf((m) =>
      m.method === "item/completed" && (m.params as { item: { type: string } }).item.type === "commandExecution"
    ).params as { item: { status: string } }
    item.item.status = "sandboxDenied"
    assert.strictEqual(
      (Schema.decodeUnknownSync(itemCompleted)(item) as { item: { status: string } }).item.status,
      "sandboxDenied"
    )
  })

  it.effect("the client reports a wrong shape with its path (diagnostics and results)", () =>
    Effect.gen(function*() {
      const client = yield* AppServerClient.AppServerClient
      const fake = yield* FakeAppServer.FakeAppServer
      const diagnostics = yield* client.diagnostics.pipe(Stream.take(1), Stream.runCollect, Effect.forkChild)
      yield* Effect.yieldNow
      const bad = firstOf((m) => m.method === "turn/completed").params as { turn: { id: unknown } }
      bad.turn.id = 42
      yield* fake.notify("turn/completed", bad)
      const [diagnostic] = yield* Fiber.join(diagnostics)
      assert.include(diagnostic!.message, "turn/completed")
      assert.include(diagnostic!.message, `["turn"]["id"]`)
      const error = yield* client.request("thread/read", { threadId: "t" }).pipe(Effect.flip)
      assert.strictEqual(error._tag, "ProtocolError")
      assert.include(error.message, `["thread"]["id"]`)
    }).pipe(
      Effect.provide(
        AppServerClient.layer().pipe(
          Layer.provideMerge(FakeAppServer.layer({
            handlers: {
              "thread/read": () => {
                const read = resultOf("thread/read") as { thread: Record<string, unknown> }
                delete read.thread.id
                return Effect.succeed(read)
              }
            }
          }))
        )
      )
    ))
})

describe("Protocol schemas against the live binary", () => {
  it.live(
    "a session across many scenarios produces no diagnostics and no unknown notification",
    () =>
      Effect.gen(function*() {
        const codex = yield* Codex.Codex
        const model = yield* FakeModel.FakeModel
        const { workspace } = yield* CodexTest.CodexTest
        const client = codex.client
        const diagnostics: Array<Errors.ProtocolError> = []
        const unknown: Array<string> = []
        const methods = new Set<string>()
        yield* client.diagnostics.pipe(
          Stream.runForEach((d) => Effect.sync(() => diagnostics.push(d))),
          Effect.forkScoped({ startImmediately: true })
        )
        const events = yield* client.subscribe
        yield* events.pipe(
          Stream.runForEach((n) =>
            Effect.sync(() => {
              methods.add(n.method)
              if (Notification.isUnknown(n)) unknown.push(n.method)
            })
          ),
          Effect.forkScoped({ startImmediately: true })
        )
        yield* Effect.yieldNow

        // a plain turn, reasoning, a command declined by the default handler, a failing model
        yield* model.enqueue(
          FakeModel.message("Hello!", { deltas: 3 }),
          FakeModel.response([FakeModel.reasoning("Thinking", { deltas: 2 }), FakeModel.message("Done")]),
          FakeModel.execCommand("echo hi", { escalate: true }),
          FakeModel.message("Declined, fine"),
          FakeModel.failed("fake failure requested")
        )
        const thread = yield* codex.threadStart({ cwd: workspace, approvalMode: "manual", sandbox: Sandbox.readOnly })
        assert.strictEqual((yield* thread.run("hi")).finalResponse, "Hello!")
        assert.strictEqual((yield* thread.run("think", { effort: "high", summary: "concise" })).finalResponse, "Done")
        const declined = yield* thread.run("run a command")
        const command = declined.items.find((i) => i.type === "commandExecution") as
          | { readonly status: string }
          | undefined
        assert.strictEqual(command?.status, "declined")
        const failed = yield* thread.run("fail").pipe(Effect.flip)
        assert.strictEqual(failed._tag, "TurnFailedError")

        // structured output from an Effect Schema
        yield* model.enqueue(FakeModel.message(JSON.stringify({ answer: "42" })))
        const structured = yield* thread.run("answer in JSON", {
          outputSchema: Schema.Struct({ answer: Schema.String })
        })
        assert.deepStrictEqual(structured.output, { answer: "42" })

        // interrupt a stalled turn
        yield* model.enqueue(FakeModel.stall({ deltas: 1 }))
        const handle = yield* thread.turn("stall")
        let interrupted = false
        const last = yield* handle.stream.pipe(
          Stream.tap((e) =>
            e.method === "item/agentMessage/delta" && !interrupted
              ? Effect.andThen(Effect.sync(() => (interrupted = true)), handle.interrupt)
              : Effect.void
          ),
          Stream.runLast
        )
        assert.strictEqual(
          last._tag === "Some" && !Notification.isUnknown(last.value) && last.value.method,
          "turn/completed"
        )

        // metadata and thread management
        yield* codex.models()
        yield* codex.account()
        yield* codex.threadList({})
        yield* thread.read({ includeTurns: true })
        yield* thread.setName("named")
        const fork = yield* codex.threadFork(thread.id)
        yield* codex.threadArchive(fork.id)
        yield* codex.threadUnarchive(fork.id)
        // a last round trip, so that every notification sent before it has been read
        yield* client.request("thread/read", { threadId: thread.id })
        yield* Effect.yieldNow

        assert.deepStrictEqual(diagnostics.map((d) => d.message), [])
        assert.deepStrictEqual(unknown, [])
        for (
          const m of [
            "turn/completed",
            "item/reasoning/summaryTextDelta",
            "item/completed",
            "error",
            "thread/name/updated"
          ]
        ) {
          assert.isTrue(methods.has(m), `no ${m} was received`)
        }
      }).pipe(Effect.provide(CodexTest.layer())),
    { timeout: 120_000 }
  )
})
