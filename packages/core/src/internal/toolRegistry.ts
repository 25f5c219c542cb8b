/**
 * The per-client table of dynamic tools: which thread has which tool set, the approval mode each
 * thread was last given, and the handler fibers running for each turn (interrupted when the turn
 * completes). Small on purpose: it is loaded with every client, while the code that turns a
 * `Toolkit` into a tool set (`toolkit.ts`, which needs `effect/ai`) loads only when tools are given.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import type * as ApprovalHandler from "../ApprovalHandler.ts"
import type * as ApprovalMode from "../ApprovalMode.ts"
import type * as Schemas from "../generated/Schemas.ts"

/** What a tool call needs from its client: the thread's approval mode and the client's `ApprovalHandler`. */
export interface CallContext {
  readonly mode: ApprovalMode.ApprovalMode
  readonly approvals: ApprovalHandler.Service
}

/** The tools of one thread: answers an `item/tool/call` of that thread (never fails). */
export interface ToolSet {
  readonly names: ReadonlyArray<string>
  readonly call: (
    params: Schemas.DynamicToolCallParams,
    context: CallContext
  ) => Effect.Effect<Schemas.DynamicToolCallResponse>
}

/** The registry of one client. */
export interface Registry {
  /** Whether the client opted into experimental API (`dynamicTools` needs it). */
  readonly experimentalApi: boolean
  /** Gives a thread its tool set (replacing any previous one). */
  readonly register: (threadId: string, tools: ToolSet) => void
  /** Records the approval mode a thread with tools (or a turn of it) was given; register first. */
  readonly setMode: (threadId: string, mode: ApprovalMode.ApprovalMode | undefined) => void
  /** Answers a call when its thread has tools; `undefined` otherwise (the `ApprovalHandler` answers). */
  readonly call: (params: Schemas.DynamicToolCallParams) => Effect.Effect<Schemas.DynamicToolCallResponse> | undefined
  /** Interrupts the handlers still running for a turn (called on its `turn/completed`). */
  readonly turnCompleted: (turnId: string) => void
}

const registries = new WeakMap<object, Registry>()

/** The registry attached to a client service, if that client was built by `AppServerClient.make`. */
export const of = (client: object): Registry | undefined => registries.get(client)

/** Attaches a registry to the client service that owns it. */
export const attach = (client: object, registry: Registry): void => {
  registries.set(client, registry)
}

/** A fresh registry. */
export const make = (
  options: { readonly experimentalApi: boolean; readonly approvals: ApprovalHandler.Service }
): Registry => {
  const threads = new Map<string, ToolSet>()
  const modes = new Map<string, ApprovalMode.ApprovalMode>()
  const running = new Map<string, Set<Fiber.Fiber<unknown, unknown>>>()

  const track = (turnId: string, fiber: Fiber.Fiber<unknown, unknown>) => {
    let fibers = running.get(turnId)
    if (fibers === undefined) running.set(turnId, fibers = new Set())
    fibers.add(fiber)
    return () => {
      fibers.delete(fiber)
      if (fibers.size === 0 && running.get(turnId) === fibers) running.delete(turnId)
    }
  }

  return {
    experimentalApi: options.experimentalApi,
    register: (threadId, tools) => {
      threads.set(threadId, tools)
    },
    setMode: (threadId, mode) => {
      if (mode !== undefined && threads.has(threadId)) modes.set(threadId, mode)
    },
    call: (params) => {
      const tools = threads.get(params.threadId)
      if (tools === undefined) return undefined
      const mode = modes.get(params.threadId) ?? "autoReview"
      return Effect.withFiber((fiber) => {
        const untrack = track(params.turnId, fiber)
        return Effect.ensuring(tools.call(params, { mode, approvals: options.approvals }), Effect.sync(untrack))
      })
    },
    turnCompleted: (turnId) => {
      const fibers = running.get(turnId)
      if (fibers === undefined) return
      running.delete(turnId)
      for (const fiber of fibers) fiber.interruptUnsafe()
    }
  }
}
