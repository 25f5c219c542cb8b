/**
 * `FakeModel`: a scripted OpenAI Responses API server on 127.0.0.1, for running the real
 * `codex app-server` offline.
 *
 * The real binary calls exactly one endpoint, `POST {base_url}/responses`, and reads a
 * `text/event-stream` reply. A `FakeModel` answers each such request with the next entry of a
 * first-in first-out script (`enqueue`), records the latest requests it gets (1,000 unless told
 * otherwise), and fails visibly when its script runs out.
 *
 * This module re-exports the script constructors of `FakeModelScript` and the request helpers of
 * `FakeModelRequest`, so one import serves a whole test.
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import { FakeModel } from "@effect-codex/testing"
 *
 * const program = Effect.gen(function*() {
 *   const fake = yield* FakeModel.FakeModel
 *   yield* fake.enqueue(
 *     FakeModel.execCommand("echo hi"),
 *     FakeModel.response([FakeModel.reasoning("Done thinking"), FakeModel.message("All done", { deltas: 3 })])
 *   )
 *   // ... point codex at fake.url (see CodexHome), run a turn ...
 *   const [, second] = yield* fake.waitForRequests(2)
 *   FakeModel.toolOutputs(second!) // [{ callId: "call_1", output: "...hi\n" }]
 * }).pipe(Effect.provide(FakeModel.layer))
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as HttpServerError from "effect/http/HttpServerError"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import { type RecordedRequest, summarize } from "./FakeModelRequest.ts"
import { failed, type Reply } from "./FakeModelScript.ts"
import * as HttpServer from "./internal/httpServer.ts"
import { render, unscriptedMessage } from "./internal/render.ts"
import * as RequestLog from "./internal/requestLog.ts"
import { eventStream } from "./internal/sse.ts"

/** Requests arrived that the script did not answer (it was empty, or the path was unknown). */
export class UnexpectedRequestsError extends Schema.TaggedError<UnexpectedRequestsError>(
  "@effect-codex/testing/FakeModel/UnexpectedRequestsError"
)("UnexpectedRequestsError", {
  message: Schema.String,
  /** The `index` of each unexpected request still in the log. */
  indices: Schema.Array(Schema.Number)
}) {}

/** Scripted replies were never used. */
export class UnusedRepliesError extends Schema.TaggedError<UnusedRepliesError>(
  "@effect-codex/testing/FakeModel/UnusedRepliesError"
)("UnusedRepliesError", {
  message: Schema.String,
  /** The `_tag` of each unused reply, in script order. */
  remaining: Schema.Array(Schema.String)
}) {}

/** An option of `makeWith`/`layerWith` is out of range. */
export class InvalidOptionsError extends Schema.TaggedError<InvalidOptionsError>(
  "@effect-codex/testing/FakeModel/InvalidOptionsError"
)("InvalidOptionsError", { message: Schema.String }) {}

/** Options of `makeWith` and `layerWith`. */
export interface Options {
  /**
   * How many of the latest requests the fake keeps for inspection (default 1,000); older ones are
   * dropped, unexpected ones are kept apart under the same bound. A positive integer, or `Infinity`
   * to keep every request.
   */
  readonly maxRecordedRequests?: number | undefined
}

/** The `FakeModel` service: a running fake Responses server. */
export interface Service {
  /** The provider `base_url`: `http://127.0.0.1:PORT/v1` (codex POSTs to `${url}/responses`). */
  readonly url: string
  readonly port: number
  /** Appends replies to the script; each `POST /responses` takes the next one. */
  readonly enqueue: (...replies: ReadonlyArray<Reply>) => Effect.Effect<void>
  /** The number of scripted replies not used yet. */
  readonly pending: Effect.Effect<number>
  /** The latest requests received (up to `maxRecordedRequests`), in arrival order. */
  readonly requests: Effect.Effect<ReadonlyArray<RecordedRequest>>
  /** How many requests arrived in all, including those no longer kept. */
  readonly requestCount: Effect.Effect<number>
  /**
   * Waits until at least `count` requests have arrived in all; returns the latest ones kept (all of
   * them while fewer than `maxRecordedRequests` arrived).
   */
  readonly waitForRequests: (count: number) => Effect.Effect<ReadonlyArray<RecordedRequest>>
  /** The latest requests that found the script empty, or had an unknown path. */
  readonly unexpectedRequests: Effect.Effect<ReadonlyArray<RecordedRequest>>
  /** The `index` of every request whose event stream the client closed before its end. */
  readonly disconnects: Effect.Effect<ReadonlyArray<number>>
  /** Waits until the client has closed the event stream of request `index` before its end. */
  readonly waitForDisconnect: (index: number) => Effect.Effect<void>
  /** Fails if any request was unexpected. */
  readonly assertNoUnexpectedRequests: Effect.Effect<void, UnexpectedRequestsError>
  /** Fails if any request was unexpected, or any scripted reply is unused. */
  readonly assertDrained: Effect.Effect<void, UnexpectedRequestsError | UnusedRepliesError>
}

