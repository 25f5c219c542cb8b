/**
 * Dynamic tools on the real app-server: an `effect/ai` Toolkit given to `threadStart({ tools })`
 * becomes the thread's `dynamicTools`, and the model's calls (`item/tool/call`) run the handlers
 * of THIS program, with their arguments decoded first, failures told to the model, deadlines,
 * interruption with the turn, and approvals of destructive tools.
 */
import * as ApprovalHandler from "@effect-codex/core/ApprovalHandler"
import * as ApprovalMode from "@effect-codex/core/ApprovalMode"
import * as Codex from "@effect-codex/core/Codex"
import * as Errors from "@effect-codex/core/Errors"
import * as Tools from "@effect-codex/core/Tools"
import * as Turn from "@effect-codex/core/Turn"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import { assert, describe, it } from "@effect/vitest"
import * as Tool from "effect/ai/Tool"
import * as Toolkit from "effect/ai/Toolkit"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { completedItems, requestsOfThread } from "./helpers.ts"

class OrderNotFound extends Schema.TaggedError<OrderNotFound>("test/OrderNotFound")("OrderNotFound", {
  id: Schema.String
}) {}

const GetOrder = Tool.make("get_order", {
  description: "Reads an order by id",
  parameters: Schema.Struct({ id: Schema.String, quantity: Schema.Number }),
  success: Schema.Struct({ id: Schema.String, status: Schema.String, quantity: Schema.Number }),
  failure: OrderNotFound
})

const DeleteOrder = Tool.make("delete_order", {
  description: "Deletes an order",
  parameters: Schema.Struct({ id: Schema.String }),
  success: Schema.String
}).annotate(Tool.Destructive, true)

const OrderTools = Toolkit.make(GetOrder, DeleteOrder)

/** Handlers that record their calls; `get_order` of id "missing" fails, of id "boom" dies with a secret. */
const recordingHandlers = (calls: Ref.Ref<ReadonlyArray<string>>, label = "A") =>
  OrderTools.toLayer({
    get_order: ({ id, quantity }) =>
      Effect.gen(function*() {
        yield* Ref.update(calls, (all) => [...all, `get ${id} ${quantity}`])
        if (id === "missing") return yield* new OrderNotFound({ id })
        if (id === "boom") return yield* Effect.die(new Error("db password hunter2 leaked"))
        return { id, status: `shipped by ${label}`, quantity }
      }),
    delete_order: ({ id }) => Effect.as(Ref.update(calls, (all) => [...all, `delete ${id}`]), `deleted ${id}`)
  })

/** Starts a thread with tools in the test workspace. */
const startThread = <T extends Record<string, Tool.Any>, E, R>(
  options: Codex.ThreadStartOptions & Tools.Options<T, E, R>
) =>
  Effect.gen(function*() {
    const codex = yield* Codex.Codex
    const { workspace } = yield* CodexTest.CodexTest
    return yield* codex.threadStart({ cwd: workspace, ...options })
  })

const withCalls = <A, E, R>(f: (calls: Ref.Ref<ReadonlyArray<string>>) => Effect.Effect<A, E, R>) =>
  Effect.flatMap(Ref.make<ReadonlyArray<string>>([]), f)

const outputOf = (request: FakeModel.RecordedRequest | undefined, callId: string) =>
  FakeModel.toolOutput(request!, callId) ?? assert.fail(`no output for ${callId}`)

