/**
 * `FakeModel`: a scripted OpenAI Responses API server on 127.0.0.1, for running the real
 * `codex app-server` offline.
 *
 * The real binary calls exactly one endpoint, `POST {base_url}/responses`, and reads a
 * `text/event-stream` reply (`event: <type>\ndata: <json>\n\n`). A `FakeModel` answers each such
 * request with the next entry of a first-in first-out script (`enqueue`), records every request it
 * gets, and fails visibly when its script runs out.
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
 *   FakeModel.toolOutputs(second) // [{ callId: "call_1", output: "...hi\n" }]
 * }).pipe(Effect.provide(FakeModel.layer))
 * ```
 *
 * @since 0.1.0
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as HttpRouter from "effect/http/HttpRouter"
import type * as HttpServerError from "effect/http/HttpServerError"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as Http from "node:http"

// =============================================================================
// Script: pure data
// =============================================================================

/** The `phase` of an assistant message (put on the message item as `phase`). */
export type Phase = "commentary" | "final_answer"

/** An assistant message output item. */
export interface MessageItem {
  readonly _tag: "Message"
  readonly text: string
  /** Number of `response.output_text.delta` events the text is split into (0: none). */
  readonly deltas: number
  /** Pause before each delta and before the item's `response.output_item.done`. */
  readonly delayMs: number
  readonly phase: Phase | undefined
  /** Item id; defaults to `msg_<request>` (`msg_<request>_<outputIndex>` after the first item). */
  readonly id: string | undefined
}

/** A reasoning output item with summary parts, each streamed as summary text deltas. */
export interface ReasoningItem {
  readonly _tag: "Reasoning"
  readonly summary: ReadonlyArray<string>
  /** Number of `response.reasoning_summary_text.delta` events per summary part. */
  readonly deltas: number
  readonly delayMs: number
  readonly id: string | undefined
}

/** A `function_call` output item (a tool call: `exec_command`, or any other function). */
export interface FunctionCallItem {
  readonly _tag: "FunctionCall"
  readonly name: string
  /** The JSON-encoded arguments, exactly as sent. */
  readonly arguments: string
  /** Defaults to `call_<request>` (`call_<request>_<outputIndex>` after the first item). */
  readonly callId: string | undefined
  readonly id: string | undefined
}

/** A `custom_tool_call` output item (a freeform tool call with a raw `input`). */
export interface CustomToolCallItem {
  readonly _tag: "CustomToolCall"
  readonly name: string
  readonly input: string
  readonly callId: string | undefined
  readonly id: string | undefined
}

/** One output item of a scripted response. */
export type OutputItem = MessageItem | ReasoningItem | FunctionCallItem | CustomToolCallItem

/** Token usage reported in `response.completed`. */
export interface Usage {
  readonly inputTokens: number
  readonly cachedInputTokens: number
  readonly outputTokens: number
  readonly reasoningOutputTokens: number
}

/** The usage every scripted response reports unless told otherwise. */
export const defaultUsage: Usage = { inputTokens: 10, cachedInputTokens: 0, outputTokens: 5, reasoningOutputTokens: 0 }

/** A successful streamed response: `response.created`, the items' events, `response.completed`. */
export interface Respond {
  readonly _tag: "Respond"
  readonly items: ReadonlyArray<OutputItem>
  readonly usage: Usage
  /** Response id; defaults to `resp_<request>`. */
  readonly id: string | undefined
}

/** A streamed `response.failed` (after `response.created`). */
export interface Fail {
  readonly _tag: "Fail"
  readonly message: string
  readonly code: string
}

/** A plain HTTP error reply (no event stream). */
export interface HttpError {
  readonly _tag: "HttpError"
  readonly status: number
  readonly body: string
  readonly contentType: string
  readonly headers: Readonly<Record<string, string>>
}

/**
 * A stream that stalls: `response.created`, a message item with its first deltas, then nothing,
 * until the client disconnects or the `FakeModel` scope closes. For interrupt and steer tests.
 */