/** The `FakeModel` service tag. */
export class FakeModel extends Context.Service<FakeModel, Service>()("@effect-codex/testing/FakeModel") {}

interface State {
  readonly script: ReadonlyArray<Reply>
  readonly requests: RequestLog.RequestLog
  readonly unexpected: RequestLog.RequestLog
  readonly disconnects: ReadonlyArray<number>
}

const responsesPath = "/v1/responses"

const capacityOf = (options: Options): Effect.Effect<number, InvalidOptionsError> => {
  const capacity = options.maxRecordedRequests ?? RequestLog.defaultCapacity
  return capacity === Infinity || (Number.isSafeInteger(capacity) && capacity >= 1)
    ? Effect.succeed(capacity)
    : Effect.fail(
      new InvalidOptionsError({
        message: `FakeModel: maxRecordedRequests must be a positive integer or Infinity, got ${String(capacity)}`
      })
    )
}

/**
 * Starts a fake Responses server on 127.0.0.1 (random port) in the current scope. Closing the
 * scope ends every open event stream (stalled ones included) and closes the server.
 */
export const makeWith = Effect.fn("FakeModel.makeWith")(function*(
  options: Options = {}
): Effect.fn.Return<Service, HttpServerError.ServeError | InvalidOptionsError, Scope.Scope> {
  const capacity = yield* capacityOf(options)
  const state = yield* SubscriptionRef.make<State>({
    script: [],
    requests: RequestLog.empty(capacity),
    unexpected: RequestLog.empty(capacity),
    disconnects: []
  })
  const closing = yield* Deferred.make<void>()

  /** Waits (without polling) for the first state, current or future, that satisfies `predicate`. */
  const waitFor = (predicate: (state: State) => boolean): Effect.Effect<State> =>
    SubscriptionRef.changes(state).pipe(
      Stream.filter(predicate),
      Stream.runHead,
      Effect.flatMap(Option.match({ onNone: () => Effect.never, onSome: Effect.succeed }))
    )

  /** Records a request and, for the Responses path, takes the next scripted reply atomically. */
  const receive = (incoming: HttpServer.Incoming, scripted: boolean) =>
    SubscriptionRef.modify(state, (s): readonly [readonly [RecordedRequest, Reply | undefined], State] => {
      const recorded = RequestLog.record(s.requests.total + 1, incoming)
      const reply = scripted ? s.script[0] : undefined
      return [[recorded, reply], {
        ...s,
        requests: RequestLog.append(s.requests, recorded),
        script: reply === undefined ? s.script : s.script.slice(1),
        unexpected: reply === undefined ? RequestLog.append(s.unexpected, recorded) : s.unexpected
      }]
    })

  /** The event stream of request `index`; a client that leaves before its end is a disconnect. */
  const events = (index: number, reply: Reply): HttpServer.Outgoing => ({
    _tag: "Stream",
    contentType: "text/event-stream",
    headers: { "cache-control": "no-cache" },
    body: eventStream(render(reply, index), reply._tag === "Stall").pipe(
      Stream.interruptWhen(Deferred.await(closing)),
      Stream.onExit((exit) =>
        Exit.isSuccess(exit) ?
          Effect.void :
          Effect.flatMap(Deferred.isDone(closing), (closed) =>
            closed ? Effect.void : SubscriptionRef.update(state, (s) => ({
              ...s,
              disconnects: [...s.disconnects, index]
            })))
      )
    )
  })

  const handle = (incoming: HttpServer.Incoming): Effect.Effect<HttpServer.Outgoing> => {
    if (incoming.method === "POST" && incoming.path === responsesPath) {
      return Effect.map(receive(incoming, true), ([recorded, reply]) => {
        if (reply === undefined) {
          return events(recorded.index, failed(unscriptedMessage(recorded.index), { code: "fake_model_unscripted" }))
        }
        return reply._tag === "HttpError"
          ? {
            _tag: "Text",
            status: reply.status,
            contentType: reply.contentType,
            headers: reply.headers,
            body: reply.body
          }
          : events(recorded.index, reply)
      })
    }
    return Effect.map(receive(incoming, false), ([recorded]) => ({
      _tag: "Text",
      status: 404,
      contentType: "application/json",
      headers: {},
      body: JSON.stringify({
        error: { message: `FakeModel: unexpected request ${summarize(recorded)}`, type: "not_found" }
      })
    }))
  }

  const { port } = yield* HttpServer.serve(handle)
  // Added after `serve`, so it runs first on close: open streams end as closed, not as disconnects.
  yield* Effect.addFinalizer(() => Deferred.succeed(closing, undefined))

  const assertNoUnexpectedRequests = Effect.flatMap(
    SubscriptionRef.get(state),
    ({ unexpected }) =>
      unexpected.total === 0 ? Effect.void : Effect.fail(
        new UnexpectedRequestsError({
          message: `FakeModel: ${unexpected.total} unexpected request(s): ${
            unexpected.entries.map(summarize).join("; ")
          }`,
          indices: unexpected.entries.map((r) => r.index)
        })
      )
  )

  return FakeModel.of({
    url: `http://127.0.0.1:${port}/v1`,
    port,
    enqueue: Effect.fn("FakeModel.enqueue")(function*(...replies: ReadonlyArray<Reply>) {
      yield* SubscriptionRef.update(state, (s) => ({ ...s, script: [...s.script, ...replies] }))
    }),
    pending: Effect.map(SubscriptionRef.get(state), (s) => s.script.length),
    requests: Effect.map(SubscriptionRef.get(state), (s) => s.requests.entries),
    requestCount: Effect.map(SubscriptionRef.get(state), (s) => s.requests.total),
    waitForRequests: Effect.fn("FakeModel.waitForRequests")(function*(count: number) {
      const s = yield* waitFor((s) => s.requests.total >= count)
      return s.requests.entries
    }),
    unexpectedRequests: Effect.map(SubscriptionRef.get(state), (s) => s.unexpected.entries),
    disconnects: Effect.map(SubscriptionRef.get(state), (s) => s.disconnects),
    waitForDisconnect: Effect.fn("FakeModel.waitForDisconnect")(function*(index: number) {
      yield* waitFor((s) => s.disconnects.includes(index))
    }),
    assertNoUnexpectedRequests: Effect.withSpan(assertNoUnexpectedRequests, "FakeModel.assertNoUnexpectedRequests"),
    assertDrained: Effect.gen(function*() {
      yield* assertNoUnexpectedRequests
      const { script } = yield* SubscriptionRef.get(state)
      if (script.length > 0) {
        const remaining = script.map((r) => r._tag)
        const what = script.length === 1 ? "reply was" : "replies were"
        return yield* new UnusedRepliesError({
          message: `FakeModel: ${script.length} scripted ${what} never used: ${remaining.join(", ")}`,
          remaining
        })
      }
    }).pipe(Effect.withSpan("FakeModel.assertDrained"))
  })
})

