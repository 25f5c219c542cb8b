/**
 * The JSON Schema sent for a turn's `outputSchema`, made fit for the model's strict structured
 * outputs.
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import type * as Thread from "../Thread.ts"

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const allowsNull = (schema: unknown): boolean =>
  isRecord(schema) &&
  (schema.type === "null" || (Array.isArray(schema.anyOf) && schema.anyOf.some(allowsNull)))

/**
 * Rewrites a derived JSON Schema for the model's strict structured outputs (`"strict": true`, as
 * codex sends them): every object lists all its properties as required and an optional property
 * becomes `X | null` (the schema's JSON codec decodes `null` as absent).
 */
const strictJsonSchema = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(strictJsonSchema)
  if (!isRecord(node)) return node
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(node)) {
    out[key] = (key === "properties" || key === "$defs") && isRecord(value)
      ? Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, strictJsonSchema(sub)]))
      : strictJsonSchema(value)
  }
  if (out.type === "object" && isRecord(out.properties)) {
    const properties = out.properties
    const required = new Set(Array.isArray(out.required) ? out.required : [])
    out.properties = Object.fromEntries(
      Object.entries(properties).map((
        [name, sub]
      ) => [name, required.has(name) || allowsNull(sub) ? sub : { anyOf: [sub, { type: "null" }] }])
    )
    out.required = Object.keys(properties)
  }
  return out
}

/**
 * A JSON Schema object as is; an Effect Schema's derived JSON Schema closed
 * (`additionalProperties: false`), every property required, optional ones nullable, and a root
 * `$ref` inlined so that the root is an object.
 */
export const outputJsonSchema = (
  outputSchema: Thread.JsonSchemaObject | Schema.Top
): Thread.JsonSchemaObject => {
  if (!Schema.isSchema(outputSchema)) return outputSchema
  const document = Schema.toJsonSchemaDocument(outputSchema, { onExcessProperty: "error" })
  const defs = document.definitions as Record<string, unknown>
  let root = document.schema as Record<string, unknown>
  const ref = typeof root.$ref === "string" && root.$ref.startsWith("#/$defs/") ? root.$ref.slice(8) : undefined
  if (ref !== undefined && isRecord(defs[ref]) && Object.keys(root).length === 1) root = defs[ref]
  const schema = Object.keys(defs).length > 0 ? { ...root, $defs: defs } : root
  return strictJsonSchema(schema) as Thread.JsonSchemaObject
}
