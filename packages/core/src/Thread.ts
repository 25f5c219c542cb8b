/**
 * A conversation thread: run turns on it, read it, name it, compact it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Codex } from "@effect-codex/core"
 *
 * const program = Effect.gen(function*() {
 *   const codex = yield* Codex.Codex
 *   const thread = yield* codex.threadStart({ model: "gpt-5.5" })
 *   const result = yield* thread.run("Say hello")
 *   yield* Effect.log(result.finalResponse)
 * })
 * ```
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as ApprovalMode from "./ApprovalMode.ts"
import type * as AppServerClient from "./AppServerClient.ts"
import * as Errors from "./Errors.ts"
import type * as Protocol from "./generated/Protocol.ts"
import type * as Schemas from "./generated/Schemas.ts"
import * as Inputs from "./Inputs.ts"
import * as Sandbox from "./Sandbox.ts"
import * as Turn from "./Turn.ts"
import * as Version from "./Version.ts"

/** A JSON Schema object, passed through to the model as is. */
export type JsonSchemaObject = { readonly [key: string]: unknown }

/** Options of `Thread.turn` / `Thread.run` (python-sdk-behaviour §3.3, camelCased). */
export interface TurnOptions {
  /** Overrides the approval mode for this and later turns (omitted: the thread keeps its own). */
  readonly approvalMode?: ApprovalMode.ApprovalMode | undefined
  readonly cwd?: string | undefined
  /** Reasoning effort, e.g. `"low" | "medium" | "high"`. */
  readonly effort?: Schemas.ReasoningEffort | undefined
  readonly model?: string | undefined
  /** A JSON Schema object, or an Effect Schema (its JSON Schema is sent and the answer decoded). */
  readonly outputSchema?: JsonSchemaObject | Schema.Top | undefined
  readonly personality?: Schemas.Personality | undefined
  /** Overrides the sandbox for this and later turns. */
  readonly sandbox?: Sandbox.Sandbox | undefined
  /** Changes the thread's service tier for this and later turns. */
  readonly serviceTier?: string | undefined
  /** A label for what started the turn (sent as `turnTrigger`; needs codex ≥ 0.151.0). */
  readonly source?: string | undefined
  readonly summary?: Schemas.ReasoningSummary | undefined
  /** The service tier of this turn only (sent as `serviceTierForTurn`; needs codex ≥ 0.151.0). */
  readonly turnServiceTier?: string | undefined
  /** The turn idle watchdog (see `Turn.StreamOptions`). Off by default. */
  readonly idleTimeout?: Duration.Input | undefined
}

/** Errors of starting a turn. */
export type TurnStartError = AppServerClient.RequestError

/** Errors of `run`. */
export type RunError = TurnStartError | Turn.StreamError | Errors.TurnFailedError

/** A thread. */
export interface Thread {
  readonly id: string
  /** Starts a turn and collects its result. With a Schema `outputSchema`, the result carries the decoded `output`. */
  readonly run: {
    <S extends Schema.Top>(
      input: Inputs.RunInput,
      options: TurnOptions & { readonly outputSchema: S }
    ): Effect.Effect<Turn.TurnResultOf<S["Type"]>, RunError | Errors.StructuredOutputError, S["DecodingServices"]>
    (input: Inputs.RunInput, options?: TurnOptions): Effect.Effect<Turn.TurnResult, RunError>
  }
  /** Starts a turn and returns its handle (stream, run, steer, interrupt). */
  readonly turn: (input: Inputs.RunInput, options?: TurnOptions) => Effect.Effect<Turn.TurnHandle, TurnStartError>
  /** Reads the thread (`thread/read`); `includeTurns` loads its history. */
  readonly read: (
    options?: { readonly includeTurns?: boolean | undefined }
  ) => Effect.Effect<Schemas.ThreadReadResponse, AppServerClient.RequestError>
  /** Names the thread (`thread/name/set`). */
  readonly setName: (name: string) => Effect.Effect<Schemas.ThreadSetNameResponse, AppServerClient.RequestError>
  /** Compacts the thread's context (`thread/compact/start`); the compaction then runs as a turn. */
  readonly compact: Effect.Effect<Schemas.ThreadCompactStartResponse, AppServerClient.RequestError>
}

const isEffectSchema = (u: unknown): u is Schema.Top => Schema.isSchema(u)

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * Rewrites a derived JSON Schema for the model's strict structured outputs (`"strict": true`, as
 * codex sends them): every object lists all its properties as required, an optional property
 * becomes `X | null` (the schema's JSON codec decodes `null` as absent), and a root `$ref` is
 * inlined so that the root is an object.
 */
const allowsNull = (schema: unknown): boolean =>
  isRecord(schema) &&
  (schema.type === "null" || (Array.isArray(schema.anyOf) && schema.anyOf.some(allowsNull)))

const strictJsonSchema = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(strictJsonSchema)
  if (!isRecord(node)) return node
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(node)) {
    out[key] = (key === "properties" || key === "$defs") && isRecord(value)
      ? Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, strictJsonSchema(sub)]))
      : strictJsonSchema(value)
  }
  if (out.type === "object" && isRecord(out.properties)) {
    const properties = out.properties
    const required = new Set(Array.isArray(out.required) ? out.required : [])
    out.properties = Object.fromEntries(
      Object.entries(properties).map((
        [name, sub]
      ) => [name, required.has(name) || allowsNull(sub) ? sub : { anyOf: [sub, { type: "null" }] }])
    )
    out.required = Object.keys(properties)
  }
  return out
}

