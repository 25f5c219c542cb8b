/**
 * Turn inputs: what `thread.run`, `thread.turn` and `turn.steer` accept, and their exact
 * `UserInput` wire shapes.
 *
 * A plain string is text. Items can be combined in an array (strings included). An
 * {@link ExternalMessage} (tool output with tool-level authority) is sent alone, as
 * `turn/start.toolOutput`, and never to `turn/steer`.
 *
 * @example
 * ```ts
 * import * as Inputs from "@effect-codex/core/Inputs"
 *
 * thread.run("What is in this picture?")
 * thread.run([Inputs.text("Compare these:"), Inputs.localImage("/tmp/a.png"), Inputs.image(dataUrl)])
 * thread.run(Inputs.externalMessage("ci_status", "build #42 failed: 3 tests"))
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { InvalidOptionError } from "./Errors.ts"
import type * as Schemas from "./generated/Schemas.ts"
import * as Internal from "./internal/inputs.ts"

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

/**
 * Text from the user. A plain `string` means the same.
 *
 * @example
 * ```ts
 * const input: Inputs.TextInput = Inputs.text("hello")
 * ```
 */
export interface TextInput {
  readonly _tag: "TextInput"
  readonly text: string
}

/**
 * An image by URL. Prefer a base64 `data:image/...` URL; http(s) URLs are deprecated by the server.
 *
 * @example
 * ```ts
 * const input: Inputs.ImageInput = Inputs.image("data:image/png;base64,iVBORw0KGgo...")
 * ```
 */
export interface ImageInput {
  readonly _tag: "ImageInput"
  readonly url: string
}

/**
 * An image file on the server's machine; the server reads it and sends it to the model.
 *
 * @example
 * ```ts
 * const input: Inputs.LocalImageInput = Inputs.localImage("/tmp/screenshot.png")
 * ```
 */
export interface LocalImageInput {
  readonly _tag: "LocalImageInput"
  readonly path: string
}

/**
 * A skill, by name and path of its `SKILL.md`; the server injects it as a user block.
 *
 * @example
 * ```ts
 * const input: Inputs.SkillInput = Inputs.skill("release", "/repo/.codex/skills/release/SKILL.md")
 * ```
 */
export interface SkillInput {
  readonly _tag: "SkillInput"
  readonly name: string
  readonly path: string
}

/**
 * A mention (for example of a file or an app), by name and path.
 *
 * @example
 * ```ts
 * const input: Inputs.MentionInput = Inputs.mention("README", "/repo/README.md")
 * ```
 */
export interface MentionInput {
  readonly _tag: "MentionInput"
  readonly name: string
  readonly path: string
}

/**
 * One input item.
 *
 * @example
 * ```ts
 * const items: ReadonlyArray<Inputs.InputItem> = [Inputs.text("hi"), Inputs.localImage("/tmp/a.png")]
 * ```
 */
export type InputItem = TextInput | ImageInput | LocalImageInput | SkillInput | MentionInput

/**
 * User input: a string (text), an item, or an array of strings and items. This is what
 * `turn.steer` accepts.
 *
 * @example
 * ```ts
 * const input: Inputs.Input = ["Look at this:", Inputs.localImage("/tmp/a.png")]
 * ```
 */
export type Input = string | InputItem | ReadonlyArray<string | InputItem>

/**
 * What `turn.steer` accepts: {@link Input} (an {@link ExternalMessage} cannot steer a turn).
 *
 * @example
 * ```ts
 * const steer: Inputs.SteerInput = "Focus on the failing test first."
 * ```
 */
export type SteerInput = Input

/**
 * One content item of an {@link ExternalMessage}: the protocol's `FunctionCallOutputContentItem`
 * (`input_text`, `input_image`, `input_audio`, `encrypted_content`), passed to the wire unchanged.
 *
 * @example
 * ```ts
 * const item: Inputs.ToolOutputContentItem = { type: "input_text", text: "exit code 0" }
 * ```
 */
export type ToolOutputContentItem = Schemas.FunctionCallOutputContentItem

/**
 * Image detail of an `input_image` content item (the protocol's `ImageDetail`).
 *
 * @example
 * ```ts
 * const detail: Inputs.ImageDetail = "high"
 * ```
 */
export type ImageDetail = Schemas.ImageDetail

/**
 * The content of an {@link ExternalMessage}: text, or structured content items (the protocol's
 * `FunctionCallOutputBody`).
 *
 * @example
 * ```ts
 * const content: Inputs.ExternalMessageContent = [{ type: "input_text", text: "3 tests failed" }]
 * ```
 */
export type ExternalMessageContent = Schemas.FunctionCallOutputBody

/**
 * Content from outside the conversation (a tool, a webhook, CI…) delivered with **tool-level
 * authority**: the server stores it as a `functionCallOutput` item and sends it to the model as a
 * `function_call_output` named `toolName` (in `namespace`), never as user text. On an idle thread it
 * starts a turn; during an active turn it joins that turn. It must be sent alone (not in an
 * array), never to `turn/steer`, and `toolName` must not be blank. Requires codex ≥ 0.151.0.
 *
 * @example
 * ```ts
 * const message: Inputs.ExternalMessage = Inputs.externalMessage("ci_status", "build #42 failed")
 * ```
 */
