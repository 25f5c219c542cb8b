/**
 * The pure rules of dynamic tools: which names a thread may use, and how a tool's result becomes
 * the `contentItems` of an `item/tool/call` answer. No `effect/ai` import: this module loads with
 * the public `Tools` module.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Errors from "../Errors.ts"
import type * as Schemas from "../generated/Schemas.ts"

/** What the model is told when a user (the `ApprovalHandler`) declines a destructive tool call. */
export const declinedMessage = "declined by the user"

/** What the model is told when a destructive tool is called on a `denyAll` thread. */
export const deniedMessage = "declined: destructive tools do not run under ApprovalMode.denyAll"

/** What the Responses API accepts as a function name. */
export const namePattern = /^[a-zA-Z0-9_-]{1,64}$/

/**
 * The names of codex's own tools (0.171.0: what the model is offered with the fallback and the
 * catalog metadata, plus the tools behind features and the legacy shell tools). A dynamic tool
 * with one of these names would shadow or be shadowed by the built-in one.
 */
export const builtinNames: ReadonlyArray<string> = [
  "apply_patch",
  "close_agent",
  "create_goal",
  "exec_command",
  "get_goal",
  "image_generation",
  "js_repl",
  "list_mcp_resource_templates",
  "list_mcp_resources",
  "local_shell",
  "multi_agent_v1",
  "read_mcp_resource",
  "request_user_input",
  "resume_agent",
  "send_input",
  "shell",
  "spawn_agent",
  "tool_search",
  "update_goal",
  "update_plan",
  "view_image",
  "wait",
  "wait_agent",
  "web_search",
  "write_stdin"
]

const builtin = new Set(builtinNames)

/** Why a name cannot be a dynamic tool's, or `undefined` when it can. */
export const nameProblem = (name: string): string | undefined =>
  !namePattern.test(name)
    ? `tool name ${
      JSON.stringify(name)
    } is not accepted by the Responses API (letters, digits, _ and -, 1 to 64 characters)`
    : builtin.has(name)
    ? `tool name ${JSON.stringify(name)} is the name of a built-in codex tool`
    : undefined

/** Checks a thread's tool names: each valid, not built in, none twice. Fails with `InvalidOptionError`. */
export const validateNames = (names: ReadonlyArray<string>): Effect.Effect<void, Errors.InvalidOptionError> => {
  const seen = new Set<string>()
  for (const name of names) {
    const problem = typeof name === "string" ? nameProblem(name) : "tool names must be strings"
    if (problem !== undefined) return Effect.fail(new Errors.InvalidOptionError({ option: "tools", message: problem }))
    if (seen.has(name)) {
      return Effect.fail(
        new Errors.InvalidOptionError({ option: "tools", message: `tool name ${JSON.stringify(name)} is given twice` })
      )
    }
    seen.add(name)
  }
  return Effect.void
}

/** One content item of a tool's answer. */
export type ContentItem = Schemas.DynamicToolCallOutputContentItem

/** A value as the model reads it: a string as is, anything else as JSON (`undefined` as ""). */
export const text = (value: unknown): string => {
  if (typeof value === "string") return value
  if (value === undefined) return ""
  const json = JSON.stringify(value)
  return json === undefined ? String(value) : json
}

/** A part of a tool's `toModelOutput`: `{ type: "text", text }` or `{ type: "file", mediaType, data }`. */
export interface ModelOutputPart {
  readonly type: string
  readonly text?: string | undefined
  readonly mediaType?: string | undefined
  readonly fileName?: string | undefined
  readonly data?: string | Uint8Array | URL | undefined
}

const base64 = (bytes: Uint8Array): string => {
  let binary = ""
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  }
  return btoa(binary)
}

const imageUrl = (part: ModelOutputPart): string | undefined => {
  const data = part.data
  if (data instanceof URL) return data.href
  if (data instanceof Uint8Array) return `data:${part.mediaType};base64,${base64(data)}`
  if (typeof data !== "string") return undefined
  return /^(https?:|data:)/i.test(data) ? data : `data:${part.mediaType};base64,${data}`
}

/**
 * The content items of `toModelOutput` parts: text parts as `inputText`, image files as
 * `inputImage` (a URL as is, bytes or base64 as a data URL), other files as a short `inputText`
 * placeholder naming their media type.
 */
export const modelOutputItems = (parts: ReadonlyArray<ModelOutputPart>): ReadonlyArray<ContentItem> =>
  parts.map((part): ContentItem => {
    if (part.type === "file" && typeof part.mediaType === "string" && part.mediaType.startsWith("image/")) {
      const url = imageUrl(part)
      if (url !== undefined) return { type: "inputImage", imageUrl: url }
    }
    if (part.type === "text") return { type: "inputText", text: part.text ?? "" }
    return {
      type: "inputText",
      text: `[file ${part.mediaType ?? "unknown"}${part.fileName === undefined ? "" : ` ${part.fileName}`}]`
    }
  })

/** A successful answer: the model output parts when the tool maps its result, else the encoded result as text. */
export const success = (
  encodedResult: unknown,
  modelOutput?: ReadonlyArray<ModelOutputPart> | undefined
): Schemas.DynamicToolCallResponse => ({
  success: true,
  contentItems: modelOutput === undefined
    ? [{ type: "inputText", text: text(encodedResult) }]
    : modelOutputItems(modelOutput)
})

/** A failed answer with one text item. */
export const failure = (message: string): Schemas.DynamicToolCallResponse => ({
  success: false,
  contentItems: [{ type: "inputText", text: message }]
})