/**
 * The JSON Schema sent for an `outputSchema`: a JSON Schema object as is; an Effect Schema's
 * derived JSON Schema made fit for strict structured outputs (objects closed with
 * `additionalProperties: false`, every property required, optional ones nullable, root inlined).
 */
export const outputJsonSchema = (outputSchema: JsonSchemaObject | Schema.Top): JsonSchemaObject => {
  if (!isEffectSchema(outputSchema)) return outputSchema
  const document = Schema.toJsonSchemaDocument(outputSchema, { onExcessProperty: "error" })
  const defs = document.definitions as Record<string, unknown>
  let root = document.schema as Record<string, unknown>
  const ref = typeof root.$ref === "string" && root.$ref.startsWith("#/$defs/") ? root.$ref.slice(8) : undefined
  if (ref !== undefined && isRecord(defs[ref]) && Object.keys(root).length === 1) root = defs[ref]
  const schema = Object.keys(defs).length > 0 ? { ...root, $defs: defs } : root
  return strictJsonSchema(schema) as JsonSchemaObject
}

const optionalString = (option: string, value: unknown) =>
  value === undefined || typeof value === "string"
    ? Effect.void
    : Effect.fail(new Errors.InvalidOptionError({ option, message: `${option} must be a string` }))

/** The wire fields of the version-gated turn options. */
const gatedTurnOptions = { ExternalMessage: "toolOutput", source: "turnTrigger", turnServiceTier: "serviceTierForTurn" }

/** Builds the `turn/start` params from a turn's input and options; nothing is sent. */
export const turnStartParams = Effect.fnUntraced(function*(
  client: AppServerClient.Service,
  threadId: string,
  input: Inputs.RunInput,
  options: TurnOptions
) {
  const wire = yield* Inputs.toWire(input)
  const approval = options.approvalMode === undefined ? {} : yield* ApprovalMode.toParams(options.approvalMode)
  const sandboxPolicy = options.sandbox === undefined ? undefined : yield* Sandbox.toTurnPolicy(options.sandbox)
  yield* optionalString("source", options.source)
  yield* optionalString("turnServiceTier", options.turnServiceTier)
  if (
    options.outputSchema !== undefined && !Predicate.isObject(options.outputSchema) &&
    !isEffectSchema(options.outputSchema)
  ) {
    return yield* new Errors.InvalidOptionError({
      option: "outputSchema",
      message: "outputSchema must be a JSON Schema object or an Effect Schema"
    })
  }
  const params = {
    threadId,
    input: wire.input,
    ...(wire.toolOutput === undefined ? {} : { toolOutput: wire.toolOutput }),
    ...approval,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.effort === undefined ? {} : { effort: options.effort }),
    ...(options.model === undefined ? {} : { model: options.model }),
    ...(options.outputSchema === undefined ? {} : { outputSchema: outputJsonSchema(options.outputSchema) }),
    ...(options.personality === undefined ? {} : { personality: options.personality }),
    ...(sandboxPolicy === undefined ? {} : { sandboxPolicy }),
    ...(options.serviceTier === undefined ? {} : { serviceTier: options.serviceTier }),
    ...(options.source === undefined ? {} : { turnTrigger: options.source }),
    ...(options.summary === undefined ? {} : { summary: options.summary }),
    ...(options.turnServiceTier === undefined ? {} : { serviceTierForTurn: options.turnServiceTier })
  } as Protocol.ClientRequestParams<"turn/start">
  yield* Version.gate(client.serverVersion, "turn/start", {
    ExternalMessage: params.toolOutput,
    source: params.turnTrigger,
    turnServiceTier: params.serviceTierForTurn
  }, gatedTurnOptions)
  return params
})

/** A handle on an existing thread id (no request is sent). */
export const make = (client: AppServerClient.Service, id: string): Thread => {
  const turn = Effect.fn("Thread.turn")(function*(input: Inputs.RunInput, options: TurnOptions = {}) {
    const params = yield* turnStartParams(client, id, input, options)
    const started = yield* client.startTurn(params)
    return Turn.makeHandle(client, id, started.turn.id, started.subscription, { idleTimeout: options.idleTimeout })
  })
  const run = Effect.fn("Thread.run")(function*(input: Inputs.RunInput, options: TurnOptions = {}) {
    const handle = yield* turn(input, options)
    const result = yield* handle.run
    return isEffectSchema(options.outputSchema)
      ? yield* Turn.decodeOutput(result, options.outputSchema as Schema.Codec<unknown, unknown, never>)
      : result
  })
  return {
    id,
    run: run as Thread["run"],
    turn,
    read: Effect.fn("Thread.read")(function*(options?: { readonly includeTurns?: boolean | undefined }) {
      return yield* client.request("thread/read", { threadId: id, includeTurns: options?.includeTurns ?? false })
    }),
    setName: Effect.fn("Thread.setName")(function*(name: string) {
      if (typeof name !== "string") {
        return yield* new Errors.InvalidOptionError({ option: "name", message: "name must be a string" })
      }
      return yield* client.request("thread/name/set", { threadId: id, name })
    }),
    compact: client.request("thread/compact/start", { threadId: id }).pipe(Effect.withSpan("Thread.compact"))
  }
}
