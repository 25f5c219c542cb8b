/**
 * Answers the requests the app-server sends to the client: command and file-change approvals,
 * permission grants, user input, MCP elicitations, dynamic tool calls, …
 *
 * **When it runs.** Approval requests (`item/commandExecution/requestApproval`,
 * `item/fileChange/requestApproval`, `item/permissions/requestApproval`, and the legacy
 * `execCommandApproval`/`applyPatchApproval`) reach this service only in `ApprovalMode.manual`:
 * under `autoReview` the server's model reviewer decides them, under `denyAll` nothing is
 * escalated. The other server requests (user input, dynamic tool calls, MCP elicitations, …) reach
 * it in every mode — except the tool calls of a thread started with `tools` (a Toolkit, see the
 * `Tools` module): those run the Toolkit's handlers, and `toolCall` (an option of `make`/`layer`)
 * approves its `Tool.Destructive` tools in `manual` mode. See the `ApprovalMode` module and
 * docs/approvals.md.
 *
 * Each handler is an Effect, typed by the generated protocol schemas. Handlers run concurrently on
 * their own fibers (never on the connection's reading fiber), so a slow handler blocks nothing and
 * a handler may itself call the server. A handler that fails or dies answers its request with a
 * JSON-RPC error and leaves the connection and every other turn untouched.
 *
 * Without a layer, `defaults` answer every known request safely (decline / deny / empty) and log
 * a warning; unknown methods get a JSON-RPC "method not found" error.
 *
 * The client reads the handler when it is built, so provide the handler layer to the layer that
 * builds the client (e.g. `NodeCodex.layer`), not to the program that uses it.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { ApprovalHandler, ApprovalMode } from "@effect-codex/core"
 * import { NodeCodex } from "@effect-codex/node"
 *
 * const AcceptEcho = ApprovalHandler.layer({
 *   "item/commandExecution/requestApproval": (params) =>
 *     Effect.succeed({ decision: params.command?.includes("echo") ? "accept" : "decline" })
 * })
 *
 * const CodexLive = NodeCodex.layer().pipe(Layer.provide(AcceptEcho))
 *
 * // the handler decides only for threads (or turns) in manual mode
 * const thread = yield* codex.threadStart({ approvalMode: ApprovalMode.manual })
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { ServerRequestMethod, ServerRequestParams, ServerRequestResult } from "./generated/Protocol.ts"

/** A handler for one server request method. */
export type Handler<M extends ServerRequestMethod> = (
  params: ServerRequestParams<M>,
  request: { readonly method: M; readonly id: string | number }
) => Effect.Effect<ServerRequestResult<M>, unknown>

/** One optional handler per server request method. */
export type Handlers = { readonly [M in ServerRequestMethod]?: Handler<M> | undefined }

/**
 * A call of a dynamic tool annotated `Tool.Destructive` (see the `Tools` module), waiting for
 * approval on a thread in `ApprovalMode.manual`. The arguments were already decoded with the
 * tool's parameters schema.
 */
export interface ToolCallApproval {
  readonly threadId: string
  readonly turnId: string
  readonly callId: string
  readonly tool: string
  readonly arguments: unknown
}

/** The answer to a `ToolCallApproval`: `"decline"` tells the model "declined by the user". */
export type ToolCallDecision = "accept" | "decline"

/** The handler service: a complete set of handlers (missing methods fall back to `defaults`). */
export interface Service {
  readonly handlers: Handlers
  /** Called for a server request whose method this SDK version does not know. Fails by default. */
  readonly unknown?: ((method: string, params: unknown) => Effect.Effect<unknown, unknown>) | undefined
  /**
   * Decides whether a `Tool.Destructive` dynamic tool runs, on threads in `ApprovalMode.manual`.
   * Without it such calls are declined (with a warning); a failure of it declines too.
   */
  readonly toolCall?: ((request: ToolCallApproval) => Effect.Effect<ToolCallDecision, unknown>) | undefined
}

const warnDefault = (method: string, answer: string) =>
  Effect.logWarning(
    `effect-codex: answered ${method} with ${answer} (default ApprovalHandler; provide ApprovalHandler.layer to decide)`
  )

/** A failure that the default handler uses to answer with a JSON-RPC error. */
export class Unsupported {
  readonly _tag = "Unsupported"
  readonly method: string
  constructor(method: string) {
    this.method = method
  }
}

/**
 * The safe default answers: decline command and file changes, grant no permissions, give empty
 * answers to user input, decline elicitations and dynamic tool calls, and refuse token refreshes
 * and attestation (answered with a JSON-RPC error).
 */
export const defaults: { readonly [M in ServerRequestMethod]: Handler<M> } = {
  "item/commandExecution/requestApproval": () =>
    warnDefault("item/commandExecution/requestApproval", "decline").pipe(Effect.as({ decision: "decline" as const })),
  "item/fileChange/requestApproval": () =>
    warnDefault("item/fileChange/requestApproval", "decline").pipe(Effect.as({ decision: "decline" as const })),
  "item/permissions/requestApproval": () =>
    warnDefault("item/permissions/requestApproval", "an empty grant").pipe(
      Effect.as({ permissions: {}, scope: "turn" as const })
    ),
  "item/tool/requestUserInput": () =>
    warnDefault("item/tool/requestUserInput", "no answers").pipe(Effect.as({ answers: {} })),
  "mcpServer/elicitation/request": () =>
    warnDefault("mcpServer/elicitation/request", "decline").pipe(Effect.as({ action: "decline" as const })),
  "item/tool/call": () =>
    warnDefault("item/tool/call", "an unsuccessful empty result").pipe(
      Effect.as({ contentItems: [], success: false })
    ),
  "account/chatgptAuthTokens/refresh": () => Effect.fail(new Unsupported("account/chatgptAuthTokens/refresh")),
  "attestation/generate": () => Effect.fail(new Unsupported("attestation/generate")),
  applyPatchApproval: () =>
    warnDefault("applyPatchApproval", "denied").pipe(
      Effect.as({ decision: { denied: { rejection: "declined by the client's default approval handler" } } })
    ),
  execCommandApproval: () =>
    warnDefault("execCommandApproval", "denied").pipe(
      Effect.as({ decision: { denied: { rejection: "declined by the client's default approval handler" } } })
    )
}

/**
 * The `ApprovalHandler` service. It is a `Context.Reference`: when no layer provides it, the safe
 * `defaults` answer every request.
 */
export const ApprovalHandler: Context.Reference<Service> = Context.Reference<Service>(
  "@effect-codex/core/ApprovalHandler",
  { defaultValue: () => ({ handlers: defaults }) }
)

/** Options of `make` and `layer`: the handler of unknown methods, the approver of destructive tool calls. */
export interface Options {
  readonly unknown?: Service["unknown"]
  readonly toolCall?: Service["toolCall"]
}

/** Builds a handler service from partial handlers; the methods left out use `defaults`. */
export const make = (handlers: Handlers, options?: Options): Service => ({
  handlers: { ...defaults, ...handlers },
  unknown: options?.unknown,
  toolCall: options?.toolCall
})

/**
 * A layer providing the given handlers (the others use `defaults`). Provide it to the layer that
 * builds the client.
 *
 * @example
 * ```ts
 * NodeCodex.layer().pipe(Layer.provide(ApprovalHandler.layer({
 *   "item/fileChange/requestApproval": () => Effect.succeed({ decision: "accept" })
 * })))
 * ```
 */
export const layer = (handlers: Handlers, options?: Options): Layer.Layer<never> =>
  Layer.succeed(ApprovalHandler, make(handlers, options))