export interface Stall {
  readonly _tag: "Stall"
  readonly text: string
  readonly deltas: number
  readonly id: string | undefined
}

/** A raw event of the Responses stream; `type` is also used as the SSE `event:` name. */
export interface EventData {
  readonly type: string
  readonly [key: string]: unknown
}

/** Arbitrary events, sent as they are (nothing is added, not even `response.completed`). */
export interface Raw {
  readonly _tag: "Raw"
  readonly events: ReadonlyArray<EventData>
  readonly delayMs: number
}

/** What the fake answers to one `POST /responses`. */
export type Reply = Respond | Fail | HttpError | Stall | Raw

/** Options of `response`. */
export interface ResponseOptions {
  readonly usage?: Partial<Usage> | undefined
  readonly id?: string | undefined
}

const respond = (items: ReadonlyArray<OutputItem>, options?: ResponseOptions): Respond => ({
  _tag: "Respond",
  items,
  usage: { ...defaultUsage, ...options?.usage },
  id: options?.id
})

/**
 * One response made of the items of several responses, in order; e.g. a reasoning item and then a
 * message: `response([reasoning("Thinking"), message("Done")])`.
 */
export const response = (parts: ReadonlyArray<Respond | OutputItem>, options?: ResponseOptions): Respond =>
  respond(parts.flatMap((part) => part._tag === "Respond" ? part.items : [part]), options)

/** Options of `message`. */
export interface MessageOptions extends ResponseOptions {
  /** Number of text deltas (default 1; 0 sends the text only in `response.output_item.done`). */
  readonly deltas?: number | undefined
  /** Pause before each delta and before the item's done event (default 0). */
  readonly delayMs?: number | undefined
  readonly phase?: Phase | undefined
  readonly itemId?: string | undefined
}

/** A response with one assistant message, streamed in `deltas` text deltas. */
export const message = (text: string, options?: MessageOptions): Respond =>
  respond([{
    _tag: "Message",
    text,
    deltas: options?.deltas ?? 1,
    delayMs: options?.delayMs ?? 0,
    phase: options?.phase,
    id: options?.itemId
  }], options)

/** Options of `reasoning`. */
export interface ReasoningOptions extends ResponseOptions {
  /** Number of summary text deltas per summary part (default 1). */
  readonly deltas?: number | undefined
  readonly delayMs?: number | undefined
  readonly itemId?: string | undefined
}

/**
 * A response with one reasoning item (one summary part per string). Combine it with a message
 * through `response([reasoning(...), message(...)])`.
 */
export const reasoning = (summary: string | ReadonlyArray<string>, options?: ReasoningOptions): Respond =>
  respond([{
    _tag: "Reasoning",
    summary: typeof summary === "string" ? [summary] : summary,
    deltas: options?.deltas ?? 1,
    delayMs: options?.delayMs ?? 0,
    id: options?.itemId
  }], options)

/** Options of `functionCall` and `customToolCall`. */
export interface CallOptions extends ResponseOptions {
  readonly callId?: string | undefined
  readonly itemId?: string | undefined
}

/** A response with one `function_call` item; object arguments are JSON-encoded. */
export const functionCall = (name: string, args: string | object, options?: CallOptions): Respond =>
  respond([{
    _tag: "FunctionCall",
    name,
    arguments: typeof args === "string" ? args : JSON.stringify(args),
    callId: options?.callId,
    id: options?.itemId
  }], options)

/** A response with one `custom_tool_call` item (freeform `input`). */
export const customToolCall = (name: string, input: string, options?: CallOptions): Respond =>
  respond([{ _tag: "CustomToolCall", name, input, callId: options?.callId, id: options?.itemId }], options)

/** Options of `execCommand`. */
export interface ExecCommandOptions extends CallOptions {
  /**
   * Ask to run outside the sandbox: adds `"sandbox_permissions":"require_escalated"` and a
   * `justification` (the string given, or a default one).
   */
  readonly escalate?: boolean | string | undefined
  readonly workdir?: string | undefined
  /** `login` argument (default `false`, so no login shell sources a profile). */
  readonly login?: boolean | undefined
  /** `yield_time_ms` argument (default 1000). */
  readonly yieldTimeMs?: number | undefined
}

