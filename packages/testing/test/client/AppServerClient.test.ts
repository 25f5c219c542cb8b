import * as ApprovalHandler from "@effect-codex/core/ApprovalHandler"
import * as AppServerClient from "@effect-codex/core/AppServerClient"
import * as Errors from "@effect-codex/core/Errors"
import * as Notification from "@effect-codex/core/Notification"
import * as FakeAppServer from "@effect-codex/testing/FakeAppServer"
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { TestClock } from "effect/testing"

const Client = AppServerClient.AppServerClient
const Fake = FakeAppServer.FakeAppServer

const testLayer = (options?: FakeAppServer.Options, clientOptions?: AppServerClient.Options) =>
  AppServerClient.layer(clientOptions).pipe(Layer.provideMerge(FakeAppServer.layer(options)))

const turn = (id: string, status = "inProgress") => FakeAppServer.turn(id, { status })
const fakeThread = (id: string) => FakeAppServer.thread(id)
const delta = (threadId: string, turnId: string, text: string) => ({
  method: "item/agentMessage/delta",
  params: { threadId, turnId, itemId: "msg_1", delta: text }
})
const completed = (threadId: string, turnId: string) => ({
  method: "turn/completed",
  params: { threadId, turn: turn(turnId, "completed") }
})

describe("AppServerClient", () => {
  it.effect("performs the handshake and validates the metadata", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const fake = yield* Fake
      const sent = yield* fake.received
      assert.strictEqual(sent[0]!.method, "initialize")
      assert.deepStrictEqual(sent[0]!.params, {
        clientInfo: { name: "my_app", title: null, version: "9.9.9" },
        capabilities: { experimentalApi: true }
      })
      assert.deepStrictEqual(sent[1], { method: "initialized" })
      assert.deepStrictEqual(client.metadata.serverInfo, { name: "codex-cli", version: "0.171.0" })
      assert.strictEqual(client.serverVersion, "0.171.0")
    }).pipe(Effect.provide(testLayer({}, { clientInfo: { name: "my_app", version: "9.9.9" } }))))

  it.effect("derives serverInfo from the user agent", () =>
    Effect.gen(function*() {
      const client = yield* Client
      assert.deepStrictEqual(client.metadata.serverInfo, { name: "codex-cli", version: "1.2.3" })
    }).pipe(Effect.provide(testLayer({
      initialize: { userAgent: "codex-cli/1.2.3 (Linux)", codexHome: "/h", platformFamily: "unix", platformOs: "linux" }
    }))))

  it.effect("rejects an initialize response without metadata", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Layer.build(testLayer({
        initialize: { userAgent: "", codexHome: "/h", platformFamily: "unix", platformOs: "linux" }
      })))
      assert.isTrue(Exit.isFailure(exit))
      assert.include(String(Exit.isFailure(exit) ? exit.cause : ""), "missing required metadata")
    }))

  it.effect("correlates hundreds of concurrent requests answered out of order", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const ids = Array.from({ length: 300 }, (_, i) => `thread-${i}`)
      const results = yield* Effect.forEach(
        ids,
        (threadId) => client.request("thread/name/set", { threadId, name: threadId }),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(results.length, 300)
      const sent = yield* (yield* Fake).received
      assert.strictEqual(sent.filter((m) => m.method === "thread/name/set").length, 300)
    }).pipe(Effect.provide(testLayer({
      handlers: {
        // answers later requests first: each waits a little less than the previous one
        "thread/name/set": (params) =>
          Effect.yieldNow.pipe(
            Effect.repeat({ times: 300 - Number(String((params as { threadId: string }).threadId).split("-")[1]) }),
            Effect.as({})
          )
      }
    }))))

  it.effect("returns each request's own result", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const results = yield* Effect.forEach(
        ["a", "b", "c"],
        (threadId) => client.requestUnknown("echo", { threadId }),
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual(results, [{ echo: "a" }, { echo: "b" }, { echo: "c" }])
    }).pipe(Effect.provide(testLayer({
      handlers: { echo: (params) => Effect.succeed({ echo: (params as { threadId: string }).threadId }) }
    }))))

  it.effect("maps JSON-RPC errors to typed classes by code", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const tagOf = (code: number, data?: unknown, message = "boom") =>
        client.requestUnknown("fail", { code, data, message }).pipe(Effect.flip, Effect.map((e) => e._tag))
      assert.strictEqual(yield* tagOf(-32001), "ServerBusyError")
      assert.strictEqual(yield* tagOf(-32000, { codexErrorInfo: "serverOverloaded" }), "ServerBusyError")
      assert.strictEqual(yield* tagOf(-32050, { codex_error_info: "server_overloaded" }), "ServerBusyError")
      assert.strictEqual(
        yield* tagOf(-32000, { nested: ["serverOverloaded"] }, "retry limit reached"),
        "RetryLimitExceededError"
      )
      assert.strictEqual(yield* tagOf(-32000, { other: 1 }), "JsonRpcError")
      assert.strictEqual(yield* tagOf(-32600, { reason: "serverShuttingDown" }), "ServerDrainingError")
      assert.strictEqual(yield* tagOf(-32600), "InvalidRequestError")
      assert.strictEqual(yield* tagOf(-32601), "MethodNotFoundError")
      assert.strictEqual(yield* tagOf(-32602), "InvalidParamsError")
      assert.strictEqual(yield* tagOf(-32603), "InternalRpcError")
      assert.strictEqual(yield* tagOf(-32700), "ParseError")
      assert.strictEqual(yield* tagOf(12), "JsonRpcError")
      const busy = yield* client.requestUnknown("fail", { code: -32001, message: "Server overloaded; retry later." })
        .pipe(
          Effect.flip
        )
      assert.isTrue(Errors.isRetryableError(busy))
      assert.strictEqual(busy.message, "Server overloaded; retry later.")
      assert.strictEqual("method" in busy ? busy.method : undefined, "fail")
    }).pipe(Effect.provide(testLayer({
      handlers: {
        fail: (params) => Effect.fail(params as FakeAppServer.RpcFailure)
      }
    }))))

  it.effect("rejects bad params locally and sends nothing", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const fake = yield* Fake
      const before = (yield* fake.received).length
      const error = yield* client.request("thread/start", { sandbox: "bogus" } as never).pipe(Effect.flip)
      assert.strictEqual(error._tag, "InvalidOptionError")
      assert.include(error.message, "sandbox")
      assert.strictEqual((yield* fake.received).length, before)
    }).pipe(Effect.provide(testLayer())))

  it.effect("fails with ProtocolError when a result does not match its schema", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const error = yield* client.request("thread/read", { threadId: "t" }).pipe(Effect.flip)
      assert.strictEqual(error._tag, "ProtocolError")
      assert.include(error.message, "thread")
    }).pipe(Effect.provide(testLayer({ handlers: { "thread/read": () => Effect.succeed({ thread: { id: 42 } }) } }))))

  it.effect("survives malformed lines and reports them on diagnostics", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const fake = yield* Fake
      const diagnostics = yield* client.diagnostics.pipe(Stream.take(3), Stream.runCollect, Effect.forkChild)
      const notes = yield* client.notifications.pipe(Stream.take(2), Stream.runCollect, Effect.forkChild)
      yield* Effect.yieldNow
      yield* fake.emitRaw("this is not json")
      yield* fake.emitRaw("[1,2,3]")
      yield* fake.emitRaw(JSON.stringify({ hello: "world" }))
      yield* fake.emit({ id: 999_999, result: {} }) // unknown id: dropped
      yield* fake.notify("brand/new/method", { x: 1 })
      yield* fake.notify("thread/name/updated", { threadId: 7 }) // wrong shape: delivered as unknown
      const messages = (yield* Fiber.join(diagnostics)).map((d) => d.message)
      assert.deepStrictEqual(messages, [
        "invalid JSON-RPC line (not JSON)",
        "invalid JSON-RPC payload (not an object)",
        "unknown JSON-RPC message shape"
      ])
      const received = yield* Fiber.join(notes)
      assert.isTrue(received.every(Notification.isUnknown))
      assert.deepStrictEqual(received.map((n) => n.method), ["brand/new/method", "thread/name/updated"])
      // the connection still works
      assert.deepStrictEqual(yield* client.requestUnknown("ping", {}), { pong: true })
    }).pipe(Effect.provide(testLayer({ handlers: { ping: () => Effect.succeed({ pong: true }) } }))))

  it.effect("fails every pending request and stream at once when the transport closes", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const fake = yield* Fake
      const pending = yield* Effect.forEach(
        [1, 2, 3],
        () => client.requestUnknown("never", {}).pipe(Effect.flip, Effect.forkChild)
      )
      const notes = yield* client.notifications.pipe(Stream.runDrain, Effect.flip, Effect.forkChild)
      const sub = yield* client.subscribeTurn("turn-1")
      const turnEvents = yield* sub.events.pipe(Stream.runDrain, Effect.flip, Effect.forkChild)
      yield* fake.waitFor((m) => m.method === "never")
      yield* Effect.yieldNow
      yield* fake.crash(new Errors.TransportClosedError({ reason: "killed", signal: "SIGKILL", stderrTail: ["bye"] }))
      for (const f of pending) {
        const e = yield* Fiber.join(f)
        assert.strictEqual(e._tag, "TransportClosedError")
      }
      const n = yield* Fiber.join(notes)
      assert.strictEqual(n._tag, "TransportClosedError")
      assert.strictEqual(n.signal, "SIGKILL")
      assert.strictEqual((yield* Fiber.join(turnEvents))._tag, "TransportClosedError")
      const after = yield* client.requestUnknown("ping", {}).pipe(Effect.flip)
      assert.strictEqual(after._tag, "TransportClosedError")
    }).pipe(Effect.provide(testLayer({ handlers: { never: () => Effect.never } }))))

  it.live("fails every subscriber of one turn when the transport closes", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const fake = yield* Fake
      const fibers = []
      for (let i = 0; i < 3; i++) {
        const sub = yield* client.subscribeTurn("turn-1")
        fibers.push(yield* sub.events.pipe(Stream.runDrain, Effect.flip, Effect.forkChild({ startImmediately: true })))
      }
      yield* fake.crash()
      for (const fiber of fibers) {
        const error = yield* Fiber.join(fiber).pipe(Effect.timeout("5 seconds"))
        assert.strictEqual(error._tag, "TransportClosedError")
      }
    }).pipe(Effect.provide(testLayer())))

  it.effect("delivers turn events that arrive before the turn/start response", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const { subscription, turn: started } = yield* client.startTurn({ threadId: "th", input: [] })
      assert.strictEqual(started.id, "turn-A")
      const events = yield* Stream.runCollect(subscription.events)
      assert.deepStrictEqual(events.map((e) => e.method), ["turn/started", "item/agentMessage/delta", "turn/completed"])
    }).pipe(Effect.provide(testLayer({
      handlers: {
        "turn/start": (_, { server }) =>
          Effect.gen(function*() {
            yield* server.notify("turn/started", { threadId: "th", turn: turn("turn-A") })
            yield* server.emit(delta("th", "turn-A", "early"))
            yield* server.emit(completed("th", "turn-A"))
            return { turn: turn("turn-A") }
          })
      }
    }))))

  it.effect("routes interleaved turns to their own subscribers and retains nothing for unwatched turns", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const fake = yield* Fake
      const a = yield* client.subscribeTurn("A")
      const b = yield* client.subscribeTurn("B")
      const ca = yield* a.events.pipe(Stream.runCollect, Effect.forkChild)
      const cb = yield* b.events.pipe(Stream.runCollect, Effect.forkChild)
      yield* fake.emit(delta("t1", "A", "a1"))
      yield* fake.emit(delta("t2", "B", "b1"))
      yield* fake.emit(delta("t3", "C", "unwatched-before"))
      yield* fake.emit(delta("t1", "A", "a2"))
      yield* fake.emit(completed("t2", "B"))
      yield* fake.emit(delta("t1", "A", "a3"))
      yield* fake.emit(completed("t1", "A"))
      const texts = (events: ReadonlyArray<Notification.Notification>) =>
        events.map((e) => Notification.is("item/agentMessage/delta")(e) ? e.params.delta : e.method)
      assert.deepStrictEqual(texts(yield* Fiber.join(ca)), ["a1", "a2", "a3", "turn/completed"])
      assert.deepStrictEqual(texts(yield* Fiber.join(cb)), ["b1", "turn/completed"])
      // a late subscriber of C sees only what comes after it subscribed
      const c = yield* client.subscribeTurn("C")
      const cc = yield* c.events.pipe(Stream.runCollect, Effect.forkChild)
      yield* fake.emit(delta("t3", "C", "late"))
      yield* fake.emit(completed("t3", "C"))
      assert.deepStrictEqual(texts(yield* Fiber.join(cc)), ["late", "turn/completed"])
      // a subscriber of a finished turn ends at once
      const done = yield* client.subscribeTurn("A")
      assert.strictEqual((yield* Stream.runCollect(done.events)).length, 0)
    }).pipe(Effect.provide(testLayer())))

  it.effect("answers server requests with the default handler safely", () =>
    Effect.gen(function*() {
      yield* Client
      const fake = yield* Fake
      const command = yield* fake.serverRequest("item/commandExecution/requestApproval", {
        threadId: "t",
        turnId: "u",
        itemId: "call_1",
        startedAtMs: 1,
        environmentId: "local",
        kind: "command",
        command: "rm -rf /"
      })
      assert.deepStrictEqual(command.result, { decision: "decline" })
      const permissions = yield* fake.serverRequest("item/permissions/requestApproval", {
        threadId: "t",
        turnId: "u",
        itemId: "p",
        environmentId: "local",
        startedAtMs: 1,
        cwd: "/tmp",
        reason: null,
        permissions: {}
      })
      assert.deepStrictEqual(permissions.result, { permissions: {}, scope: "turn" })
      const unknown = yield* fake.serverRequest("brand/new/request", {})
      assert.strictEqual((unknown.error as { code: number }).code, -32601)
    }).pipe(Effect.provide(testLayer())))
})

