/**
 * Server → client requests (approvals, user input, …): decode the params, dispatch to the
 * `ApprovalHandler` (or its valid default answer), encode and write the reply. Each request runs
 * in its own fiber, so a slow handler never stalls the reading of the connection. Replies are
 * written directly, never through the in-flight window of the client's own requests.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberSet from "effect/FiberSet"
import * as Schema from "effect/Schema"
import * as ApprovalHandler from "../ApprovalHandler.ts"
import * as Errors from "../Errors.ts"
import * as Protocol from "../generated/Protocol.ts"
import type * as Schemas from "../generated/Schemas.ts"
import type * as ToolRegistry from "./toolRegistry.ts"

type Entry = { readonly params: Schema.Top; readonly result: Schema.Top }

const entries = Protocol.ServerRequests as Record<string, Entry | undefined>

const defaults = ApprovalHandler.defaults as unknown as Record<string, ApprovalHandler.Handler<never>>

/** What the dispatcher needs from its connection. */
export interface Options {
  readonly approvals: ApprovalHandler.Service
  /** Dynamic tools: an `item/tool/call` of a thread that has tools is answered by them. */
  readonly tools: ToolRegistry.Registry
  /** Writes a message (an object serialized to one line). */
  readonly write: (message: object) => Effect.Effect<void, Errors.TransportClosedError | Errors.InvalidOptionError>
  /** Reports a request whose params do not match their schema. */
  readonly diagnose: (error: Errors.ProtocolError) => Effect.Effect<void>
  /** Where the handler fibers live (the client's scope). */
  readonly fibers: FiberSet.FiberSet<unknown, never>
}

/** Builds the dispatcher: `(id, method, params)` starts the handling and returns at once. */
export const make = (options: Options) => {
  const { approvals, diagnose, fibers, tools, write } = options

  const fail = (id: unknown, message: string) => write({ id, error: { code: -32603, message } })

  // a result that cannot be written (a lone surrogate) is answered with an error: the server must get a reply
  const reply = (id: unknown, exit: Exit.Exit<unknown, unknown>) =>
    Exit.isSuccess(exit)
      ? write({ id, result: exit.value }).pipe(
        Effect.catchTag("InvalidOptionError", (error) => fail(id, `client handler failed: ${error.message}`))
      )
      : fail(id, `client handler failed: ${Cause.pretty(exit.cause).split("\n")[0]}`)

  const handle = (id: unknown, method: string, params: unknown): Effect.Effect<unknown, unknown> =>
    Effect.gen(function*() {
      const entry = entries[method]
      if (entry === undefined) {
        if (approvals.unknown) return yield* approvals.unknown(method, params)
        return yield* write({ id, error: { code: -32601, message: `client does not handle ${method}` } }).pipe(
          Effect.andThen(Effect.logWarning(`effect-codex: answered unknown server request ${method} with an error`)),
          Effect.andThen(Effect.interrupt)
        )
      }
      const decoded = yield* Schema.decodeUnknownEffect(entry.params as Schema.Codec<unknown>)(params).pipe(
        Effect.tapError((error) =>
          diagnose(
            new Errors.ProtocolError({
              message: `server request ${method} does not match its schema: ${error.message}`,
              method
            })
          )
        )
      )
      if (method === "item/tool/call") {
        const answer = tools.call(decoded as Schemas.DynamicToolCallParams)
        if (answer !== undefined) {
          return yield* Schema.encodeUnknownEffect(entry.result as Schema.Codec<unknown>)(yield* answer)
        }
      }
      const handler = (approvals.handlers as Record<string, ApprovalHandler.Handler<never> | undefined>)[method] ??
        defaults[method]!
      const result = yield* handler(decoded as never, { method: method as never, id: id as string | number })
      return yield* Schema.encodeUnknownEffect(entry.result as Schema.Codec<unknown>)(result)
    })

  return (id: unknown, method: string, params: unknown): Effect.Effect<void> =>
    FiberSet.run(
      fibers,
      handle(id, method, params).pipe(
        Effect.exit,
        Effect.flatMap((exit) =>
          Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause) ? Effect.void : Effect.tap(
            reply(id, exit),
            () =>
              Exit.isFailure(exit)
                ? Effect.logWarning(`effect-codex: handler for ${method} failed`, exit.cause)
                : Effect.void
          )
        ),
        Effect.ignore,
        Effect.withSpan(`ApprovalHandler ${method}`)
      )
    ).pipe(Effect.asVoid)
}
