/**
 * `FakeModelScript`: what a `FakeModel` answers, as plain data. Each `POST /responses` takes the
 * next `Reply` of the script: a streamed response made of output items (messages, reasoning,
 * tool calls, `apply_patch` file changes), a failed response, an HTTP error, a stall, or raw
 * events. The constructors here build those replies; `FakeModel` re-exports all of them, so
 * `FakeModel.message(...)` and `FakeModelScript.message(...)` are the same function.
 *
 * Ids are deterministic: `resp_<n>` for request number `n`, and per item `msg_<n>`, `rs_<n>`,
 * `fc_<n>`/`call_<n>` (with `_<outputIndex>` appended after the first item), unless given.
 *
 * @example
 * ```ts
 * import { FakeModelScript } from "@effect-codex/testing"
 *
 * const script = [
 *   FakeModelScript.execCommand("echo hi"),
 *   FakeModelScript.response([FakeModelScript.reasoning("Thinking"), FakeModelScript.message("Done", { deltas: 3 })])
 * ]
 * ```
 *
 * @since 0.1.0
 */

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

/**
 * A response with one call of a thread's own tool (a dynamic tool given with
 * `threadStart({ tools })`): a `function_call` item. Arguments are sent as given, so a test can
 * send wrong ones (`toolCall("get_order", { id: 42 })`) and check what the model is told. For
 * several calls in one response: `response([toolCall("a", {}), toolCall("b", {})])`.
 */
export const toolCall = (name: string, args: string | object, options?: CallOptions): Respond =>
  functionCall(name, args, options)

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
