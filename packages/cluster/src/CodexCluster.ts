/**
 * The cluster client: `CodexCluster.thread(key)` is a thread on whichever runner owns `key`, with
 * the shape of core's `Thread` (`run`, `turn`, `stream`, `steer`, `interrupt`, `read`, `setName`,
 * `compact`), so a program moves from one process to a cluster by swapping a Layer.
 *
 * Every call has a deadline, because a cluster with no runner left keeps messages waiting
 * silently: control calls and the start of a turn fail with `ClusterUnavailableError` (naming the
 * thread key) after `requestTimeout` / `startTimeout` (30 s each by default), a whole turn with
 * `TimeoutError` after `turnTimeout` (30 minutes).
 *
 * Turns are persisted with an idempotency key (`idempotencyKey`, a fresh UUID per call unless you
 * give one): the request and its chunks are stored, a runner that dies mid-turn hands it to
 * another runner, and calling again with the same key attaches to the same turn instead of running
 * it twice. See `CodexThread` for what happens to a turn whose runner dies.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { CodexCluster } from "@effect-codex/cluster"
 * import { NodeCodex } from "@effect-codex/node"
 *
 * const program = Effect.gen(function*() {
 *   const review = yield* CodexCluster.thread("pr-1234")
 *   const result = yield* review.run("Review this pull request")
 *   yield* Effect.log(result.finalResponse)
 * })
 *
 * // one process, threads and replies kept in a SQLite file across restarts
 * program.pipe(
 *   Effect.provide(CodexCluster.layerEmbedded({ file: "codex-cluster.db", codex: NodeCodex.layer() })),
 *   Effect.runPromise
 * )
 * ```
 *
 * @since 0.2.0
 */
import type * as Codex from "@effect-codex/core/Codex"
import type * as Errors from "@effect-codex/core/Errors"
import type * as Schemas from "@effect-codex/core/generated/Schemas"
import type * as Inputs from "@effect-codex/core/Inputs"
import type * as Thread from "@effect-codex/core/Thread"
import type * as Turn from "@effect-codex/core/Turn"
import * as NodeClusterSocket from "@effect/platform-node/NodeClusterSocket"
import * as NodeCrypto from "@effect/platform-node/NodeCrypto"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import type * as MessageStorage from "effect/cluster/MessageStorage"
import * as RunnerAddress from "effect/cluster/RunnerAddress"
import type * as Sharding from "effect/cluster/Sharding"
import type * as ShardingConfig from "effect/cluster/ShardingConfig"
import * as SingleRunner from "effect/cluster/SingleRunner"
import type * as ConfigError from "effect/Config"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import * as SqlClient from "effect/sql/SqlClient"
import type * as SqlError from "effect/sql/SqlError"
import type * as Stream from "effect/Stream"
import type * as ClusterErrors from "./ClusterErrors.ts"
import * as CodexThread from "./CodexThread.ts"
import * as InternalThread from "./internal/clusterThread.ts"
import * as Options from "./internal/options.ts"

/** Options of a cluster thread: the options it is created with (used only when it does not exist yet). */
export type ThreadOptions = CodexThread.StartOptions

/** Options of a turn: core's `Thread.TurnOptions`, an idempotency key and a deadline. */
export interface TurnOptions extends Omit<Thread.TurnOptions, "clientUserMessageId"> {
  /**
   * The turn's identity in the cluster (the persisted request's primary key, and the turn's
   * `clientUserMessageId`). The same key twice is the same turn: its stored result, or the turn
   * still running. Default: a fresh UUID per call.
   */
  readonly idempotencyKey?: string | undefined
  /** The deadline of the whole turn (default the client's `turnTimeout`, 30 minutes). */
  readonly timeout?: Duration.Input | undefined
}

/** Errors of a control call (`read`, `steer`, …). */
export type CallError = CodexThread.RunnerError | ClusterErrors.ClusterUnavailableError

/** Errors of a turn. */
export type TurnError = CallError