describe("dynamic tools", () => {
  it.live("a call reaches the handler with decoded arguments; its output reaches the model", () =>
    withCalls((calls) =>
      Effect.gen(function*() {
        const model = yield* FakeModel.FakeModel
        yield* model.enqueue(
          FakeModel.toolCall("get_order", { id: "42", quantity: 3 }, { callId: "call_get" }),
          FakeModel.message("order 42 is shipped")
        )
        const thread = yield* startThread({ tools: OrderTools })
        const handle = yield* thread.turn("where is order 42?")
        const events = yield* Stream.runCollect(handle.stream)
        const result = yield* handle.run
        assert.deepStrictEqual(yield* Ref.get(calls), ["get 42 3"])
        const [first, second] = yield* model.requests
        // the spec: description and the JSON Schema of the parameters from Tool.getJsonSchema
        const definition = FakeModel.toolDefinition(first!, "get_order")
        assert.strictEqual(definition?.["description"], "Reads an order by id")
        assert.deepStrictEqual(definition?.["parameters"], Tool.getJsonSchema(GetOrder))
        assert.isTrue(FakeModel.toolNames(first!).includes("delete_order"))
        // the success encoded with the success schema, as JSON text
        assert.deepStrictEqual(JSON.parse(outputOf(second, "call_get")), {
          id: "42",
          status: "shipped by A",
          quantity: 3
        })
        // the call as a typed item, in the stream and in the result
        const [streamed] = Turn.toolCalls(completedItems(events))
        const [collected] = Turn.toolCalls(result.items)
        assert.strictEqual(streamed?.tool, "get_order")
        assert.strictEqual(collected?.success, true)
        assert.deepStrictEqual(collected?.arguments, { id: "42", quantity: 3 })
        assert.strictEqual(result.finalResponse, "order 42 is shipped")
      }).pipe(Effect.provide(recordingHandlers(calls)))
    ).pipe(Effect.provide(CodexTest.layer())))

  it.live("invalid arguments never reach the handler; the model is told which field", () =>
    withCalls((calls) =>
      Effect.gen(function*() {
        const model = yield* FakeModel.FakeModel
        yield* model.enqueue(
          FakeModel.toolCall("get_order", { id: "42", quantity: "three" }, { callId: "call_type" }),
          FakeModel.toolCall("get_order", { id: "42" }, { callId: "call_missing" }),
          FakeModel.message("sorry")
        )
        const thread = yield* startThread({ tools: OrderTools })
        const result = yield* thread.run("get order 42")
        assert.deepStrictEqual(yield* Ref.get(calls), [])
        const requests = yield* model.requests
        const wrongType = outputOf(requests[1], "call_type")
        const missing = outputOf(requests[2], "call_missing")
        assert.match(wrongType, /invalid arguments for tool get_order/)
        assert.match(wrongType, /quantity/)
        assert.match(missing, /quantity/)
        assert.match(missing, /Missing key/)
        assert.deepStrictEqual(Turn.toolCalls(result.items).map((call) => call.success), [false, false])
        assert.strictEqual(result.status, "completed")
      }).pipe(Effect.provide(recordingHandlers(calls)))
    ).pipe(Effect.provide(CodexTest.layer())))

  it.live("a typed failure and a defect are told to the model (no secret, no stack); the turn completes", () =>
    withCalls((calls) =>
      Effect.gen(function*() {
        const model = yield* FakeModel.FakeModel
        yield* model.enqueue(
          FakeModel.toolCall("get_order", { id: "missing", quantity: 1 }, { callId: "call_fail" }),
          FakeModel.toolCall("get_order", { id: "boom", quantity: 1 }, { callId: "call_die" }),
          FakeModel.message("could not")
        )
        const thread = yield* startThread({ tools: OrderTools })
        const result = yield* thread.run("get two orders")
        assert.deepStrictEqual(yield* Ref.get(calls), ["get missing 1", "get boom 1"])
        const requests = yield* model.requests
        const failed = outputOf(requests[1], "call_fail")
        assert.match(failed, /^tool get_order failed: /)
        assert.deepStrictEqual(JSON.parse(failed.replace(/^tool get_order failed: /, "")), {
          _tag: "OrderNotFound",
          id: "missing"
        })
        const died = outputOf(requests[2], "call_die")
        assert.strictEqual(died, "tool get_order failed unexpectedly (the details are in the client's log)")
        assert.notInclude(died, "hunter2")
        assert.strictEqual(result.status, "completed")
        assert.strictEqual(result.finalResponse, "could not")
      }).pipe(Effect.provide(recordingHandlers(calls)))
    ).pipe(Effect.provide(CodexTest.layer())))

  it.live("two threads with the same tool name and different handlers, in concurrent turns", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const both = yield* Deferred.make<void>()
      const started = yield* Ref.make(0)
      // each handler waits until both were called: the two turns are in their tool calls at once
      const handlers = (label: string) =>
        OrderTools.toLayer({
          get_order: ({ id, quantity }) =>
            Effect.gen(function*() {
              const n = yield* Ref.updateAndGet(started, (k) => k + 1)
              if (n === 2) yield* Deferred.succeed(both, undefined)
              yield* Deferred.await(both)
              return { id, status: `from ${label}`, quantity }
            }),
          delete_order: () => Effect.succeed("unused")
        })
      yield* model.enqueue(
        FakeModel.toolCall("get_order", { id: "1", quantity: 1 }, { callId: "call_x" }),
        FakeModel.toolCall("get_order", { id: "1", quantity: 1 }, { callId: "call_y" }),
        FakeModel.message("done"),
        FakeModel.message("done")
      )
      const a = yield* startThread({ tools: OrderTools }).pipe(Effect.provide(handlers("A")))
      const b = yield* startThread({ tools: OrderTools }).pipe(Effect.provide(handlers("B")))
      const [ra, rb] = yield* Effect.all([a.run("a"), b.run("b")], { concurrency: 2 })
      assert.strictEqual(ra.status, "completed")
      assert.strictEqual(rb.status, "completed")
      const requests = yield* model.requests
      const outputs = (threadId: string) =>
        requestsOfThread(requests, threadId).flatMap((r) => FakeModel.toolOutputs(r).map((o) => o.output))
      assert.deepStrictEqual(outputs(a.id).map((o) => JSON.parse(o).status), ["from A"])
      assert.deepStrictEqual(outputs(b.id).map((o) => JSON.parse(o).status), ["from B"])
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("a slow handler is interrupted when the caller gives up, and the turn is interrupted on the server", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const entered = yield* Deferred.make<void>()
      const interrupted = yield* Deferred.make<void>()
      yield* model.enqueue(FakeModel.toolCall("get_order", { id: "1", quantity: 1 }))
      const thread = yield* startThread({ tools: OrderTools }).pipe(
        Effect.provide(OrderTools.toLayer({
          get_order: () =>
            Deferred.succeed(entered, undefined).pipe(
              Effect.andThen(Effect.never),
              Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))
            ),
          delete_order: () => Effect.succeed("unused")
        }))
      )
      const handle = yield* thread.turn("slow")
      const running = yield* Effect.forkChild(handle.run, { startImmediately: true })
      yield* Deferred.await(entered)
      yield* Fiber.interrupt(running)
      yield* Deferred.await(interrupted).pipe(
        Effect.timeoutOrElse({ duration: "10 seconds", orElse: () => Effect.die("the handler was not interrupted") })
      )
      const read = yield* thread.read({ includeTurns: true })
      assert.strictEqual(read.thread.turns.find((t) => t.id === handle.id)?.status, "interrupted")
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("a handler past its deadline: the model is told, the handler interrupted, the turn completes", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const interrupted = yield* Deferred.make<void>()
      yield* model.enqueue(
        FakeModel.toolCall("get_order", { id: "1", quantity: 1 }, { callId: "call_slow" }),
        FakeModel.message("gave up")
      )
      const thread = yield* startThread({ tools: OrderTools, toolTimeout: "300 millis" }).pipe(
        Effect.provide(OrderTools.toLayer({
          get_order: () => Effect.never.pipe(Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))),
          delete_order: () => Effect.succeed("unused")
        }))
      )
      const result = yield* thread.run("slow")
      assert.isTrue(yield* Deferred.isDone(interrupted))
      const requests = yield* model.requests
      assert.strictEqual(outputOf(requests[1], "call_slow"), "tool get_order did not finish within 300ms")
      assert.strictEqual(result.status, "completed")
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("a Destructive tool in manual mode: the ApprovalHandler declines one call and accepts the other", () =>
    withCalls((calls) =>
      Effect.gen(function*() {
        const model = yield* FakeModel.FakeModel
        yield* model.enqueue(
          FakeModel.toolCall("delete_order", { id: "keep" }, { callId: "call_keep" }),
          FakeModel.toolCall("delete_order", { id: "drop" }, { callId: "call_drop" }),
          FakeModel.message("done")
        )
        const thread = yield* startThread({ tools: OrderTools, approvalMode: ApprovalMode.manual })
        const result = yield* thread.run("delete orders")
        assert.deepStrictEqual(yield* Ref.get(calls), ["delete drop"])
        const requests = yield* model.requests
        assert.strictEqual(outputOf(requests[1], "call_keep"), Tools.declinedMessage)
        assert.strictEqual(outputOf(requests[2], "call_drop"), "deleted drop")
        assert.strictEqual(result.status, "completed")
      }).pipe(Effect.provide(recordingHandlers(calls)))
    ).pipe(Effect.provide(
      CodexTest.layer().pipe(Layer.provide(ApprovalHandler.layer({}, {
        toolCall: (request) =>
          Effect.succeed((request.arguments as { readonly id: string }).id === "drop" ? "accept" : "decline")
      })))
    )))

  it.live("a Destructive tool never runs under denyAll, runs under autoReview", () =>
    withCalls((calls) =>
      Effect.gen(function*() {
        const model = yield* FakeModel.FakeModel
        yield* model.enqueue(
          FakeModel.toolCall("delete_order", { id: "1" }, { callId: "call_denied" }),
          FakeModel.message("ok"),
          FakeModel.toolCall("delete_order", { id: "2" }, { callId: "call_auto" }),
          FakeModel.message("ok")
        )
        const denied = yield* startThread({ tools: OrderTools, approvalMode: ApprovalMode.denyAll })
        yield* denied.run("delete 1")
        const auto = yield* startThread({ tools: OrderTools })
        yield* auto.run("delete 2")
        assert.deepStrictEqual(yield* Ref.get(calls), ["delete 2"])
        const requests = yield* model.requests
        assert.match(outputOf(requests[1], "call_denied"), /^declined: /)
        assert.strictEqual(outputOf(requests[3], "call_auto"), "deleted 2")
      }).pipe(Effect.provide(recordingHandlers(calls)))
    ).pipe(Effect.provide(CodexTest.layer())))

  it.live("resume and fork keep the server's tool definitions; the tools given there answer the calls", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const codex = yield* Codex.Codex
      const calls = yield* Ref.make<ReadonlyArray<string>>([])
      yield* model.enqueue(
        FakeModel.message("started"),
        FakeModel.toolCall("get_order", { id: "r", quantity: 1 }, { callId: "call_resumed" }),
        FakeModel.message("resumed"),
        FakeModel.toolCall("get_order", { id: "f", quantity: 1 }, { callId: "call_forked" }),
        FakeModel.message("forked"),
        FakeModel.toolCall("get_order", { id: "n", quantity: 1 }, { callId: "call_bare" }),
        FakeModel.message("bare")
      )
      const thread = yield* startThread({ tools: OrderTools }).pipe(Effect.provide(recordingHandlers(calls, "start")))
      yield* thread.run("start")
      // unload the thread (archive), bring it back, and resume it with other handlers
      yield* codex.threadArchive(thread.id)
      yield* codex.threadUnarchive(thread.id)
      const resumed = yield* codex.threadResume(thread.id, { tools: OrderTools }).pipe(
        Effect.provide(recordingHandlers(calls, "resume"))
      )
      yield* resumed.run("resume")
      const forked = yield* codex.threadFork(thread.id, { tools: OrderTools }).pipe(
        Effect.provide(recordingHandlers(calls, "fork"))
      )
      yield* forked.run("fork")
      // a fork given no tools still offers them (the server keeps them); no handler answers here
      const bare = yield* codex.threadFork(thread.id)
      const bareResult = yield* bare.run("bare")
      const requests = yield* model.requests
      assert.isTrue(FakeModel.toolNames(requests[1]!).includes("get_order"))
      assert.strictEqual(JSON.parse(outputOf(requests[2], "call_resumed")).status, "shipped by resume")
      assert.strictEqual(JSON.parse(outputOf(requests[4], "call_forked")).status, "shipped by fork")
      assert.isTrue(FakeModel.toolNames(requests[5]!).includes("get_order"))
      assert.deepStrictEqual(yield* Ref.get(calls), ["get r 1", "get f 1"])
      assert.strictEqual(Turn.toolCalls(bareResult.items)[0]?.success, false)
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("invalid tool sets fail with InvalidOptionError before anything is sent", () =>
    Effect.gen(function*() {
      const codex = yield* Codex.Codex
      const named = (name: string) => Toolkit.make(Tool.make(name, {}))
      // (a Toolkit cannot hold one name twice; duplicates are covered by the unit tests)
      const attempts = [
        named("exec_command"),
        named("has space"),
        named("x".repeat(65))
      ]
      for (const tools of attempts) {
        // no handlers are needed: the names are checked before any call can happen
        const error = yield* Effect.flip(codex.threadStart({ tools: tools as unknown as Toolkit.WithHandler<{}> }))
        assert.instanceOf(error, Errors.InvalidOptionError)
      }
      const list = yield* codex.threadList()
      assert.strictEqual(list.data.length, 0)
    }).pipe(Effect.provide(CodexTest.layer())))
})
