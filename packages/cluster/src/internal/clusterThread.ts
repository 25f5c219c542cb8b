/**
 * A thread of the cluster client: each operation of `CodexCluster.ClusterThread` as a message to
 * the `CodexThread` entity that owns the key, under its deadline and its `CodexCluster.*` span; a
 * turn's chunks read back its result when the turn had already completed.
 *
 * @internal
 */
import type * as Schemas from "@effect-codex/core/generated/Schemas"
import type * as Inputs from "@effect-codex/core/Inputs"
import * as Turn from "@effect-codex/core/Turn"
import type * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as ClusterErrors from "../ClusterErrors.ts"
import type * as CodexCluster from "../CodexCluster.ts"
import type * as CodexThread from "../CodexThread.ts"
import * as Deadline from "./deadline.ts"
import * as Options from "./options.ts"

/** The client's deadlines, resolved, and where its turns' fibers live. */
export interface Settings {
  readonly requestTimeout: Duration.Duration
  readonly startTimeout: Duration.Duration
  readonly turnTimeout: Duration.Duration
  /** Chunks of a `turn` handle buffered while nobody reads them. */
  readonly bufferSize: number
  readonly scope: Scope.Scope
}

/** The threads of one client: a `ClusterThread` for a checked key and its thread options. */
export const make = (
  makeClient: Effect.Success<typeof CodexThread.CodexThread.client>,
  settings: Settings
) =>
(key: string, start: CodexCluster.ThreadOptions): CodexCluster.ClusterThread => {
  const { bufferSize, requestTimeout, scope, startTimeout, turnTimeout } = settings
  const client = makeClient(key)
  const span = { attributes: { threadKey: key } }
  const call = <A, E>(operation: string, effect: Effect.Effect<A, E>) =>
    Deadline.call(effect, { threadKey: key, operation, timeout: requestTimeout }).pipe(
      Effect.withSpan(`CodexCluster.${operation}`, span)
    )

  /**
   * The `Turn` stream of a checked payload, under its deadlines. A turn asked again after it
   * completed replays no chunk: its result is then read back (`Result`) as the last chunk.
   */
  const turnStream = (payload: CodexThread.TurnPayload, timeout: Duration.Input | undefined) =>
    Stream.suspend(() => {
      let last: CodexThread.TurnChunk | undefined
      const readBack = Effect.suspend(() =>
        last?._tag === "Completed"
          ? Effect.succeed([])
          : Effect.map(client.Result({ start, key: payload.key }), (result): Array<CodexThread.TurnChunk> => [{
            _tag: "Completed",
            seq: (last?.seq ?? 0) + 1,
            attempt: last?.attempt ?? 1,
            result
          }])
      )
      return Deadline.stream(
        client.Turn(payload).pipe(
          Stream.tap((chunk) =>
            Effect.sync(() => {
              last = chunk
            })
          ),
          Stream.concat(Stream.flattenIterable(Stream.fromEffect(readBack)))
        ),
        {
          threadKey: key,
          turnKey: payload.key,
          startTimeout,
          timeout: timeout === undefined ? turnTimeout : Duration.fromInputUnsafe(timeout)
        }
      )
    })

  const chunks = (input: Inputs.RunInput, turnOptions: CodexCluster.TurnOptions, events: boolean) =>
    Stream.unwrap(
      Effect.map(
        Options.turnPayload(input, turnOptions, start, events),
        (payload) => turnStream(payload, turnOptions.timeout)
      )
    )

  /** What a turn whose chunks ended before its `Completed` fails with. */
  const noResult = () =>
    new ClusterErrors.ClusterUnavailableError({
      threadKey: key,
      operation: "turn",
      message: `the turn on thread ${key} ended without a result`
    })

  const resultOf = <E>(stream: Stream.Stream<CodexThread.TurnChunk, E>) =>
    Effect.flatMap(Stream.runLast(stream), (last) =>
      last._tag === "Some" && last.value._tag === "Completed"
        ? Effect.succeed(last.value.result)
        : Effect.fail(noResult()))

  const steer = (input: Inputs.SteerInput) =>
    call("steer", client.Steer({ input })) as Effect.Effect<Schemas.TurnSteerResponse, CodexCluster.CallError>
  const interrupt = call("interrupt", client.Interrupt()) as Effect.Effect<
    Schemas.TurnInterruptResponse,
    CodexCluster.CallError
  >

  const run = (
    input: Inputs.RunInput,
    turnOptions: CodexCluster.TurnOptions = {}
  ): Effect.Effect<unknown, unknown, unknown> =>
    Effect.flatMap(
      resultOf(chunks(input, turnOptions, false)),
      (result) =>
        turnOptions.outputSchema !== undefined && Schema.isSchema(turnOptions.outputSchema)
          ? Turn.decodeOutput(result, turnOptions.outputSchema as Schema.Codec<unknown, unknown, unknown>)
          : Effect.succeed(result)
    ).pipe(Effect.withSpan("CodexCluster.run", span))

  const open = call("open", Effect.map(client.Open({ start }), (opened) => opened.threadId))

  const turn = Effect.fn("CodexCluster.turn", span)(
    function*(input: Inputs.RunInput, turnOptions: CodexCluster.TurnOptions = {}) {
      const queue = yield* Queue.bounded<CodexThread.TurnChunk, CodexCluster.TurnError | Cause.Done>(bufferSize)
      const started = yield* Deferred.make<CodexThread.TurnChunk, CodexCluster.TurnError>()
      const result = yield* Deferred.make<Turn.TurnResult, CodexCluster.TurnError>()
      const payload = yield* Options.turnPayload(input, turnOptions, start, true)
      yield* turnStream(payload, turnOptions.timeout).pipe(
        Stream.runForEach((chunk) =>
          Effect.gen(function*() {
            if (chunk._tag === "Completed") yield* Deferred.succeed(result, chunk.result)
            // the first chunk is `Started`, or `Completed` for a turn that had already completed
            if (!(yield* Deferred.isDone(started))) {
              yield* Deferred.succeed(started, chunk)
              if (chunk._tag === "Started") return
            }
            yield* Queue.offer(queue, chunk)
          })
        ),
        Effect.onExit((exit) =>
          exit._tag === "Success"
            ? Effect.andThen(
              Deferred.fail(result, noResult()),
              Queue.end(queue)
            )
            : Effect.andThen(
              Effect.all([Deferred.failCause(started, exit.cause), Deferred.failCause(result, exit.cause)]),
              Queue.failCause(queue, exit.cause)
            )
        ),
        Effect.forkIn(scope)
      )
      const first = yield* Deferred.await(started)
      const turnChunks = Stream.fromQueue(queue)
      const handle: CodexCluster.ClusterTurnHandle = {
        key: payload.key,
        threadId: first._tag === "Started" ? first.threadId : yield* open,
        id: first._tag === "Started" ? first.turnId : first._tag === "Completed" ? first.result.id : "",
        chunks: turnChunks,
        stream: turnChunks.pipe(
          Stream.filter((chunk) => chunk._tag === "Event"),
          Stream.map((chunk) => chunk.event)
        ),
        run: Effect.andThen(Stream.runDrain(turnChunks), Deferred.await(result)),
        steer,
        interrupt
      }
      return handle
    }
  )

  return {
    key,
    open,
    run: run as unknown as CodexCluster.ClusterThread["run"],
    turn,
    stream: (input, turnOptions = {}) =>
      chunks(input, turnOptions, true).pipe(Stream.withSpan("CodexCluster.stream", span)),
    steer,
    interrupt,
    read: (readOptions) =>
      call("read", client.Read({ start, includeTurns: readOptions?.includeTurns ?? false })) as Effect.Effect<
        Schemas.ThreadReadResponse,
        CodexCluster.CallError
      >,
    setName: (name) =>
      call("setName", client.SetName({ start, name })) as Effect.Effect<
        Schemas.ThreadSetNameResponse,
        CodexCluster.CallError
      >,
    compact: call("compact", client.Compact({ start })) as Effect.Effect<
      Schemas.ThreadCompactStartResponse,
      CodexCluster.CallError
    >
  }
}