/** A turn started through the cluster. */
export interface ClusterTurnHandle {
  /** The idempotency key of the turn. */
  readonly key: string
  readonly threadId: string
  /** The turn id of its first run (a re-run after a move has another: see `chunks`). */
  readonly id: string
  /** Every chunk after `Started`: events, a `Started` per re-run, then `Completed`. Run it once. */
  readonly chunks: Stream.Stream<CodexThread.TurnChunk, TurnError>
  /** The turn's events (from `chunks`). */
  readonly stream: Stream.Stream<Turn.TurnEvent, TurnError>
  /** Waits for the turn's result (consuming what `chunks` has not). */
  readonly run: Effect.Effect<Turn.TurnResult, TurnError>
  readonly steer: (input: Inputs.SteerInput) => Effect.Effect<Schemas.TurnSteerResponse, CallError>
  readonly interrupt: Effect.Effect<Schemas.TurnInterruptResponse, CallError>
}

/** A thread on the cluster, identified by its key. */
export interface ClusterThread {
  readonly key: string
  /** Creates (or finds) the Codex thread and returns its id. */
  readonly open: Effect.Effect<string, CallError>
  /** Runs a turn and returns its result; a `failed` turn fails with `TurnFailedError`. */
  readonly run: {
    <S extends Schema.Top>(
      input: Inputs.RunInput,
      options: TurnOptions & { readonly outputSchema: S }
    ): Effect.Effect<
      Turn.TurnResultOf<S["Type"]>,
      TurnError | Errors.StructuredOutputError,
      S["DecodingServices"]
    >
    (input: Inputs.RunInput, options?: TurnOptions): Effect.Effect<Turn.TurnResult, TurnError>
  }
  /** Starts a turn and returns its handle once a runner has started it. */
  readonly turn: (input: Inputs.RunInput, options?: TurnOptions) => Effect.Effect<ClusterTurnHandle, TurnError>
  /**
   * Runs a turn as its stream of chunks: `Started`, its events, `Completed`. Each chunk has a
   * `seq` (1, 2, 3, …): after a move to another runner the stream goes on after the last chunk
   * it delivered (a re-run starts with `Started` and `attempt` 2).
   */
  readonly stream: (
    input: Inputs.RunInput,
    options?: TurnOptions
  ) => Stream.Stream<CodexThread.TurnChunk, TurnError>
  /** Adds input to the running turn; `NoActiveTurnError` when none runs. */
  readonly steer: (input: Inputs.SteerInput) => Effect.Effect<Schemas.TurnSteerResponse, CallError>
  /** Interrupts the running turn; `NoActiveTurnError` when none runs. */
  readonly interrupt: Effect.Effect<Schemas.TurnInterruptResponse, CallError>
  readonly read: (
    options?: { readonly includeTurns?: boolean | undefined }
  ) => Effect.Effect<Schemas.ThreadReadResponse, CallError>
  readonly setName: (name: string) => Effect.Effect<Schemas.ThreadSetNameResponse, CallError>
  readonly compact: Effect.Effect<Schemas.ThreadCompactStartResponse, CallError>
}

/** Deadlines of the client. */
export interface ClientOptions {
  /** Control calls (`open`, `read`, `steer`, …): default 30 seconds. */
  readonly requestTimeout?: Duration.Input | undefined
  /** Until a runner has started a turn (its `Started` chunk): default 30 seconds. */
  readonly startTimeout?: Duration.Input | undefined
  /** A whole turn: default 30 minutes. */
  readonly turnTimeout?: Duration.Input | undefined
  /** Chunks of a `turn` handle buffered while nobody reads them: default 4,096. */
  readonly bufferSize?: number | undefined
}

/** The service. */
export interface Service {
  /** A thread on the cluster (no message is sent until it is used); fails on a blank key. */
  readonly thread: (
    key: string,
    options?: ThreadOptions
  ) => Effect.Effect<ClusterThread, Errors.InvalidOptionError>
}

/** The `CodexCluster` service tag. */
export class CodexCluster extends Context.Service<CodexCluster, Service>()("@effect-codex/cluster/CodexCluster") {}

/**
 * A thread on the cluster, from the `CodexCluster` in context.
 *
 * @example
 * ```ts
 * const thread = yield* CodexCluster.thread("task-42", { model: "gpt-5.5" })
 * yield* thread.run("Fix the failing test")
 * ```
 */
export const thread = (
  key: string,
  options?: ThreadOptions
): Effect.Effect<ClusterThread, Errors.InvalidOptionError, CodexCluster> =>
  Effect.gen(function*() {
    const cluster = yield* CodexCluster
    return yield* cluster.thread(key, options)
  })

