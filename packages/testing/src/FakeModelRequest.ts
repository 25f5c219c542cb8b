/**
 * `FakeModelRequest`: the requests a `FakeModel` received, and helpers that read what codex sent
 * the model (the user's text, tool results, images, the tools offered, the output schema, ...).
 * `FakeModel` re-exports all of them, so `FakeModel.lastUserText(r)` and
 * `FakeModelRequest.lastUserText(r)` are the same function.
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import { FakeModel, FakeModelRequest } from "@effect-codex/testing"
 *
 * const lastPrompt = Effect.gen(function*() {
 *   const fake = yield* FakeModel.FakeModel
 *   const [request] = yield* fake.waitForRequests(1)
 *   return FakeModelRequest.lastUserText(request!)
 * })
 * ```
 *
 * @since 0.1.0
 */

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

/** The output text of the tool result answering `callId`, if the request carries it. */
export const toolOutput = (request: RecordedRequest, callId: string): string | undefined =>
  toolOutputs(request).find((output) => output.callId === callId)?.output

/** The definition of an offered function tool (`{ type, name, description, parameters, ... }`), if any. */
export const toolDefinition = (request: RecordedRequest, name: string): JsonObject | undefined =>
  objects(field(request.body, "tools")).find((tool) => tool["name"] === name)

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

/** A one-line description for messages: `#3 POST /v1/responses (last user text: "...")`. */
export const summarize = (request: RecordedRequest): string => {
  const text = lastUserText(request)
  return `#${request.index} ${request.method} ${request.path}` +
    (text === undefined ? "" : ` (last user text: ${JSON.stringify(text.slice(0, 80))})`)
}
