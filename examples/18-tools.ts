/**
 * 18 · Give the agent your own tools: an `effect/ai` Toolkit as the thread's dynamic tools.
 *
 * A small in-memory order store is an Effect service; two tools use it: `get_order` reads an order
 * and `cancel_order` (annotated `Tool.Destructive`) cancels one. The handlers come from a layer
 * (`OrderTools.toLayer`) that needs the `Orders` service, and `threadStart({ tools })` requires
 * the handlers in its context, as `LanguageModel.generateText({ prompt, toolkit })` would. The
 * same `OrderTools` and `OrderHandlers` serve an effect/ai language model unchanged.
 *
 * The model's arguments are decoded with the tool's Schema before a handler runs (here it first
 * sends a wrong one), and the thread is in `manual` approval mode, so the destructive tool runs
 * only after the `ApprovalHandler`'s `toolCall` accepted it.
 *
 *     node examples/18-tools.ts
 */
import { ApprovalHandler, ApprovalMode, Codex, Turn } from "@effect-codex/core"
import { FakeModel } from "@effect-codex/testing"
import { NodeRuntime } from "@effect/platform-node"
import * as Tool from "effect/ai/Tool"
import * as Toolkit from "effect/ai/Toolkit"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import * as Backend from "./_backend.ts"

// -----------------------------------------------------------------------------
// A small service: an in-memory order store
// -----------------------------------------------------------------------------

const Order = Schema.Struct({ id: Schema.String, item: Schema.String, status: Schema.Literals(["open", "cancelled"]) })
type Order = typeof Order.Type

class OrderNotFound extends Schema.TaggedError<OrderNotFound>("examples/OrderNotFound")("OrderNotFound", {
  id: Schema.String
}) {}

class Orders extends Context.Service<Orders, {
  readonly get: (id: string) => Effect.Effect<Order, OrderNotFound>
  readonly cancel: (id: string) => Effect.Effect<Order, OrderNotFound>
}>()("examples/Orders") {}

const OrdersInMemory = Layer.effect(
  Orders,
  Effect.gen(function*() {
    const store = yield* Ref.make(
      new Map<string, Order>([["A-1", { id: "A-1", item: "teapot", status: "open" }], [
        "A-2",
        { id: "A-2", item: "kettle", status: "open" }
      ]])
    )
    const get = (id: string) =>
      Effect.flatMap(Ref.get(store), (orders) => {
        const order = orders.get(id)
        return order === undefined ? Effect.fail(new OrderNotFound({ id })) : Effect.succeed(order)
      })
    return Orders.of({
      get,
      cancel: (id) =>
        Effect.flatMap(get(id), (order) => {
          const cancelled: Order = { ...order, status: "cancelled" }
          return Effect.as(Ref.update(store, (orders) => new Map(orders).set(id, cancelled)), cancelled)
        })
    })
  })
)

// -----------------------------------------------------------------------------
// The tools: effect/ai Tool definitions, a Toolkit, and its handlers as a layer
// -----------------------------------------------------------------------------

const GetOrder = Tool.make("get_order", {
  description: "Reads an order by its id (e.g. A-1)",
  parameters: Schema.Struct({ id: Schema.String }),
  success: Order,
  failure: OrderNotFound
})

const CancelOrder = Tool.make("cancel_order", {
  description: "Cancels an open order",
  parameters: Schema.Struct({ id: Schema.String }),
  success: Order,
  failure: OrderNotFound
}).annotate(Tool.Destructive, true)

const OrderTools = Toolkit.make(GetOrder, CancelOrder)

const OrderHandlers = OrderTools.toLayer(Effect.gen(function*() {
  const orders = yield* Orders
  return {
    get_order: ({ id }) => orders.get(id),
    cancel_order: ({ id }) => orders.cancel(id)
  }
})).pipe(Layer.provide(OrdersInMemory))

/** The approval policy for destructive tools: say what is asked and accept it. */
const Policy = ApprovalHandler.layer({}, {
  toolCall: (request) =>
    Console.log(`Approval asked: ${request.tool} ${JSON.stringify(request.arguments)}: accept`).pipe(
      Effect.as("accept" as const)
    )
})

// -----------------------------------------------------------------------------
// The program
// -----------------------------------------------------------------------------

const program = Effect.gen(function*() {
  const codex = yield* Codex.Codex
  const thread = yield* codex.threadStart({ tools: OrderTools, approvalMode: ApprovalMode.manual })
  const result = yield* thread.run("Cancel my teapot order A-1, and tell me what it was.")
  for (const call of Turn.toolCalls(result.items)) {
    const output = call.contentItems?.map((item) => item.type === "inputText" ? item.text : "[image]").join("")
    yield* Console.log(`${call.tool} ${JSON.stringify(call.arguments)} → ${call.success ? "ok" : "failed"}: ${output}`)
  }
  yield* Console.log(`Answer: ${result.finalResponse}`)
})

program.pipe(
  Effect.provide(OrderHandlers),
  Effect.provide(
    Backend.layer({
      script: [
        FakeModel.toolCall("get_order", { id: 1 }),
        FakeModel.toolCall("get_order", { id: "A-1" }),
        FakeModel.toolCall("cancel_order", { id: "A-1" }),
        FakeModel.message("Order A-1 (a teapot) is now cancelled.")
      ]
    }).pipe(Layer.provide(Policy))
  ),
  NodeRuntime.runMain
)