describe("AppServerClient handlers", () => {
  it.effect("runs handlers on their own fibers", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const layer = testLayer({
        handlers: { "thread/read": () => Effect.succeed({ thread: fakeThread("x") }) }
      }).pipe(
        Layer.provide(ApprovalHandler.layer({
          "item/fileChange/requestApproval": (params) =>
            params.threadId === "slow"
              ? Deferred.await(gate).pipe(Effect.as({ decision: "acceptForSession" as const }))
              : Effect.succeed({ decision: "accept" as const }),
          "item/commandExecution/requestApproval": () => Effect.die("handler bug")
        }))
      )
      yield* Effect.gen(function*() {
        const client = yield* Client
        const fake = yield* Fake
        const slow = yield* fake.serverRequest("item/fileChange/requestApproval", {
          threadId: "slow",
          turnId: "u",
          itemId: "f1",
          startedAtMs: 1
        }).pipe(Effect.forkChild)
        const fast = yield* fake.serverRequest("item/fileChange/requestApproval", {
          threadId: "fast",
          turnId: "u",
          itemId: "f2",
          startedAtMs: 1
        })
        assert.deepStrictEqual(fast.result, { decision: "accept" })
        // requests still flow while the slow handler waits
        assert.deepStrictEqual(
          yield* client.request("thread/read", { threadId: "x" }).pipe(Effect.map((r) => r.thread.id)),
          "x"
        )
        yield* Deferred.succeed(gate, void 0)
        assert.deepStrictEqual((yield* Fiber.join(slow)).result, { decision: "acceptForSession" })
        const failed = yield* fake.serverRequest("item/commandExecution/requestApproval", {
          threadId: "t",
          turnId: "u",
          itemId: "c",
          startedAtMs: 1,
          environmentId: "local",
          kind: "command"
        })
        assert.strictEqual((failed.error as { code: number }).code, -32603)
        assert.strictEqual(
          ((yield* client.requestUnknown("thread/read", { threadId: "x" })) as { thread: { id: string } }).thread.id,
          "x"
        )
      }).pipe(Effect.provide(layer))
    }))

  it.effect("times out a request when asked to", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const fiber = yield* client.requestUnknown("never", {}, { timeout: "5 seconds" }).pipe(
        Effect.flip,
        Effect.forkChild
      )
      yield* TestClock.adjust("4 seconds")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("2 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "TimeoutError")
    }).pipe(Effect.provide(testLayer({ handlers: { never: () => Effect.never } }))))

  it.effect("every request has a 60 s deadline by default (turn/start's reply too); TimeoutError names method and id", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const read = yield* client.requestUnknown("never", {}).pipe(Effect.flip, Effect.forkChild)
      const start = yield* client.startTurn({ threadId: "th", input: [] }).pipe(Effect.flip, Effect.forkChild)
      yield* TestClock.adjust("59 seconds")
      assert.isUndefined(read.pollUnsafe())
      yield* TestClock.adjust("1 second")
      const error = yield* Fiber.join(read)
      assert.strictEqual(error._tag, "TimeoutError")
      assert.strictEqual((error as Errors.TimeoutError).method, "never")
      assert.isNumber((error as Errors.TimeoutError).requestId)
      const startError = yield* Fiber.join(start)
      assert.strictEqual((startError as Errors.TimeoutError).method, "turn/start")
    }).pipe(
      Effect.provide(testLayer({ handlers: { never: () => Effect.never, "turn/start": () => Effect.never } }))
    ))

  it.effect("requestTimeout: Duration.infinity disables the default deadline; a bad value is rejected", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const fiber = yield* client.requestUnknown("never", {}).pipe(Effect.forkChild)
      yield* TestClock.adjust("1 day")
      assert.isUndefined(fiber.pollUnsafe())
      yield* Fiber.interrupt(fiber)
      const invalid = yield* Layer.build(testLayer({}, { requestTimeout: "banana" as Duration.Input })).pipe(
        Effect.flip
      )
      assert.strictEqual(invalid._tag, "InvalidOptionError")
    }).pipe(
      Effect.provide(testLayer({ handlers: { never: () => Effect.never } }, { requestTimeout: Duration.infinity }))
    ))

  it.effect("propagates the current span as W3C trace context", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const fake = yield* Fake
      yield* client.requestUnknown("ping", {}).pipe(Effect.withSpan("user-span"))
      const sent = yield* fake.waitFor((m) => m.method === "ping")
      const trace = sent.trace as { traceparent: string }
      assert.match(trace.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/)
    }).pipe(Effect.provide(testLayer({ handlers: { ping: () => Effect.succeed({}) } }))))
})