/** Builds the client on the `Sharding` in context. */
export const make = Effect.fnUntraced(function*(options: ClientOptions = {}) {
  const makeClient = yield* CodexThread.CodexThread.client
  const scope = yield* Effect.scope
  const requestTimeout = Duration.fromInputUnsafe(options.requestTimeout ?? "30 seconds")
  const startTimeout = Duration.fromInputUnsafe(options.startTimeout ?? "30 seconds")
  const turnTimeout = Duration.fromInputUnsafe(options.turnTimeout ?? "30 minutes")
  const bufferSize = options.bufferSize ?? 4096

  const makeThread = InternalThread.make(makeClient, {
    requestTimeout,
    startTimeout,
    turnTimeout,
    bufferSize,
    scope
  })

  return CodexCluster.of({
    thread: Effect.fn("CodexCluster.thread")(function*(key: string, start: ThreadOptions = {}) {
      return makeThread(yield* Options.nonEmpty("threadKey", key), Options.omitUndefined(start))
    })
  })
})

/** The client on the `Sharding` in context (a runner's, or a client-only process's). */
export const layer = (options: ClientOptions = {}): Layer.Layer<CodexCluster, never, Sharding.Sharding> =>
  Layer.effect(CodexCluster, make(options))

/**
 * The sharding timings this package documents and its layers use: a killed runner's threads
 * come back on a survivor after about 5–6 s (the defaults of `effect/cluster` take about 31 s).
 * `shardLockRefreshInterval` must stay at most a third of `shardLockExpiration`. Persisted messages
 * between processes travel through the database: runners look for new messages every 100 ms and
 * callers for replies every 50 ms (effect's defaults, 10 s and 200 ms, added ~200 ms to every turn
 * through a socket runner); shorter intervals cost more queries per second.
 */
export const shardingDefaults: Partial<ShardingConfig.ShardingConfig["Service"]> = {
  shardLockExpiration: Duration.seconds(5),
  shardLockRefreshInterval: Duration.seconds(1),
  refreshAssignmentsInterval: Duration.seconds(1),
  runnerHealthCheckInterval: Duration.seconds(2),
  entityMessagePollInterval: Duration.millis(100),
  entityReplyPollInterval: Duration.millis(50),
  entityTerminationTimeout: Duration.seconds(5)
}

/** Options of the layers that run `CodexThread` entities. */
export interface RunnerLayerOptions<A, E, R> {
  /** The layer that makes this runner's `Codex` (e.g. `NodeCodex.layer()`); its app-server serves every thread the runner owns. */
  readonly codex: Layer.Layer<Codex.Codex | A, E, R>
  /** The entities' options (`codexHome`, `workspace`, `maxIdleTime`); `codexHome` may read what `codex` provides. */
  readonly runner?: CodexThread.Options<NoInfer<Codex.Codex | A>> | undefined
  /** Sharding settings over `shardingDefaults` (and over the `ShardingConfig` environment variables). */
  readonly shardingConfig?: Partial<ShardingConfig.ShardingConfig["Service"]> | undefined
  /** The client's deadlines. */
  readonly client?: ClientOptions | undefined
}

/** The runner's entities, on `codex`, as a layer over `Sharding` and a `SqlClient`. */
const runnerEntities = <A, E, R>(options: RunnerLayerOptions<A, E, R>) =>
  CodexThread.layer(options.runner).pipe(Layer.provide(options.codex))

/**
 * One process, no server: a `SingleRunner` whose messages, replies and thread records live in a
 * SQLite file (on Node's built-in `node:sqlite`). Threads, their history and persisted turn
 * results survive a restart of the process; a turn that was running when the process died runs
 * again when its caller retries it with the same idempotency key. Also provides the `Sharding` and
 * its `MessageStorage`, for your own entities and workflows on the same runner (see `CodexWorkflow.layerEmbedded`).
 *
 * @example
 * ```ts
 * const Live = CodexCluster.layerEmbedded({ file: "codex.db", codex: NodeCodex.layer() })
 * ```
 */
export const layerEmbedded = <A, E, R>(
  options: RunnerLayerOptions<A, E, R> & {
    /** The SQLite database file (created if missing). */
    readonly file: string
  }
): Layer.Layer<
  CodexCluster | Sharding.Sharding | MessageStorage.MessageStorage,
  E | ConfigError.ConfigError | SqlError.SqlError,
  R