/** The default justification sent by `execCommand(cmd, { escalate: true })`. */
export const defaultJustification = "FakeModel wants to run this outside the sandbox"

/** The JSON arguments of an `exec_command` call, as `execCommand` encodes them. */
export const execCommandArguments = (cmd: string, options?: ExecCommandOptions): string =>
  JSON.stringify({
    cmd,
    ...(options?.workdir === undefined ? {} : { workdir: options.workdir }),
    login: options?.login ?? false,
    yield_time_ms: options?.yieldTimeMs ?? 1000,
    ...(options?.escalate === undefined || options.escalate === false ? {} : {
      sandbox_permissions: "require_escalated",
      justification: options.escalate === true ? defaultJustification : options.escalate
    })
  })

/** A response with one shell command call: a `function_call` of the `exec_command` tool. */
export const execCommand = (cmd: string, options?: ExecCommandOptions): Respond =>
  functionCall("exec_command", execCommandArguments(cmd, options), options)

/** One operation of an `apply_patch` patch. */
export type PatchOperation =
  | { readonly _tag: "AddFile"; readonly path: string; readonly content: string }
  | { readonly _tag: "DeleteFile"; readonly path: string }
  | { readonly _tag: "UpdateFile"; readonly path: string; readonly from: string; readonly to: string }

const lines = (text: string): ReadonlyArray<string> => {
  const all = text.split("\n")
  return all[all.length - 1] === "" ? all.slice(0, -1) : all
}

/** Patch operation: create `path` with `content` (each line of it gets a trailing newline). */
export const addFile = (path: string, content: string): PatchOperation => ({ _tag: "AddFile", path, content })

/** Patch operation: delete `path`. */
export const deleteFile = (path: string): PatchOperation => ({ _tag: "DeleteFile", path })

/** Patch operation: in `path`, replace the consecutive lines `from` by the lines `to`. */
export const updateFile = (path: string, change: { readonly from: string; readonly to: string }): PatchOperation => ({
  _tag: "UpdateFile",
  path,
  from: change.from,
  to: change.to
})

/** The `*** Begin Patch` ... `*** End Patch` text of some patch operations. */
export const patchText = (operations: ReadonlyArray<PatchOperation>): string => {
  const body = operations.flatMap((op): ReadonlyArray<string> => {
    switch (op._tag) {
      case "AddFile":
        return [`*** Add File: ${op.path}`, ...lines(op.content).map((line) => `+${line}`)]
      case "DeleteFile":
        return [`*** Delete File: ${op.path}`]
      case "UpdateFile":
        return [
          `*** Update File: ${op.path}`,
          "@@",
          ...lines(op.from).map((line) => `-${line}`),
          ...lines(op.to).map((line) => `+${line}`)
        ]
    }
  })
  return ["*** Begin Patch", ...body, "*** End Patch"].join("\n")
}

/** The `exec_command` `cmd` that applies a patch: `apply_patch <<'EOF'\n...\nEOF\n`. */
export const applyPatchCommand = (patch: string | ReadonlyArray<PatchOperation>): string =>
  `apply_patch <<'EOF'\n${typeof patch === "string" ? patch : patchText(patch)}\nEOF\n`

/**
 * A response with a file change: an `exec_command` call in the `apply_patch` heredoc form, which
 * codex turns into a `fileChange` item. Takes patch operations or a whole patch text.
 */
export const applyPatch = (patch: string | ReadonlyArray<PatchOperation>, options?: CallOptions): Respond =>
  functionCall("exec_command", execCommandArguments(applyPatchCommand(patch)), options)

/** A failed response: `response.created` then `response.failed` with this error message. */
export const failed = (errorMessage: string, options?: { readonly code?: string | undefined }): Fail => ({
  _tag: "Fail",
  message: errorMessage,
  code: options?.code ?? "server_error"
})

