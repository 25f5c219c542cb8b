/**
 * The `CodexThread` entity: one Codex thread per thread key (a task id, a PR number, …), sharded
 * over the cluster's runners. Its RPCs mirror `Thread` and `TurnHandle`; `CodexCluster.thread`
 * is the client most programs use, and `CodexThread.layer` is what a runner adds to serve them.
 *
 * - `Turn` is a **persisted streaming** RPC whose primary key is the caller's idempotency key: the
 *   chunks are stored as they are sent, so after a runner dies the new owner resumes the stream
 *   after the last chunk the caller got (no duplicate, no gap; each chunk has a `seq`). The
 *   turn itself cannot survive its app-server: the new owner reads the thread back and, if the
 *   turn had completed, sends its result; otherwise it runs the turn again (`attempt` 2, a
 *   `Started` chunk with the new turn id comes first).
 * - `Result` reads back the result of a turn by its idempotency key (a `Turn` asked again after
 *   it completed replays no chunk: the client then asks `Result`).
 * - `Steer`, `Interrupt`, `Read`, `SetName`, `Compact` and `Open` are volatile and run
 *   concurrently with a streaming turn (the entity's concurrency is unbounded; turns of one
 *   thread run one at a time).
 *
 * @example
 * ```ts
 * import { CodexThread } from "@effect-codex/cluster"
 * import { NodeCodex } from "@effect-codex/node"
 * import { Layer } from "effect"
 *
 * // a runner: the entity, on this runner's app-server and the cluster's SQL database
 * const Runner = CodexThread.layer().pipe(Layer.provide(NodeCodex.layer()))
 * ```
 *
 * @since 0.2.0
 */
import type * as Codex from "@effect-codex/core/Codex"
import * as Errors from "@effect-codex/core/Errors"
import type * as Inputs from "@effect-codex/core/Inputs"
import type * as Thread from "@effect-codex/core/Thread"
import type * as Turn from "@effect-codex/core/Turn"
import * as ClusterSchema from "effect/cluster/ClusterSchema"
import * as Entity from "effect/cluster/Entity"
import type * as Sharding from "effect/cluster/Sharding"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Rpc from "effect/rpc/Rpc"
import * as Schema from "effect/Schema"
import type * as SqlClient from "effect/sql/SqlClient"
import type * as SqlError from "effect/sql/SqlError"
import * as ClusterErrors from "./ClusterErrors.ts"
import * as InternalEntity from "./internal/entity.ts"

/**
 * The options a thread is created with, sent with every call (they are used only when the thread
 * does not exist yet). The serializable part of `Codex.ThreadStartOptions`; `cwd` defaults to the
 * runner's `workspace` hook.
 */
export type StartOptions = Pick<
  Codex.ThreadStartOptions,
  | "approvalMode"
  | "baseInstructions"
  | "config"
  | "cwd"
  | "developerInstructions"
  | "model"
  | "modelProvider"
  | "personality"
  | "sandbox"
  | "serviceName"
  | "serviceTier"
>

/** The serializable turn options: `Thread.TurnOptions` with a JSON Schema `outputSchema` and `idleTimeout` in ms. */
export type WireTurnOptions =
  & Omit<Thread.TurnOptions, "outputSchema" | "idleTimeout" | "clientUserMessageId">
  & {
    readonly outputSchema?: Thread.JsonSchemaObject | undefined
    readonly idleTimeoutMillis?: number | undefined
  }

/** Plain JSON data on the wire; its TypeScript type is what the SDK itself produced or checked. */
const json = <A>() => Schema.Unknown as unknown as Schema.Codec<A>

const start = json<StartOptions>()

/** Every error a runner can answer with: core's errors plus the cluster's own. */
export const RunnerError = Schema.Union([
  Errors.ParseError,
  Errors.InvalidRequestError,
  Errors.MethodNotFoundError,
  Errors.InvalidParamsError,
  Errors.InternalRpcError,
  Errors.ServerBusyError,
  Errors.RetryLimitExceededError,
  Errors.ServerDrainingError,
  Errors.JsonRpcError,
  Errors.TransportClosedError,
  Errors.ProtocolError,
  Errors.TurnFailedError,
  Errors.TimeoutError,
  Errors.InvalidOptionError,
  ClusterErrors.NoActiveTurnError,
  ClusterErrors.ThreadStoreError
])

