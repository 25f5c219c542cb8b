import * as fs from "node:fs"
import { JsonSchema, SchemaRepresentation } from "effect"
const d = JSON.parse(fs.readFileSync("/tmp/schema/exp/codex_app_server_protocol.schemas.json", "utf8"))
const defs: Record<string, any> = { ...d.definitions.v2 }
for (const [k, v] of Object.entries<any>(d.definitions)) if (k !== "v2" && !(k in defs)) defs[k] = v
const definitions = JSON.parse(JSON.stringify(defs).replaceAll("#/definitions/v2/", "#/definitions/"))
const isObj = (s: any) => s && typeof s === "object" && !Array.isArray(s)
const unionKey = (s: any) => (s.anyOf ? "anyOf" : s.oneOf ? "oneOf" : undefined)
const merge = (base: any, b: any): any => {
  const k = unionKey(b)
  if (k) {
    const { [k]: branches, ...rest } = b
    return { anyOf: branches.map((x: any) => merge(merge(base, rest), x)) }
  }
  const props = { ...base.properties, ...b.properties }
  const required = [...new Set([...(base.required ?? []), ...(b.required ?? [])])]
  return { ...base, ...b, ...(Object.keys(props).length ? { properties: props } : {}), ...(required.length ? { required } : {}) }
}
const normalize = (s: any): any => {
  if (Array.isArray(s)) return s.map(normalize)
  if (!isObj(s)) return s
  const out: any = {}
  for (const [k, v] of Object.entries(s)) out[k] = normalize(v)
  const key = unionKey(out)
  if (key && (out.properties || out.type === "object")) {
    const { [key]: branches, description, title, $schema, ...base } = out
    return { ...(description ? { description } : {}), ...(title ? { title } : {}), [key]: branches.map((b: any) => merge(base, b)).flatMap((b: any) => b.anyOf && Object.keys(b).length === 1 ? b.anyOf : [b]) }
  }
  return out
}
for (const k of Object.keys(definitions)) definitions[k] = normalize(definitions[k])
const names = Object.keys(definitions).filter((n) => !["ClientRequest", "ServerRequest", "ServerNotification", "ClientNotification", "JSONRPCMessage"].includes(n)).sort()
const doc = JsonSchema.fromSchemaDraft07({ $schema: "http://json-schema.org/draft-07/schema#", definitions } as any)
const multi = { dialect: doc.dialect, schemas: names.map((n) => ({ $ref: `#/$defs/${n}` })), definitions: doc.definitions } as any
let t0 = Date.now()
const schemas = SchemaRepresentation.fromJsonSchemaMultiDocument(multi, { patterns: "ignore" })
console.log("imported", names.length, Date.now() - t0)
t0 = Date.now()
const rep = SchemaRepresentation.toRepresentations(schemas.map((s) => s.ast) as any)
const code = SchemaRepresentation.toCodeDocument(rep)
console.log("code", Date.now() - t0)
console.log(code.codes.slice(0, 3).map((c) => c.runtime.slice(0, 300)))
console.log(code.references.nonRecursives.length, Object.keys(code.references.recursives).length, code.artifacts.length)
console.log(code.references.nonRecursives.slice(0, 3))
console.log(Object.entries(code.references.recursives).slice(0, 2))
console.log(code.artifacts.slice(0, 5))
fs.writeFileSync("/tmp/code.json", JSON.stringify(code, null, 1))
