/**
 * An `effect/ai` toolkit as a thread's dynamic tools: the `dynamicTools` specs sent with
 * `thread/start`, and the tool set that answers the thread's `item/tool/call` requests (arguments
 * decoded first, approval of destructive tools, a deadline, a concurrency limit, a span, failures
 * told to the model). Loaded by dynamic `import()` only when tools are given, so that programs
 * without tools never load `effect/ai`.
 *
 * @internal
 */
import * as Tool from "effect/ai/Tool"
import type * as Toolkit from "effect/ai/Toolkit"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Semaphore from "effect/Semaphore"
import * as Stream from "effect/Stream"
import * as Errors from "../Errors.ts"
import type * as Schemas from "../generated/Schemas.ts"
import type * as ToolRegistry from "./toolRegistry.ts"
import * as Rules from "./toolRules.ts"

/** The settings of a thread's tool set. */
export interface Settings {
  readonly timeout: Duration.Duration
  readonly concurrency: number
  /** The context the thread was started in (the handlers' requirements). */
  readonly context: Context.Context<never>
}

/** Whether a tool is explicitly annotated `Tool.Destructive` (true). Unannotated tools are not. */
const isDestructive = (tool: Tool.Any): boolean =>
  tool.annotations.mapUnsafe.has(Tool.Destructive.key) && Context.get(tool.annotations, Tool.Destructive)

/** The `dynamicTools` spec of a tool: name, description and the JSON Schema of its parameters. */
export const spec = (tool: Tool.Any): Schemas.DynamicToolSpec => ({
  type: "function",
  name: tool.name,
  description: Tool.getDescription(tool) ?? "",
  inputSchema: Tool.getJsonSchema(tool) as Schema.Json
})

/** Checks a toolkit's tools: user-defined, handled by this program, valid and distinct names. */
export const validate = Effect.fnUntraced(function*(tools: Record<string, Tool.Any>) {
  for (const [key, tool] of Object.entries(tools)) {
    if (key !== tool.name) {
      return yield* new Errors.InvalidOptionError({
        option: "tools",
        message: `tool ${JSON.stringify(tool.name)} is registered under another name (${JSON.stringify(key)})`
      })
    }
    if (Tool.isProviderDefined(tool) || Tool.isClientExecuted(tool)) {
      return yield* new Errors.InvalidOptionError({
        option: "tools",
        message: `tool ${JSON.stringify(tool.name)} is not a user-defined tool with a handler`
      })
    }
  }
  yield* Rules.validateNames(Object.values(tools).map((tool) => tool.name))
})

/** The JSON text of a typed failure, encoded with the tool's failure schema; `undefined` if it does not encode. */
const failureText = (tool: Tool.Any, error: unknown): Effect.Effect<string | undefined> =>
  Schema.encodeUnknownEffect(Schema.toCodecJson(tool.failureSchema as Schema.Top))(error).pipe(
    Effect.map(Rules.text),
    Effect.orElseSucceed(() => undefined)
  ) as Effect.Effect<string | undefined>

/**
 * What the model reads when a handler fails. A typed failure is what the tool's failure schema
 * encodes (the author chose to show it); an `AiError` raised by `effect/ai` names what went wrong
 * (e.g. a result that does not match the success schema); anything else (a defect, a failure the
 * schema does not encode) is only "failed unexpectedly": its message and stack stay in the log.
 */
const describeFailure = Effect.fnUntraced(function*(tool: Tool.Any, cause: Cause.Cause<unknown>) {
  const failure = cause.reasons.find(Cause.isFailReason)
  if (failure !== undefined) {
    const error = failure.error
    const encoded = yield* failureText(tool, error)
    if (encoded !== undefined) return `tool ${tool.name} failed: ${encoded}`
    if (typeof error === "object" && error !== null && (error as { _tag?: unknown })._tag === "AiError") {
      const reason = (error as { reason?: { _tag?: unknown } }).reason
      if (reason?._tag === "InvalidToolResultError" || reason?._tag === "ToolResultEncodingError") {
        return `tool ${tool.name} failed: its result does not match its success schema`
      }
    }
  }
  yield* Effect.logError(`effect-codex: tool ${tool.name} failed unexpectedly`, cause)
  return `tool ${tool.name} failed unexpectedly (the details are in the client's log)`
})

/** Runs the handler through `effect/ai`'s `WithHandler.handle` and makes its final result an answer. */
const runHandler = (
  handlers: Toolkit.WithHandler<Record<string, Tool.Any>>,
  tool: Tool.Any,
  params: Schemas.DynamicToolCallParams
): Effect.Effect<Schemas.DynamicToolCallResponse> =>
  handlers.handle(tool.name, params.arguments, params.callId).pipe(
    Effect.flatMap((results) => Stream.runLast(Stream.filter(results, (result) => !result.preliminary))),
    Effect.flatMap((last) => {
      if (Option.isNone(last)) return Effect.succeed(Rules.success(undefined))
      const result = last.value
      return Effect.succeed(
        result.isFailure
          ? Rules.failure(`tool ${tool.name} failed: ${Rules.text(result.encodedResult)}`)
          : Rules.success(result.encodedResult, result.modelOutput as ReadonlyArray<Rules.ModelOutputPart> | undefined)
      )
    }),
    Effect.catchCause((cause) =>
      Cause.hasInterruptsOnly(cause)
        ? Effect.failCause(cause as Cause.Cause<never>)
        : Effect.map(describeFailure(tool, cause), Rules.failure)
    )
  ) as Effect.Effect<Schemas.DynamicToolCallResponse>