/** Options of `httpError`. */
export interface HttpErrorOptions {
  /** A string is sent as is; anything else as JSON. Default: an OpenAI-style error object. */
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/** A plain HTTP error status (e.g. 500, 401, 429) with a body, instead of an event stream. */
export const httpError = (status: number, options?: HttpErrorOptions): HttpError => {
  const body = options?.body ?? {
    error: { message: `FakeModel: HTTP ${status}`, type: status >= 500 ? "server_error" : "invalid_request_error" }
  }
  return {
    _tag: "HttpError",
    status,
    body: typeof body === "string" ? body : JSON.stringify(body),
    contentType: typeof body === "string" ? "text/plain" : "application/json",
    headers: options?.headers ?? {}
  }
}

/** A stream that sends `response.created` and the first `deltas` deltas of `text`, then stalls. */
export const stall = (
  options?: { readonly text?: string | undefined; readonly deltas?: number | undefined; readonly itemId?: string }
): Stall => ({
  _tag: "Stall",
  text: options?.text ?? "Working on it",
  deltas: options?.deltas ?? 1,
  id: options?.itemId
})

/** Raw events, sent in order with an optional pause before each one after the first. */
export const raw = (events: ReadonlyArray<EventData>, options?: { readonly delayMs?: number | undefined }): Raw => ({
  _tag: "Raw",
  events,
  delayMs: options?.delayMs ?? 0
})

// =============================================================================
// Rendering a reply to events (pure)
// =============================================================================

/** One event to send, after a pause. */
export interface TimedEvent {
  readonly delayMs: number
  readonly data: EventData
}

/** Splits `text` into `count` non-empty pieces (fewer if the text is shorter). */
export const splitDeltas = (text: string, count: number): ReadonlyArray<string> => {
  const chars = Array.from(text)
  const pieces = Math.min(Math.max(0, Math.floor(count)), chars.length)
  return Array.from(
    { length: pieces },
    (_, i) =>
      chars.slice(Math.floor((chars.length * i) / pieces), Math.floor((chars.length * (i + 1)) / pieces)).join("")
  )
}

const now = (data: EventData): TimedEvent => ({ delayMs: 0, data })
const after = (delayMs: number, data: EventData): TimedEvent => ({ delayMs, data })

const usageJson = (usage: Usage) => ({
  input_tokens: usage.inputTokens,
  input_tokens_details: { cached_tokens: usage.cachedInputTokens },
  output_tokens: usage.outputTokens,
  output_tokens_details: { reasoning_tokens: usage.reasoningOutputTokens },
  total_tokens: usage.inputTokens + usage.outputTokens
})

const messageJson = (id: string, phase: Phase | undefined, status: string, content: ReadonlyArray<unknown>) => ({
  type: "message",
  role: "assistant",
  id,
  status,
  content,
  ...(phase === undefined ? {} : { phase })
})

const textDelta = (itemId: string, outputIndex: number, delta: string): EventData => ({
  type: "response.output_text.delta",
  item_id: itemId,
  output_index: outputIndex,
  content_index: 0,
  delta
})

const renderItem = (item: OutputItem, outputIndex: number, suffix: string): ReadonlyArray<TimedEvent> => {
  const output_index = outputIndex
  switch (item._tag) {
    case "Message": {
      const id = item.id ?? `msg_${suffix}`
      return [
        now({ type: "response.output_item.added", output_index, item: messageJson(id, item.phase, "in_progress", []) }),
        ...splitDeltas(item.text, item.deltas).map((delta) => after(item.delayMs, textDelta(id, output_index, delta))),
        after(item.delayMs, {
          type: "response.output_item.done",
          output_index,
          item: messageJson(id, item.phase, "completed", [{ type: "output_text", text: item.text, annotations: [] }])
        })
      ]
    }
    case "Reasoning": {
      const id = item.id ?? `rs_${suffix}`
      return [
        now({ type: "response.output_item.added", output_index, item: { type: "reasoning", id, summary: [] } }),
        ...item.summary.flatMap((text, summary_index) => [
          now({
            type: "response.reasoning_summary_part.added",
            item_id: id,
            output_index,
            summary_index,
            part: { type: "summary_text", text: "" }
          }),
          ...splitDeltas(text, item.deltas).map((delta) =>
            after(item.delayMs, {
              type: "response.reasoning_summary_text.delta",
              item_id: id,
              output_index,
              summary_index,
              delta
            })
          )
        ]),
        after(item.delayMs, {
          type: "response.output_item.done",
          output_index,
          item: { type: "reasoning", id, summary: item.summary.map((text) => ({ type: "summary_text", text })) }
        })
      ]
    }
    case "FunctionCall":
      return [now({
        type: "response.output_item.done",
        output_index,
        item: {
          type: "function_call",
          id: item.id ?? `fc_${suffix}`,
          call_id: item.callId ?? `call_${suffix}`,
          name: item.name,
          arguments: item.arguments
        }
      })]
    case "CustomToolCall":
      return [now({
        type: "response.output_item.done",
        output_index,
        item: {
          type: "custom_tool_call",
          id: item.id ?? `ctc_${suffix}`,
          call_id: item.callId ?? `call_${suffix}`,
          name: item.name,
          input: item.input
        }
      })]
  }
}

/** The message of the `response.failed` sent when the script is empty. */
export const unscriptedMessage = (requestIndex: number): string =>
  `FakeModel: no scripted response left (request #${requestIndex})`

/**
 * The events a reply produces for the request numbered `requestIndex` (1-based). Ids are
 * deterministic: `resp_<n>`, and per item `msg_<n>`, `rs_<n>`, `fc_<n>`/`call_<n>` (with
 * `_<outputIndex>` appended after the first item). `HttpError` has no events.
 */
export const render = (reply: Reply, requestIndex: number): ReadonlyArray<TimedEvent> => {
  const responseId = `resp_${requestIndex}`
  switch (reply._tag) {
    case "Respond": {
      const id = reply.id ?? responseId
      return [
        now({ type: "response.created", response: { id } }),
        ...reply.items.flatMap((item, i) => renderItem(item, i, i === 0 ? `${requestIndex}` : `${requestIndex}_${i}`)),
        now({ type: "response.completed", response: { id, usage: usageJson(reply.usage) } })
      ]
    }
    case "Fail":
      return [
        now({ type: "response.created", response: { id: responseId } }),
        now({
          type: "response.failed",
          response: { id: responseId, error: { code: reply.code, message: reply.message } }
        })
      ]
    case "Stall": {
      const id = reply.id ?? `msg_${requestIndex}`
      return [
        now({ type: "response.created", response: { id: responseId } }),
        now({
          type: "response.output_item.added",
          output_index: 0,
          item: messageJson(id, undefined, "in_progress", [])
        }),
        ...splitDeltas(reply.text, reply.deltas).map((delta) => now(textDelta(id, 0, delta)))
      ]
    }
    case "Raw":
      return reply.events.map((data, i) => after(i === 0 ? 0 : reply.delayMs, data))
    case "HttpError":
      return []
  }
}

/** Encodes one event in the SSE wire format: `event: <type>\ndata: <json>\n\n`. */
export const encodeEvent = (data: EventData): string => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`

// =============================================================================
// Recorded requests
// =============================================================================

/** A request the fake received, as it arrived. */
export interface RecordedRequest {
  /** 1-based arrival number (over every request, whatever its path). */
  readonly index: number
  readonly method: string
  /** The URL path, e.g. `/v1/responses`. */
  readonly path: string
  /** Headers, with lower-case names. */
  readonly headers: Readonly<Record<string, string>>
  /** The raw body text. */
  readonly bodyText: string
  /** The body parsed as JSON (`undefined` when it is empty or not JSON). */
  readonly body: unknown
}

/** A JSON object, as found in a request body. */
export type JsonObject = { readonly [key: string]: unknown }

const isObject = (u: unknown): u is JsonObject => typeof u === "object" && u !== null && !Array.isArray(u)

const field = (u: unknown, key: string): unknown => isObject(u) ? u[key] : undefined

const objects = (u: unknown): ReadonlyArray<JsonObject> => Array.isArray(u) ? u.filter(isObject) : []

/** The `input` items of a Responses request body. */
export const inputItems = (request: RecordedRequest): ReadonlyArray<JsonObject> => objects(field(request.body, "input"))

const contentText = (content: unknown): string =>
  typeof content === "string" ? content : objects(content).flatMap((part) => {
    const text = part["text"]
    return typeof text === "string" ? [text] : []
  }).join("")

/** The text of every `input` message with this role, in order. */
export const messageTexts = (request: RecordedRequest, role: string): ReadonlyArray<string> =>
  inputItems(request)
    .filter((item) => (item["type"] === undefined || item["type"] === "message") && item["role"] === role)
    .map((item) => contentText(item["content"]))

/**
 * The text of every `role:"user"` input message, in order. Codex injects its own user messages
 * (`<environment_context>`, AGENTS.md, `<turn_aborted>`, ...), so select by content, not position.
 */
export const userTexts = (request: RecordedRequest): ReadonlyArray<string> => messageTexts(request, "user")

/** The text of the last `role:"user"` input message, if any. */
export const lastUserText = (request: RecordedRequest): string | undefined => {
  const texts = userTexts(request)
  return texts[texts.length - 1]
}

/** The `image_url` of every `input_image` part of the input messages, in order. */
export const images = (request: RecordedRequest): ReadonlyArray<string> =>
  inputItems(request).flatMap((item) =>
    objects(item["content"]).flatMap((part) => {
      const url = part["image_url"]
      return part["type"] === "input_image" && typeof url === "string" ? [url] : []
    })
  )

/** A tool result sent back to the model (`function_call_output` or `custom_tool_call_output`). */
export interface ToolOutput {
  readonly type: string
  /** The `call_id`; `undefined` for an `ExternalMessage`'s output, which answers no call. */
  readonly callId: string | undefined
  /** The tool `name`, when the item carries one (an `ExternalMessage`'s output does). */
  readonly name?: string
  /** The tool `namespace`, when the item carries one. */
  readonly namespace?: string
  /** The output text (the texts of its content parts joined, when it is not a string). */
  readonly output: string
}

/** Every tool result in the input, in order (with a `call_id` or a `name`). */
export const toolOutputs = (request: RecordedRequest): ReadonlyArray<ToolOutput> =>
  inputItems(request).flatMap((item) => {
    const type = item["type"]
    const callId = item["call_id"]
    const name = item["name"]
    const namespace = item["namespace"]
    return (type === "function_call_output" || type === "custom_tool_call_output") &&
        (typeof callId === "string" || typeof name === "string")
      ? [{
        type,
        callId: typeof callId === "string" ? callId : undefined,
        ...(typeof name === "string" ? { name } : {}),
        ...(typeof namespace === "string" ? { namespace } : {}),
        output: contentText(item["output"])
      }]
      : []
  })

/** The names of the tools offered to the model (the `type` for tools without a name). */
export const toolNames = (request: RecordedRequest): ReadonlyArray<string> =>
  objects(field(request.body, "tools")).flatMap((tool) => {
    const name = tool["name"] ?? tool["type"]
    return typeof name === "string" ? [name] : []
  })

/** The requested `model`. */
export const model = (request: RecordedRequest): string | undefined => {
  const value = field(request.body, "model")
  return typeof value === "string" ? value : undefined
}

/** The structured-output JSON Schema (`text.format.schema`), if any. */
export const outputSchema = (request: RecordedRequest): unknown =>
  field(field(field(request.body, "text"), "format"), "schema")

/** The `reasoning` settings (`effort`, `summary`), if any. */
export const reasoningSettings = (
  request: RecordedRequest
): { readonly effort?: string; readonly summary?: string } | undefined => {
  const value = field(request.body, "reasoning")
  if (!isObject(value)) return undefined
  const effort = value["effort"]
  const summary = value["summary"]
  return {
    ...(typeof effort === "string" ? { effort } : {}),
    ...(typeof summary === "string" ? { summary } : {})
  }
}

/** A header of the request (case-insensitive name). */
export const header = (request: RecordedRequest, name: string): string | undefined =>
  request.headers[name.toLowerCase()]

const describeRequest = (request: RecordedRequest): string => {
  const text = lastUserText(request)
  return `#${request.index} ${request.method} ${request.path}` +
    (text === undefined ? "" : ` (last user text: ${JSON.stringify(text.slice(0, 80))})`)
}

