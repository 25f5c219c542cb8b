/**
 * Your own tools for the agent: an `effect/ai` `Toolkit` given to a thread becomes the app-server's
 * dynamic tools (`thread/start` `dynamicTools`), and each call the model makes (`item/tool/call`)
 * runs the tool's handler in this program. The same `Toolkit` and handler layer serve an
 * `effect/ai` `LanguageModel` (`generateText({ prompt, toolkit })`) and a Codex thread
 * (`codex.threadStart({ tools: toolkit })`).
 *
 * - **Registration.** Each tool is sent as `{ type: "function", name, description, inputSchema }`,
 *   `inputSchema` being effect's own `Tool.getJsonSchema`. Names must match
 *   `^[a-zA-Z0-9_-]{1,64}$`, be distinct and not be a built-in codex tool ({@link builtinNames}):
 *   anything else fails with `InvalidOptionError` before anything is sent. Dynamic tools are an
 *   experimental API: the client must keep `experimentalApi` on (the default).
 * - **Calls.** A call is routed to the tools of its own thread. Its arguments are decoded with the
 *   tool's parameters schema first (the server does not check them): invalid arguments never reach
 *   the handler, the model is told which field is wrong. A success is encoded with the success
 *   schema (a string as text, anything else as JSON; a tool's `toModelOutput` may return text and
 *   image parts, sent as `inputText` / `inputImage`). A typed failure is told to the model as its
 *   failure schema encodes it; a defect only as "failed unexpectedly" (message and stack stay in
 *   the client's log). The turn goes on either way.
 * - **Bounds.** A call runs at most {@link defaultTimeout} (`toolTimeout`), then the model is told
 *   it did not finish; at most {@link defaultConcurrency} calls of one thread run at once
 *   (`toolConcurrency`), the others wait. A handler still running when its turn completes (the
 *   turn was interrupted, e.g. because its consumer gave up) is interrupted.
 * - **Approvals.** A tool annotated `Tool.Destructive` (explicitly `true`) runs only when the
 *   thread's approval mode allows it: `manual` asks the `ApprovalHandler`'s `toolCall` (a decline,
 *   or no `toolCall`, tells the model "declined by the user"), `denyAll` never runs it, `autoReview`
 *   runs it (the server's reviewer never sees dynamic tool calls).
 * - **Resume and fork.** The app-server keeps a thread's tool definitions: a resumed or forked
 *   thread offers the model the same tools. Give the same toolkit to `threadResume` / `threadFork`
 *   to answer their calls (without it, calls of a thread this client never registered are answered
 *   by the `ApprovalHandler`, whose default is an unsuccessful empty result). Turns cannot change a
 *   thread's tools.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { Tool, Toolkit } from "effect/ai"
 * import { Codex } from "@effect-codex/core"
 *
 * const GetOrder = Tool.make("get_order", {
 *   description: "Reads an order by id",
 *   parameters: Schema.Struct({ id: Schema.String }),
 *   success: Schema.Struct({ id: Schema.String, status: Schema.String })
 * })
 * const OrderTools = Toolkit.make(GetOrder)
 * const OrderHandlers = OrderTools.toLayer({
 *   get_order: ({ id }) => Effect.succeed({ id, status: "shipped" })
 * })
 *
 * const program = Effect.gen(function*() {
 *   const codex = yield* Codex.Codex
 *   const thread = yield* codex.threadStart({ tools: OrderTools })
 *   return yield* thread.run("Where is order 42?")
 * }).pipe(Effect.provide(OrderHandlers))
 * ```
 *
 * @since 0.1.0
 */
import type * as Tool from "effect/ai/Tool"
import type * as Toolkit from "effect/ai/Toolkit"
import * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Errors from "./Errors.ts"
import * as Rules from "./internal/toolRules.ts"

/**
 * What `tools` accepts: a `Toolkit` (its handlers come from the context, e.g.
 * `toolkit.toLayer(...)`), an already handled `Toolkit.WithHandler`, or any effect producing one.
 */
export type Input<Tools extends Record<string, Tool.Any>, E = never, R = never> =
  | Toolkit.WithHandler<Tools>
  | Effect.Effect<Toolkit.WithHandler<Tools>, E, R>

/** What a thread's handlers need from the context: their schemas' services and the tools' dependencies. */
export type Services<Tools extends Record<string, Tool.Any>> = Tool.HandlerServices<Tools[keyof Tools]>

/** The tool options of `threadStart`, `threadResume` and `threadFork`. */
export interface Options<Tools extends Record<string, Tool.Any>, E = never, R = never> {
  /** The thread's tools. */
  readonly tools: Input<Tools, E, R>
  /** The deadline of one call, from when its handler starts (default {@link defaultTimeout}). */
  readonly toolTimeout?: Duration.Input | undefined
  /** The most calls of this thread running at once (default {@link defaultConcurrency}). */
  readonly toolConcurrency?: number | undefined
}

/**
 * The default deadline of a tool call: 60 seconds, the client's request deadline. A handler past it
 * is interrupted and the model is told the tool did not finish.
 */
export const defaultTimeout: Duration.Duration = Duration.seconds(60)

/**
 * The default limit of concurrent calls per thread: 8. The model rarely asks for more at once
 * (parallel tool calls of one response); the limit keeps a misbehaving turn from flooding what the
 * handlers use (a database pool, an HTTP client). Later calls wait for a slot.
 */
export const defaultConcurrency = 8

/**
 * The names no dynamic tool may take: codex's own tools.
 *
 * @example
 * ```ts
 * Tools.builtinNames.includes("exec_command") // true
 * ```
 */
export const builtinNames: ReadonlyArray<string> = Rules.builtinNames

/**
 * Checks tool names as `threadStart` does: each accepted by the Responses API
 * (`^[a-zA-Z0-9_-]{1,64}$`), not built in, none twice.
 *
 * @example
 * ```ts
 * Tools.validateNames(["get_order", "get_order"]) // fails: tool name "get_order" is given twice
 * ```
 */
export const validateNames: (names: ReadonlyArray<string>) => Effect.Effect<void, Errors.InvalidOptionError> =
  Rules.validateNames

/**
 * What the model reads when an `ApprovalHandler` declines a destructive tool call.
 *
 * @example
 * ```ts
 * Tools.declinedMessage // "declined by the user"
 * ```
 */
export const declinedMessage: string = Rules.declinedMessage