> => {
  const sql = SqliteClient.layer({ filename: options.file }).pipe(
    // WAL with synchronous=NORMAL: a commit survives the process dying (kill -9) without an fsync
    // each; only an OS crash can lose the last commits
    Layer.tap((context) => Effect.asVoid(Context.get(context, SqlClient.SqlClient)`PRAGMA synchronous = NORMAL`))
  )
  const sharding = SingleRunner.layer({ shardingConfig: { ...shardingDefaults, ...options.shardingConfig } }).pipe(
    Layer.provide(NodeCrypto.layerDigest),
    Layer.provideMerge(sql)
  )
  return Layer.merge(layer(options.client), runnerEntities(options)).pipe(Layer.provideMerge(sharding)) as Layer.Layer<
    CodexCluster | Sharding.Sharding | MessageStorage.MessageStorage,
    E | ConfigError.ConfigError | SqlError.SqlError,
    R
  >
}

/** Where a socket runner listens, and the database every runner and client shares. */
export interface SocketOptions {
  /** The cluster's SQL database (e.g. `PgClient.layer(...)` from `@effect/sql-pg`): runners, shard locks, messages, threads. */
  readonly sql: Layer.Layer<SqlClient.SqlClient, unknown>
  /** Sharding settings over `shardingDefaults`; keep `shardsPerGroup` equal on every runner and client. */
  readonly shardingConfig?: Partial<ShardingConfig.ShardingConfig["Service"]> | undefined
}

/**
 * A runner process of a multi-machine cluster: `NodeClusterSocket` (runners talk over TCP) with
 * its storage in `sql`, serving `CodexThread` entities on `codex`. Also provides a `CodexCluster`
 * client and the `Sharding` (for your own entities). `host`/`port` are the address other runners
 * reach this one at.
 *
 * @example
 * ```ts
 * import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
 * import * as PgClient from "@effect/sql-pg/PgClient"
 *
 * const Runner = CodexCluster.layerRunner({
 *   host: "10.0.0.5", port: 34431,
 *   sql: PgClient.layer({ host: "db", database: "codex", username: "codex" }),
 *   codex: NodeCodex.layer()
 * })
 * Layer.launch(Runner).pipe(NodeRuntime.runMain)
 * ```
 */
export const layerRunner = <A, E, R>(
  options: RunnerLayerOptions<A, E, R> & SocketOptions & {
    readonly host: string
    readonly port: number
    /**
     * How runners learn that a runner died: `"ping"` (default) or `"k8s"` (the pod's status from
     * the Kubernetes API, for runners in pods).
     */
    readonly runnerHealth?: "ping" | "k8s" | undefined
  }
): Layer.Layer<CodexCluster | Sharding.Sharding | MessageStorage.MessageStorage, unknown, R> => {
  const sharding = NodeClusterSocket.layer({
    storage: "sql",
    runnerHealth: options.runnerHealth ?? "ping",
    shardingConfig: {
      ...shardingDefaults,
      ...options.shardingConfig,
      runnerAddress: Option.some(RunnerAddress.make(options.host, options.port))
    }
  }).pipe(Layer.provideMerge(options.sql))
  return Layer.merge(layer(options.client), runnerEntities(options)).pipe(Layer.provideMerge(sharding)) as Layer.Layer<
    CodexCluster | Sharding.Sharding | MessageStorage.MessageStorage,
    unknown,
    R
  >
}

/**
 * A process that only calls threads (a web server, a queue consumer): it owns no shard and runs
 * no app-server; it finds the runners in the shared database. Also provides its `Sharding` and
 * `MessageStorage` (e.g. for `ClusterWorkflowEngine.layer`, to start and answer workflows).
 */
export const layerClientOnly = (
  options: SocketOptions & { readonly client?: ClientOptions | undefined }
): Layer.Layer<CodexCluster | Sharding.Sharding | MessageStorage.MessageStorage, unknown> =>
  layer(options.client).pipe(
    Layer.provideMerge(
      NodeClusterSocket.layer({
        clientOnly: true,
        storage: "sql",
        shardingConfig: { ...shardingDefaults, ...options.shardingConfig }
      }).pipe(Layer.provide(options.sql))
    )
  )
