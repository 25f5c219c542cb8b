/**
 * The `tools` option of `threadStart`, `threadResume` and `threadFork`: checked, resolved to a
 * `Toolkit.WithHandler` in the caller's context, turned into `dynamicTools` specs and a tool set
 * (by `toolkit.ts`, imported only here and only when tools are given), and registered for the
 * thread once the server answered.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as ApprovalMode from "../ApprovalMode.ts"
import type * as AppServerClient from "../AppServerClient.ts"
import * as Errors from "../Errors.ts"
import type * as Schemas from "../generated/Schemas.ts"
import * as Tools from "../Tools.ts"
import * as Params from "./params.ts"
import * as ToolRegistry from "./toolRegistry.ts"

/** The tool fields of the options, as the implementation sees them. */
export interface ToolFields {
  readonly tools?: unknown
  readonly toolTimeout?: unknown
  readonly toolConcurrency?: unknown
}

/** What a thread request does with its tools: the specs to send, and the registration after the reply. */
export interface Prepared {
  readonly specs: ReadonlyArray<Schemas.DynamicToolSpec>
  readonly register: (threadId: string, settings: ApprovalSettings) => void
}

/** The approval fields of a `thread/start|resume|fork` response. */
export interface ApprovalSettings {
  readonly approvalPolicy: Schemas.AskForApproval
  readonly approvalsReviewer: Schemas.ApprovalsReviewer
}

/**
 * The approval mode of a thread as the server stored it: `never` is `denyAll`; approvals sent to
 * the user (`approvalsReviewer: "user"`, any other policy) are `manual`; the rest `autoReview`.
 */
export const modeOf = (settings: ApprovalSettings): ApprovalMode.ApprovalMode =>
  settings.approvalPolicy === "never" ? "denyAll" : settings.approvalsReviewer === "user" ? "manual" : "autoReview"

const invalid = (message: string) => new Errors.InvalidOptionError({ option: "tools", message })

const concurrency = (value: unknown) =>
  value === undefined
    ? Effect.succeed(Tools.defaultConcurrency)
    : typeof value === "number" && Number.isInteger(value) && value > 0
    ? Effect.succeed(value)
    : Effect.fail(
      new Errors.InvalidOptionError({
        option: "toolConcurrency",
        message: "toolConcurrency must be a positive integer"
      })
    )

const isWithHandler = (u: unknown): u is Parameters<typeof import("./toolkit.ts").prepare>[0] =>
  typeof u === "object" && u !== null && typeof (u as { handle?: unknown }).handle === "function" &&
  typeof (u as { tools?: unknown }).tools === "object" && (u as { tools?: unknown }).tools !== null

/** Prepares the tools of a thread request; `undefined` when no tools are given. Nothing is sent. */
export const prepare = Effect.fnUntraced(function*(client: AppServerClient.Service, options: ToolFields) {
  if (options.tools === undefined) return undefined
  const registry = ToolRegistry.of(client)
  if (registry === undefined) return yield* invalid("this AppServerClient was not built by AppServerClient.make")
  if (!registry.experimentalApi) return yield* invalid("dynamic tools need the client's experimentalApi (the default)")
  const timeout = (yield* Params.duration("toolTimeout", options.toolTimeout)) ?? Tools.defaultTimeout
  const limit = yield* concurrency(options.toolConcurrency)
  const resolved = Effect.isEffect(options.tools)
    ? yield* (options.tools as Effect.Effect<unknown>)
    : options.tools
  if (!isWithHandler(resolved)) return yield* invalid("tools must be a Toolkit or a Toolkit.WithHandler")
  const context = yield* Effect.context<never>()
  const Toolkit = yield* Effect.promise(() => import("./toolkit.ts"))
  const { specs, toolSet } = yield* Toolkit.prepare(resolved, { timeout, concurrency: limit, context })
  return {
    specs,
    register: (threadId, settings) => {
      registry.register(threadId, toolSet)
      registry.setMode(threadId, modeOf(settings))
    }
  } satisfies Prepared
})

/** Records a turn's approval mode override for its thread's tools. */
export const setMode = (
  client: AppServerClient.Service,
  threadId: string,
  mode: ApprovalMode.ApprovalMode | undefined
) => ToolRegistry.of(client)?.setMode(threadId, mode)
