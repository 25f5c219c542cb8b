/**
 * One place for the wire parameters the public modules send, their defaults and their checks:
 * approval modes and sandboxes as wire fields, Duration options, the thread overrides of
 * `thread/start|resume|fork` and the `turn/start` params. Nothing here sends anything.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as ApprovalMode from "../ApprovalMode.ts"
import type * as AppServerClient from "../AppServerClient.ts"
import type * as Codex from "../Codex.ts"
import * as Errors from "../Errors.ts"
import type * as Protocol from "../generated/Protocol.ts"
import * as Inputs from "../Inputs.ts"
import * as Sandbox from "../Sandbox.ts"
import type * as Thread from "../Thread.ts"
import * as Version from "../Version.ts"
import * as JsonSchema from "./jsonSchema.ts"

/** The approval fields for `thread/start`: the given mode, or `ApprovalMode.threadStartDefault` (`autoReview`). */
export const approvalThreadStartParams = (
  mode?: ApprovalMode.ApprovalMode
): Effect.Effect<ApprovalMode.ApprovalParams, Errors.InvalidOptionError> =>
  ApprovalMode.toParams(mode === undefined ? ApprovalMode.threadStartDefault : mode)

/** The approval fields of an override (`thread/resume|fork`, `turn/start`): none when `undefined`. */
export const approvalOverrideParams = (
  mode?: ApprovalMode.ApprovalMode
): Effect.Effect<ApprovalMode.ApprovalParams, Errors.InvalidOptionError> =>
  mode === undefined ? Effect.succeed({}) : ApprovalMode.toParams(mode)

/** The thread-level sandbox field: `{}` when `undefined` (server default), else `{ sandbox: <mode> }`. */
export const sandboxThreadParams = (
  sandbox?: Sandbox.Sandbox
): Effect.Effect<{ readonly sandbox?: Sandbox.SandboxMode }, Errors.InvalidOptionError> =>
  sandbox === undefined
    ? Effect.succeed({})
    : Effect.map(Sandbox.toThreadMode(sandbox), (mode) => ({ sandbox: mode }))

/** The turn-level sandbox field: `{}` when `undefined` (keep the thread's), else `{ sandboxPolicy }`. */
export const sandboxTurnParams = (
  sandbox?: Sandbox.Sandbox
): Effect.Effect<{ readonly sandboxPolicy?: Sandbox.SandboxPolicy }, Errors.InvalidOptionError> =>
  sandbox === undefined
    ? Effect.succeed({})
    : Effect.map(Sandbox.toTurnPolicy(sandbox), (sandboxPolicy) => ({ sandboxPolicy }))

/**
 * Validates a Duration option before anything is sent: `undefined` stays `undefined`; anything
 * that is not a positive duration (`"banana"`, `-1`, `NaN`, `0`) fails with `InvalidOptionError`
 * naming the option.
 */
export const duration = (
  option: string,
  input: unknown
): Effect.Effect<Duration.Duration | undefined, Errors.InvalidOptionError> => {
  if (input === undefined) return Effect.succeed(undefined)
  // `fromInput` catches what `fromInputUnsafe` throws on a malformed value
  const parsed = Duration.fromInput(input as Duration.Input)
  if (Option.isSome(parsed) && Duration.toMillis(parsed.value) > 0) return Effect.succeed(parsed.value)
  return Effect.fail(
    new Errors.InvalidOptionError({
      option,
      message: `${option} must be a positive duration such as "30 seconds" or 30000 (got ${describe(input)})`
    })
  )
}

const describe = (u: unknown): string => {
  if (typeof u === "string") return JSON.stringify(u)
  if (typeof u === "number" || typeof u === "bigint" || typeof u === "boolean") return String(u)
  return u === null ? "null" : typeof u
}

/** The object without its `undefined` fields (the wire omits them). */
export const omitUndefined = <A extends Record<string, unknown>>(a: A): A =>
  Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)) as A

/** The fields `thread/start`, `thread/resume` and `thread/fork` share, from `Codex.ThreadOverrides`. */
export const threadOverrides = Effect.fnUntraced(function*(
  options: Codex.ThreadOverrides,
  approval: (mode?: ApprovalMode.ApprovalMode) => Effect.Effect<ApprovalMode.ApprovalParams, Errors.InvalidOptionError>
) {
  const approvalFields = yield* approval(options.approvalMode)
  const sandbox = yield* sandboxThreadParams(options.sandbox)
  return omitUndefined({
    ...approvalFields,
    ...sandbox,
    baseInstructions: options.baseInstructions,
    config: options.config,
    cwd: options.cwd,
    developerInstructions: options.developerInstructions,
    model: options.model,
    modelProvider: options.modelProvider,
    personality: options.personality,
    serviceTier: options.serviceTier
  })
})

const optionalString = (option: string, value: unknown) =>
  value === undefined || typeof value === "string"
    ? Effect.void
    : Effect.fail(new Errors.InvalidOptionError({ option, message: `${option} must be a string` }))

/** The wire fields of the version-gated turn options. */
const gatedTurnOptions = { ExternalMessage: "toolOutput", source: "turnTrigger", turnServiceTier: "serviceTierForTurn" }

/** Whether a value is an Effect Schema (rather than a JSON Schema object). */
export const isEffectSchema = (u: unknown): u is Schema.Top => Schema.isSchema(u)

/**
 * Builds the `turn/start` params from a turn's input and options, every option checked (the
 * watchdog's `idleTimeout` included) and newer options version-gated; nothing is sent.
 */
export const turnStartParams = Effect.fnUntraced(function*(
  client: AppServerClient.Service,
  threadId: string,
  input: Inputs.RunInput,
  options: Thread.TurnOptions
) {
  const wire = yield* Inputs.toWire(input)
  const approval = yield* approvalOverrideParams(options.approvalMode)
  const sandbox = yield* sandboxTurnParams(options.sandbox)
  yield* optionalString("source", options.source)
  yield* optionalString("turnServiceTier", options.turnServiceTier)
  yield* optionalString("clientUserMessageId", options.clientUserMessageId)
  yield* duration("idleTimeout", options.idleTimeout)
  if (
    options.outputSchema !== undefined && !Predicate.isObject(options.outputSchema) &&
    !isEffectSchema(options.outputSchema)
  ) {
    return yield* new Errors.InvalidOptionError({
      option: "outputSchema",
      message: "outputSchema must be a JSON Schema object or an Effect Schema"
    })
  }
  const params = omitUndefined({
    threadId,
    input: wire.input,
    toolOutput: wire.toolOutput,
    ...approval,
    cwd: options.cwd,
    effort: options.effort,
    model: options.model,
    outputSchema: options.outputSchema === undefined ? undefined : JsonSchema.outputJsonSchema(options.outputSchema),
    personality: options.personality,
    ...sandbox,
    serviceTier: options.serviceTier,
    turnTrigger: options.source,
    summary: options.summary,
    serviceTierForTurn: options.turnServiceTier,
    clientUserMessageId: options.clientUserMessageId
  }) as Protocol.ClientRequestParams<"turn/start">
  yield* Version.gate(client.serverVersion, "turn/start", {
    ExternalMessage: params.toolOutput,
    source: params.turnTrigger,
    turnServiceTier: params.serviceTierForTurn
  }, gatedTurnOptions)
  return params
})
