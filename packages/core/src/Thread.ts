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
import type * as Effect from "effect/Effect"
import type * as Schema from "effect/Schema"
import type * as ApprovalMode from "./ApprovalMode.ts"
import type * as AppServerClient from "./AppServerClient.ts"
import type * as Errors from "./Errors.ts"
import type * as Schemas from "./generated/Schemas.ts"
import type * as Inputs from "./Inputs.ts"
import * as JsonSchema from "./internal/jsonSchema.ts"
import type * as Sandbox from "./Sandbox.ts"
import type * as Turn from "./Turn.ts"

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
  /**
   * A client-chosen id for the turn's user message (sent as `clientUserMessageId`; it comes back
   * as the `clientId` of the turn's `userMessage` item in `thread/read`). Tag a turn with an
   * idempotency key to find it again after a crash.
   */
  readonly clientUserMessageId?: string | undefined
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

/**
 * The JSON Schema sent for an `outputSchema`: a JSON Schema object as is; an Effect Schema's
 * derived JSON Schema made fit for strict structured outputs (objects closed with
 * `additionalProperties: false`, every property required, optional ones nullable, root inlined).
 *
 * @example
 * ```ts
 * Thread.outputJsonSchema(Schema.Struct({ answer: Schema.String }))
 * // { type: "object", properties: { answer: { type: "string" } }, required: ["answer"], additionalProperties: false }
 * ```
 */
export const outputJsonSchema: (outputSchema: JsonSchemaObject | Schema.Top) => JsonSchemaObject =
  JsonSchema.outputJsonSchema