/** `makeWith()` with the default options. */
export const make: Effect.Effect<Service, HttpServerError.ServeError | InvalidOptionsError, Scope.Scope> = makeWith()

/** A `FakeModel` server with these options, for the lifetime of the layer. */
export const layerWith = (
  options: Options = {}
): Layer.Layer<FakeModel, HttpServerError.ServeError | InvalidOptionsError> =>
  Layer.effect(FakeModel, makeWith(options))

/** A `FakeModel` server with the default options, for the lifetime of the layer. */
export const layer: Layer.Layer<FakeModel, HttpServerError.ServeError | InvalidOptionsError> = layerWith()

// The script constructors and the request helpers, so that one import serves a whole test.
export type { JsonObject, RecordedRequest, ToolOutput } from "./FakeModelRequest.ts"
export {
  header,
  images,
  inputItems,
  lastUserText,
  messageTexts,
  model,
  outputSchema,
  reasoningSettings,
  summarize,
  toolDefinition,
  toolNames,
  toolOutput,
  toolOutputs,
  userTexts
} from "./FakeModelRequest.ts"
export type {
  CallOptions,
  CustomToolCallItem,
  EventData,
  ExecCommandOptions,
  Fail,
  FunctionCallItem,
  HttpError,
  HttpErrorOptions,
  MessageItem,
  MessageOptions,
  OutputItem,
  PatchOperation,
  Phase,
  Raw,
  ReasoningItem,
  ReasoningOptions,
  Reply,
  Respond,
  ResponseOptions,
  Stall,
  Usage
} from "./FakeModelScript.ts"
export {
  addFile,
  applyPatch,
  applyPatchCommand,
  customToolCall,
  defaultJustification,
  defaultUsage,
  deleteFile,
  execCommand,
  execCommandArguments,
  failed,
  functionCall,
  httpError,
  message,
  patchText,
  raw,
  reasoning,
  response,
  stall,
  toolCall,
  updateFile
} from "./FakeModelScript.ts"