/** Asks for approval of a destructive tool call; `undefined` when it may run, else the failure answer. */
const approve = (
  context: ToolRegistry.CallContext,
  request: { readonly threadId: string; readonly turnId: string; readonly callId: string; readonly tool: string },
  args: unknown
): Effect.Effect<Schemas.DynamicToolCallResponse | undefined> => {
  switch (context.mode) {
    case "autoReview":
      return Effect.succeed(undefined)
    case "denyAll":
      return Effect.succeed(Rules.failure(Rules.deniedMessage))
    case "manual": {
      const ask = context.approvals.toolCall
      const decision = ask === undefined
        ? Effect.as(
          Effect.logWarning(
            `effect-codex: declined a call of the destructive tool ${request.tool} (no ApprovalHandler toolCall; give ApprovalHandler.layer(handlers, { toolCall }) to decide)`
          ),
          "decline" as const
        )
        : ask({ ...request, arguments: args }).pipe(
          Effect.catchCause((cause) =>
            Cause.hasInterruptsOnly(cause)
              ? Effect.failCause(cause as Cause.Cause<never>)
              : Effect.as(
                Effect.logWarning(`effect-codex: the tool call approval of ${request.tool} failed`, cause),
                "decline" as const
              )
          )
        )
      return Effect.map(decision, (d) => d === "accept" ? undefined : Rules.failure(Rules.declinedMessage))
    }
  }
}

/**
 * The tool set of a thread: each call is decoded with its tool's parameters schema (a failure
 * names the field and never reaches the handler), approved when the tool is destructive, then run
 * under the concurrency limit and the deadline, in a `codex.tool <name>` span.
 */
export const toolSet = (
  handlers: Toolkit.WithHandler<Record<string, Tool.Any>>,
  settings: Settings
): ToolRegistry.ToolSet => {
  const tools = handlers.tools
  const names = Object.keys(tools)
  const semaphore = Semaphore.makeUnsafe(settings.concurrency)
  const decoders = new Map<string, (u: unknown) => Effect.Effect<unknown, Schema.SchemaError>>()
  const decoder = (tool: Tool.Any) => {
    let decode = decoders.get(tool.name)
    if (decode === undefined) {
      const schema = tool.parametersSchema as unknown
      decode = Schema.isSchema(schema)
        ? Schema.decodeUnknownEffect(Schema.toCodecJson(schema as Schema.Codec<unknown, unknown, never>))
        : Effect.succeed
      decoders.set(tool.name, decode)
    }
    return decode
  }
  const timeoutText = `did not finish within ${Duration.format(settings.timeout)}`

  const call = (
    params: Schemas.DynamicToolCallParams,
    context: ToolRegistry.CallContext
  ): Effect.Effect<Schemas.DynamicToolCallResponse> => {
    const tool = Object.hasOwn(tools, params.tool) ? tools[params.tool] : undefined
    if (tool === undefined) return Effect.succeed(Rules.failure(`unknown tool ${params.tool}`))
    return Effect.gen(function*() {
      const decoded = yield* Effect.result(decoder(tool)(params.arguments))
      if (decoded._tag === "Failure") {
        const problem = decoded.failure.message.replace(/\s*\n\s*/g, " ")
        return Rules.failure(`invalid arguments for tool ${tool.name}: ${problem}`)
      }
      if (isDestructive(tool)) {
        const refused = yield* approve(context, params, decoded.success)
        if (refused !== undefined) return refused
      }
      return yield* semaphore.withPermit(
        runHandler(handlers, tool, params).pipe(
          Effect.timeoutOrElse({
            duration: settings.timeout,
            orElse: () => Effect.succeed(Rules.failure(`tool ${tool.name} ${timeoutText}`))
          })
        )
      )
    }).pipe(
      Effect.updateContext((current: Context.Context<never>) => Context.merge(settings.context, current)),
      Effect.withSpan(`codex.tool ${tool.name}`, {
        attributes: {
          "codex.thread.id": params.threadId,
          "codex.turn.id": params.turnId,
          "codex.tool.call.id": params.callId,
          "gen_ai.tool.name": tool.name
        }
      }),
      Effect.exit,
      Effect.flatMap((exit) =>
        Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause)
          ? exit
          : Effect.map(describeFailure(tool, exit.cause), Rules.failure)
      )
    )
  }
  return { names, call }
}

/** The specs and the tool set of a resolved toolkit, its tools checked first. */
export const prepare = Effect.fnUntraced(function*(
  handlers: Toolkit.WithHandler<Record<string, Tool.Any>>,
  settings: Settings
) {
  yield* validate(handlers.tools)
  return { specs: Object.values(handlers.tools).map(spec), toolSet: toolSet(handlers, settings) }
})