export interface ExternalMessage {
  readonly _tag: "ExternalMessage"
  readonly toolName: string
  readonly content: ExternalMessageContent
  readonly namespace?: string | undefined
}

/**
 * What `thread.run` and `thread.turn` accept: {@link Input} or an {@link ExternalMessage}.
 *
 * @example
 * ```ts
 * const inputs: ReadonlyArray<Inputs.RunInput> = ["hi", Inputs.externalMessage("ci", "green")]
 * ```
 */
export type RunInput = Input | ExternalMessage

// ---------------------------------------------------------------------------------------------
// Constructors
// ---------------------------------------------------------------------------------------------

/**
 * Text input.
 *
 * @example
 * ```ts
 * Inputs.text("hi") // { _tag: "TextInput", text: "hi" }
 * ```
 */
export const text = (text: string): TextInput => ({ _tag: "TextInput", text })

/**
 * Image input by URL (preferably a `data:image/...;base64,` URL).
 *
 * @example
 * ```ts
 * Inputs.image("data:image/png;base64,iVBORw0KGgo...")
 * ```
 */
export const image = (url: string): ImageInput => ({ _tag: "ImageInput", url })

/**
 * Image input from a file path on the server's machine.
 *
 * @example
 * ```ts
 * Inputs.localImage("/tmp/screenshot.png")
 * ```
 */
export const localImage = (path: string): LocalImageInput => ({ _tag: "LocalImageInput", path })

/**
 * Skill input.
 *
 * @example
 * ```ts
 * Inputs.skill("release", "/repo/.codex/skills/release/SKILL.md")
 * ```
 */
export const skill = (name: string, path: string): SkillInput => ({ _tag: "SkillInput", name, path })

/**
 * Mention input.
 *
 * @example
 * ```ts
 * Inputs.mention("README", "/repo/README.md")
 * ```
 */
export const mention = (name: string, path: string): MentionInput => ({ _tag: "MentionInput", name, path })

/**
 * An {@link ExternalMessage}: tool output with tool-level authority.
 *
 * @example
 * ```ts
 * Inputs.externalMessage("ci_status", "build #42 failed")
 * Inputs.externalMessage("lookup", [{ type: "input_text", text: "42" }], { namespace: "kb" })
 * ```
 */
export const externalMessage = (
  toolName: string,
  content: ExternalMessageContent,
  options?: { readonly namespace?: string | undefined }
): ExternalMessage =>
  options?.namespace === undefined
    ? { _tag: "ExternalMessage", toolName, content }
    : { _tag: "ExternalMessage", toolName, content, namespace: options.namespace }

// ---------------------------------------------------------------------------------------------
// Wire form (the protocol's `UserInput` and `TurnToolOutput`)
// ---------------------------------------------------------------------------------------------

/**
 * The wire form of a turn input: the `input` items (the protocol's `UserInput`) and, for an
 * {@link ExternalMessage}, the `toolOutput` (the protocol's `TurnToolOutput`; then `input` is empty).
 *
 * @example
 * ```ts
 * const wire: Inputs.WireTurnInput = { input: [{ type: "text", text: "hi" }] }
 * ```
 */
export interface WireTurnInput {
  readonly input: ReadonlyArray<Schemas.UserInput>
  readonly toolOutput?: Schemas.TurnToolOutput
}

/**
 * Options of {@link toWire}. `forSteer: true` rejects an {@link ExternalMessage} (the server has no
 * way to steer with tool output).
 *
 * @example
 * ```ts
 * const options: Inputs.ToWireOptions = { forSteer: true }
 * ```
 */
export interface ToWireOptions {
  readonly forSteer?: boolean | undefined
}

/**
 * Converts a turn input to its exact wire form. Strings and `TextInput` become
 * `{"type":"text","text":…}`; `ImageInput` `{"type":"image","url":…}`;
 * `LocalImageInput` `{"type":"localImage","path":…}`; `SkillInput`/`MentionInput`
 * `{"type":"skill"|"mention","name":…,"path":…}`. An {@link ExternalMessage} becomes `input: []`
 * plus `toolOutput: {"name":…,"namespace"?:…,"output":…}`.
 *
 * Fails with `InvalidOptionError` (option `"input"`) on an unsupported item
 * (`"unsupported input item: …"`), an `ExternalMessage` inside an array or with
 * `forSteer: true`, or a blank `toolName` (`"ExternalMessage.toolName must be a nonempty string"`).
 *
 * @example
 * ```ts
 * const wire = yield* Inputs.toWire(["hi", Inputs.localImage("/tmp/a.png")])
 * // { input: [{ type: "text", text: "hi" }, { type: "localImage", path: "/tmp/a.png" }] }
 * ```
 */
export const toWire: (
  input: RunInput,
  options?: ToWireOptions
) => Effect.Effect<WireTurnInput, InvalidOptionError> = Effect.fn("Inputs.toWire")(
  (input: RunInput, options?: ToWireOptions) => Internal.toWire(input, options)
)
