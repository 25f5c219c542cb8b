/**
 * Converting turn inputs to their wire form (the protocol's `UserInput` and `TurnToolOutput`),
 * with every untyped value checked.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import { InvalidOptionError } from "../Errors.ts"
import type * as Schemas from "../generated/Schemas.ts"
import type * as Inputs from "../Inputs.ts"

const OPTION = "input"

const fail = (message: string) => Effect.fail(new InvalidOptionError({ option: OPTION, message }))

/** A short description of an unsupported value, for error messages. */
const describe = (u: unknown): string => {
  if (u === null) return "null"
  if (Array.isArray(u)) return "array"
  if (Predicate.hasProperty(u, "_tag") && typeof u._tag === "string") return u._tag
  if (Predicate.hasProperty(u, "type") && typeof u.type === "string") {
    return `object with type ${JSON.stringify(u.type)}`
  }
  return typeof u
}

const unsupported = (u: unknown, hint?: string) =>
  fail(`unsupported input item: ${describe(u)}${hint === undefined ? "" : ` (${hint})`}`)

const checkString = (value: unknown, field: string) =>
  typeof value === "string" ? Effect.succeed(value) : fail(`${field} must be a string (got ${describe(value)})`)

const itemToWire = Effect.fnUntraced(function*(item: unknown, forSteer: boolean) {
  if (typeof item === "string") return { type: "text", text: item } satisfies Schemas.UserInput
  if (!Predicate.hasProperty(item, "_tag")) return yield* unsupported(item)
  switch (item._tag) {
    case "TextInput": {
      const text = yield* checkString(Predicate.hasProperty(item, "text") ? item.text : undefined, "TextInput.text")
      return { type: "text", text } satisfies Schemas.UserInput
    }
    case "ImageInput": {
      const url = yield* checkString(Predicate.hasProperty(item, "url") ? item.url : undefined, "ImageInput.url")
      return { type: "image", url } satisfies Schemas.UserInput
    }
    case "LocalImageInput": {
      const path = yield* checkString(
        Predicate.hasProperty(item, "path") ? item.path : undefined,
        "LocalImageInput.path"
      )
      return { type: "localImage", path } satisfies Schemas.UserInput
    }
    case "SkillInput":
    case "MentionInput": {
      const name = yield* checkString(Predicate.hasProperty(item, "name") ? item.name : undefined, `${item._tag}.name`)
      const path = yield* checkString(Predicate.hasProperty(item, "path") ? item.path : undefined, `${item._tag}.path`)
      return { type: item._tag === "SkillInput" ? "skill" : "mention", name, path } satisfies Schemas.UserInput
    }
    case "ExternalMessage":
      return yield* unsupported(
        item,
        forSteer
          ? "turn/steer does not accept an ExternalMessage; start a turn with it instead"
          : "an ExternalMessage must be passed alone, not inside a list"
      )
    default:
      return yield* unsupported(item)
  }
})

const isContentItem = (u: unknown): boolean => Predicate.hasProperty(u, "type") && typeof u.type === "string"

const externalToWire = Effect.fnUntraced(function*(message: Inputs.ExternalMessage) {
  const { content, namespace, toolName } = message
  if (typeof toolName !== "string" || toolName.trim() === "") {
    return yield* fail("ExternalMessage.toolName must be a nonempty string")
  }
  if (namespace !== undefined && typeof namespace !== "string") {
    return yield* fail(`ExternalMessage.namespace must be a string (got ${describe(namespace)})`)
  }
  if (typeof content !== "string" && !(Array.isArray(content) && content.every(isContentItem))) {
    return yield* fail("ExternalMessage.content must be a string or an array of content items with a string type")
  }
  const toolOutput: Schemas.TurnToolOutput = namespace === undefined
    ? { name: toolName, output: content }
    : { name: toolName, namespace, output: content }
  return { input: [], toolOutput } satisfies Inputs.WireTurnInput
})

/** See `Inputs.toWire`. */
export const toWire = Effect.fnUntraced(function*(input: Inputs.RunInput, options?: Inputs.ToWireOptions) {
  const forSteer = options?.forSteer === true
  if (Predicate.hasProperty(input, "_tag") && input._tag === "ExternalMessage") {
    if (forSteer) {
      return yield* unsupported(input, "turn/steer does not accept an ExternalMessage; start a turn with it instead")
    }
    return yield* externalToWire(input as Inputs.ExternalMessage)
  }
  const items: ReadonlyArray<unknown> = Array.isArray(input) ? input : [input]
  const wire: Array<Schemas.UserInput> = []
  for (const item of items) {
    wire.push(yield* itemToWire(item, forSteer))
  }
  return { input: wire } satisfies Inputs.WireTurnInput
})