// =============================================================================
// Errors
// =============================================================================

/** Requests arrived that the script did not answer (it was empty, or the path was unknown). */
export class UnexpectedRequestsError extends Schema.TaggedError<UnexpectedRequestsError>(
  "@effect-codex/testing/FakeModel/UnexpectedRequestsError"
)("UnexpectedRequestsError", {
  message: Schema.String,
  /** The `index` of each unexpected request. */
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

// =============================================================================
// Service
// =============================================================================

/** The `FakeModel` service: a running fake Responses server. */
export interface Service {
  /** The provider `base_url`: `http://127.0.0.1:PORT/v1` (codex POSTs to `${url}/responses`). */
  readonly url: string
  readonly port: number
  /** Appends replies to the script; each `POST /responses` takes the next one. */
  readonly enqueue: (...replies: ReadonlyArray<Reply>) => Effect.Effect<void>
  /** The number of scripted replies not used yet. */
  readonly pending: Effect.Effect<number>
  /** Every request received so far, in arrival order. */
  readonly requests: Effect.Effect<ReadonlyArray<RecordedRequest>>
  /** Waits until at least `count` requests have arrived; returns all requests so far. */
  readonly waitForRequests: (count: number) => Effect.Effect<ReadonlyArray<RecordedRequest>>
  /** Requests that found the script empty, or had an unknown path. */
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

type Received = readonly [RecordedRequest, Reply | undefined]

interface State {
  readonly script: ReadonlyArray<Reply>
  readonly requests: ReadonlyArray<RecordedRequest>
  readonly unexpected: ReadonlyArray<number>
  readonly disconnects: ReadonlyArray<number>
}

const responsesPath = "/v1/responses"

const sseHeaders = { "cache-control": "no-cache" }

/**
 * Starts a fake Responses server on 127.0.0.1 (random port) in the current scope. Closing the
 * scope ends every open event stream (stalled ones included) and closes the server.
 */
export const make: Effect.Effect<Service, HttpServerError.ServeError, Scope.Scope> = Effect.gen(function*() {
  const state = yield* SubscriptionRef.make<State>({ script: [], requests: [], unexpected: [], disconnects: [] })
  const closing = yield* Deferred.make<void>()

  const server = yield* NodeHttpServer.make(() => Http.createServer(), {
    host: "127.0.0.1",
    port: 0,
    gracefulShutdownTimeout: Duration.seconds(2)
  })
  const port = server.address._tag === "UnixPathAddress" ? 0 : server.address.port

  /** Waits (without polling) for the first state, current or future, that satisfies `predicate`. */
  const waitFor = (predicate: (state: State) => boolean): Effect.Effect<State> =>
    SubscriptionRef.changes(state).pipe(
      Stream.filter(predicate),
      Stream.runHead,
      Effect.flatMap(Option.match({ onNone: () => Effect.never, onSome: Effect.succeed }))
    )

  /** Records a request and, for the Responses path, takes the next scripted reply atomically. */
  const receive = Effect.fnUntraced(function*(request: HttpServerRequest.HttpServerRequest, scripted: boolean) {
    const bodyText = yield* Effect.orElseSucceed(request.text, () => "")
    const path = new URL(request.url, "http://127.0.0.1").pathname
    return yield* SubscriptionRef.modify(state, (s): readonly [Received, State] => {
      const recorded: RecordedRequest = {
        index: s.requests.length + 1,
        method: request.method,
        path,
        headers: Object.fromEntries(Object.entries(request.headers)),
        bodyText,
        body: parseJson(bodyText)
      }
      const reply = scripted ? s.script[0] : undefined
      return [[recorded, reply], {
        ...s,
        requests: [...s.requests, recorded],
        script: reply === undefined ? s.script : s.script.slice(1),
        unexpected: reply === undefined ? [...s.unexpected, recorded.index] : s.unexpected
      }]
    })
  })

  const eventStream = (index: number, events: ReadonlyArray<TimedEvent>, hang: boolean) => {
    const sent = Stream.fromIterable(events).pipe(
      Stream.mapEffect(({ data, delayMs }) => {
        const encoded = Effect.sync(() => encodeEvent(data))
        return delayMs > 0 ? Effect.andThen(Effect.sleep(Duration.millis(delayMs)), encoded) : encoded
      })
    )
    return HttpServerResponse.stream(
      (hang ? Stream.concat(sent, Stream.never) : sent).pipe(
        Stream.encodeText,
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
      ),
      { contentType: "text/event-stream", headers: sseHeaders }
    )
  }

  const onResponses = (request: HttpServerRequest.HttpServerRequest) =>
    Effect.map(receive(request, true), ([recorded, reply]) => {
      if (reply === undefined) {
        const unscripted = failed(unscriptedMessage(recorded.index), { code: "fake_model_unscripted" })
        return eventStream(recorded.index, render(unscripted, recorded.index), false)
      }
      if (reply._tag === "HttpError") {
        return HttpServerResponse.text(reply.body, {
          status: reply.status,
          contentType: reply.contentType,
          headers: reply.headers
        })
      }
      return eventStream(recorded.index, render(reply, recorded.index), reply._tag === "Stall")
    })

  const onOther = (request: HttpServerRequest.HttpServerRequest) =>
    Effect.map(receive(request, false), ([recorded]) =>
      HttpServerResponse.jsonUnsafe(
        { error: { message: `FakeModel: unexpected request ${describeRequest(recorded)}`, type: "not_found" } },
        { status: 404 }
      ))

  const router = yield* HttpRouter.make
  yield* router.add("POST", responsesPath, onResponses)
  yield* router.add("*", "*", onOther)
  yield* server.serve(router.asHttpEffect())
  // Added after `serve`, so it runs first on close: ends open streams before the server shuts down.
  yield* Effect.addFinalizer(() => Deferred.succeed(closing, undefined))

  const unexpectedRequests = Effect.map(
    SubscriptionRef.get(state),
    (s) => s.requests.filter((r) => s.unexpected.includes(r.index))
  )

  const assertNoUnexpectedRequests = Effect.flatMap(
    unexpectedRequests,
    (requests) =>
      requests.length === 0 ? Effect.void : Effect.fail(
        new UnexpectedRequestsError({
          message: `FakeModel: ${requests.length} unexpected request(s): ${requests.map(describeRequest).join("; ")}`,
          indices: requests.map((r) => r.index)
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
    requests: Effect.map(SubscriptionRef.get(state), (s) => s.requests),
    waitForRequests: Effect.fn("FakeModel.waitForRequests")(function*(count: number) {
      const s = yield* waitFor((s) => s.requests.length >= count)
      return s.requests
    }),
    unexpectedRequests,
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

const parseJson = (text: string): unknown => text.length === 0 ? undefined : Option.getOrUndefined(decodeJson(text))

const decodeJson = Schema.decodeUnknownOption(Schema.fromJsonString(Schema.Unknown))

/** A `FakeModel` server for the lifetime of the layer. */
export const layer: Layer.Layer<FakeModel, HttpServerError.ServeError> = Layer.effect(FakeModel, make)