/** The error type of `RunnerError`. */
export type RunnerError = typeof RunnerError.Type

const chunkFields = {
  /** 1, 2, 3, … across the whole request, also across a move to another runner. */
  seq: Schema.Number,
  /** 1 for the first run of the turn; 2, 3, … when a new owner had to run it again. */
  attempt: Schema.Number
}

/** A turn started (or, with `attempt` > 1, started again on a new owner). */
export const Started = Schema.TaggedStruct("Started", {
  ...chunkFields,
  threadId: Schema.String,
  turnId: Schema.String
})

/** One event of the turn (only when the request asked for events). */
export const Event = Schema.TaggedStruct("Event", { ...chunkFields, event: json<Turn.TurnEvent>() })

/** The turn completed; the last chunk. */
export const Completed = Schema.TaggedStruct("Completed", { ...chunkFields, result: json<Turn.TurnResult>() })

/** A chunk of the `Turn` stream. */
export const TurnChunk = Schema.Union([Started, Event, Completed])

/** The type of a `Turn` chunk. */
export type TurnChunk = typeof TurnChunk.Type

/** The `Turn` payload: `key` is the idempotency key (the RPC's primary key and the turn's `clientUserMessageId`). */
export const TurnPayload = Schema.Struct({
  key: Schema.String,
  input: json<Inputs.RunInput>(),
  options: json<WireTurnOptions>(),
  start,
  events: Schema.Boolean
})

/** The `Turn` payload's type. */
export type TurnPayload = typeof TurnPayload.Type

/** The `CodexThread` entity. */
export const CodexThread = Entity.make("CodexThread", [
  Rpc.make("Turn", {
    payload: TurnPayload.fields,
    success: TurnChunk,
    error: RunnerError,
    stream: true,
    primaryKey: (payload) => payload.key
  }).annotate(ClusterSchema.Persisted, true),
  Rpc.make("Result", { payload: { start, key: Schema.String }, success: json<Turn.TurnResult>(), error: RunnerError }),
  Rpc.make("Open", { payload: { start }, success: Schema.Struct({ threadId: Schema.String }), error: RunnerError }),
  Rpc.make("Steer", { payload: { input: json<Inputs.SteerInput>() }, success: Schema.Unknown, error: RunnerError }),
  Rpc.make("Interrupt", { success: Schema.Unknown, error: RunnerError }),
  Rpc.make("Read", { payload: { start, includeTurns: Schema.Boolean }, success: Schema.Unknown, error: RunnerError }),
  Rpc.make("SetName", { payload: { start, name: Schema.String }, success: Schema.Unknown, error: RunnerError }),
  Rpc.make("Compact", { payload: { start }, success: Schema.Unknown, error: RunnerError })
])

/** Options of a runner's entities; `R` is what the `codexHome` effect needs (e.g. the test layer's folders). */
export interface Options<R = never> {
  /**
   * The `CODEX_HOME` of this runner's app-server, where a thread that moves here is restored (at
   * the same `sessions/…` path it had) and resumed by id. Default: `$CODEX_HOME`, else `~/.codex`.
   */
  readonly codexHome?: string | Effect.Effect<string, never, R> | undefined
  /**
   * The working directory of a new thread, by thread key, run on the owning runner (a shared
   * volume, a fresh clone per task, …). A `cwd` in the thread's start options wins. Default: the
   * app-server's own working directory.
   */
  readonly workspace?: ((threadKey: string) => Effect.Effect<string>) | undefined
  /** How long an idle thread's entity stays in memory (default 10 minutes; the thread stays in its app-server). */
  readonly maxIdleTime?: Duration.Input | undefined
}

/**
 * The entity's handlers on this runner: every thread key this runner owns gets a Codex thread on
 * the runner's `Codex` (its app-server, shared by all of them), and its record and rollout in the
 * cluster's SQL database (table `effect_codex_threads`), so that another runner can resume it.
 */
export const layer = <R = never>(
  options: Options<R> = {}
): Layer.Layer<never, SqlError.SqlError, Codex.Codex | Sharding.Sharding | SqlClient.SqlClient | R> =>
  InternalEntity.layer(CodexThread, options)
