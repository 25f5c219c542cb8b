/**
 * Generates Effect Schemas for the whole app-server protocol from the pinned `codex` binary.
 *
 *   node scripts/codegen.ts          writes packages/core/src/generated/*.ts
 *   node scripts/codegen.ts --check  fails (exit 1) when the committed files differ
 *
 * Steps: run `codex app-server generate-json-schema` (stable and `--experimental`), merge the
 * draft-07 definitions into one namespace, normalize the few constructs Effect's importer does
 * not take (object keywords beside a union, documented one-value enum unions), close objects so
 * that decoding ignores unknown fields, open the enums the server sends, then let
 * `SchemaRepresentation.toCodeDocument` emit the Effect Schema source. The output is
 * deterministic: definitions are sorted and the binary's output is stable.
 */
import * as JsonSchema from "effect/JsonSchema"
import * as SchemaRepresentation from "effect/SchemaRepresentation"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { resolveBundledBinary } from "./codex-bin.ts"

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [k: string]: Json }
type Node = { [k: string]: any }

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const outDir = path.join(root, "packages/core/src/generated")
const check = process.argv.includes("--check")

// ---------------------------------------------------------------------------------------------
// 1. Run the binary
// ---------------------------------------------------------------------------------------------

const bin = resolveBundledBinary()
const version = execFileSync(bin, ["--version"], { encoding: "utf8" }).trim().replace(/^codex-cli\s+/, "")
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "effect-codex-codegen-"))
const generate = (experimental: boolean): Node => {
  const dir = path.join(tmp, experimental ? "experimental" : "stable")
  execFileSync(bin, ["app-server", "generate-json-schema", ...(experimental ? ["--experimental"] : []), "--out", dir], {
    stdio: ["ignore", "ignore", "inherit"]
  })
  return JSON.parse(fs.readFileSync(path.join(dir, "codex_app_server_protocol.schemas.json"), "utf8"))
}
const stableBundle = generate(false)
const experimentalBundle = generate(true)
fs.rmSync(tmp, { recursive: true, force: true })

/** Merges the root definitions and the nested `v2` namespace into one flat namespace. */
const flatten = (bundle: Node): Record<string, Node> => {
  const defs: Record<string, Node> = { ...bundle.definitions.v2 }
  for (const [name, def] of Object.entries<Node>(bundle.definitions)) {
    if (name !== "v2" && !(name in defs)) defs[name] = def
  }
  return JSON.parse(JSON.stringify(defs).replaceAll("#/definitions/v2/", "#/definitions/"))
}
const definitions = flatten(experimentalBundle)
const stableDefinitions = flatten(stableBundle)

// ---------------------------------------------------------------------------------------------
// 2. Method tables
// ---------------------------------------------------------------------------------------------

interface MethodEntry {
  readonly method: string
  readonly params: string | undefined // definition name; undefined = no params (null)
  readonly optionalParams: boolean
  readonly result?: string | undefined
  readonly description?: string | undefined
}

const refName = (ref: string): string => ref.slice(ref.lastIndexOf("/") + 1)

/** Requests without params, by method: their response definitions. */
const paramlessResponses: Record<string, string> = {
  "account/logout": "LogoutAccountResponse",
  "account/gatewayOAuth/cancel": "GatewayOAuthCancelResponse",
  "account/securitySetup/read": "GetAccountSecuritySetupResponse",
  "account/workspaceMessages/read": "GetWorkspaceMessagesResponse",
  "config/mcpServer/reload": "McpServerRefreshResponse",
  "externalAgentConfig/import/readHistories": "ExternalAgentConfigImportHistoriesReadResponse"
}

/** Some responses are not named after their params. */
const responseOverrides: Record<string, string> = {
  AccountSessionsListParams: "AccountSessionsResponse",
  ConfigValueWriteParams: "ConfigWriteResponse",
  ConfigBatchWriteParams: "ConfigWriteResponse"
}

const methodsOf = (union: Node, withResult: boolean): Array<MethodEntry> =>
  union.oneOf.map((branch: Node): MethodEntry => {
    const method: string = branch.properties.method.enum[0]
    const p: Node | undefined = branch.properties.params
    let params: string | undefined
    let optionalParams = false
    if (p?.$ref) params = refName(p.$ref)
    else if (p?.anyOf) {
      const ref = p.anyOf.find((b: Node) => b.$ref)
      params = ref ? refName(ref.$ref) : undefined
      optionalParams = true
    } else optionalParams = true
    let result: string | undefined
    if (withResult) {
      result = params === undefined ? undefined : responseOverrides[params] ?? params.replace(/Params$/, "Response")
      if (params === undefined) {
        const guess = method.split("/").map((s) => s[0]!.toUpperCase() + s.slice(1)).join("") + "Response"
        result = paramlessResponses[method] ?? guess
      }
      if (result === undefined || !(result in definitions)) {
        throw new Error(`codegen: no response definition ${result} for ${method}; add it to responseOverrides`)
      }
    }
    return { method, params, optionalParams, result, description: branch.description }
  })

const bundleUnion = (bundle: Node, name: string): Node => bundle.definitions[name] ?? bundle.definitions.v2[name]
const clientRequests = methodsOf(bundleUnion(experimentalBundle, "ClientRequest"), true)
const serverRequests = methodsOf(bundleUnion(experimentalBundle, "ServerRequest"), true)
const serverNotifications = methodsOf(bundleUnion(experimentalBundle, "ServerNotification"), false)
const clientNotifications = methodsOf(bundleUnion(experimentalBundle, "ClientNotification"), false)
const stableMethods = new Set(
  ["ClientRequest", "ServerRequest", "ServerNotification", "ClientNotification"].flatMap((u) =>
    bundleUnion(stableBundle, u).oneOf.map((b: Node) => b.properties.method.enum[0] as string)
  )
)

// ---------------------------------------------------------------------------------------------
// 3. Normalization
// ---------------------------------------------------------------------------------------------

const isNode = (u: unknown): u is Node => typeof u === "object" && u !== null && !Array.isArray(u)
const unionKey = (s: Node): "anyOf" | "oneOf" | undefined => (s.anyOf ? "anyOf" : s.oneOf ? "oneOf" : undefined)
const docKeywords = new Set(["description", "title", "default", "examples", "$schema", "format"])

/** Applies `f` bottom-up to every sub-schema (not to the keys of `properties`/`definitions`). */
const mapSchema = (s: Json, f: (s: Node) => Node): Json => {
  if (Array.isArray(s)) return s.map((x) => mapSchema(x, f))
  if (!isNode(s)) return s
  const out: Node = {}
  for (const [k, v] of Object.entries(s)) {
    if ((k === "properties" || k === "definitions" || k === "patternProperties") && isNode(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, mapSchema(sub, f)]))
    } else if (k === "enum" || k === "required" || k === "const") out[k] = v
    else out[k] = mapSchema(v, f)
  }
  return f(out)
}

const mergeInto = (base: Node, branch: Node): Node => {
  const key = unionKey(branch)
  if (key) {
    const { [key]: branches, ...rest } = branch
    return { anyOf: branches.map((b: Node) => mergeInto(mergeInto(base, rest), b)) }
  }
  const properties = { ...base.properties, ...branch.properties }
  const required = [...new Set([...(base.required ?? []), ...(branch.required ?? [])])]
  return {
    ...base,
    ...branch,
    ...(Object.keys(properties).length > 0 ? { properties } : {}),
    ...(required.length > 0 ? { required } : {})
  }
}

const normalize = (s: Node): Node => {
  let out = s
  for (const k of docKeywords) if (k in out) out = (({ [k]: _, ...rest }) => rest)(out)
  // `{ type: object, properties, oneOf: [...] }` → a union of merged objects
  const key = unionKey(out)
  if (key && (out.properties || out.type === "object")) {
    const { [key]: branches, ...base } = out
    out = {
      anyOf: branches
        .map((b: Node) => mergeInto(base, b))
        .flatMap((b: Node) => (b.anyOf && Object.keys(b).length === 1 ? b.anyOf : [b]))
    }
  }
  // `oneOf: [{type: string, enum: [a]}, {type: string, enum: [b]}]` → `{type: string, enum: [a, b]}`
  const k2 = unionKey(out)
  if (k2 && Object.keys(out).length === 1) {
    const bs: Array<Node> = out[k2]
    if (bs.length > 0 && bs.every((b) => b.type === "string" && Array.isArray(b.enum) && Object.keys(b).length === 2)) {
      out = { type: "string", enum: bs.flatMap((b) => b.enum) }
    }
  }
  // close objects: decoding ignores (drops) fields a newer server adds
  if (
    out.type === "object" && isNode(out.properties) && Object.keys(out.properties).length > 0 &&
    !("additionalProperties" in out)
  ) {
    out = { ...out, additionalProperties: false }
  }
  return out
}

const docs: Record<string, string> = {}
const normalized: Record<string, Node> = {}
for (const name of Object.keys(definitions).toSorted()) {
  const def = definitions[name]!
  if (typeof def.description === "string") docs[name] = def.description
  normalized[name] = mapSchema(def, normalize) as Node
}

// ---------------------------------------------------------------------------------------------
// 4. Open enums: string enums that only the server sends accept values this version does not know
// ---------------------------------------------------------------------------------------------

const refsOf = (s: Json, acc: Set<string>): Set<string> => {
  if (Array.isArray(s)) s.forEach((x) => refsOf(x, acc))
  else if (isNode(s)) {
    for (const [k, v] of Object.entries(s)) {
      if (k === "$ref" && typeof v === "string") acc.add(refName(v))
      else refsOf(v, acc)
    }
  }
  return acc
}
const reachable = (roots: Iterable<string>): Set<string> => {
  const seen = new Set<string>()
  const todo = [...roots]
  while (todo.length > 0) {
    const n = todo.pop()!
    if (seen.has(n) || !(n in normalized)) continue
    seen.add(n)
    refsOf(normalized[n]!, new Set()).forEach((r) => todo.push(r))
  }
  return seen
}
const outbound = reachable([
  ...clientRequests.flatMap((m) => (m.params ? [m.params] : [])),
  ...serverRequests.flatMap((m) => (m.result ? [m.result] : [])),
  "InitializeParams"
])
const openEnums = new Set(
  Object.entries(normalized)
    .filter(([name, s]) => s.type === "string" && Array.isArray(s.enum) && s.enum.length > 1 && !outbound.has(name))
    .map(([name]) => name)
)

// ---------------------------------------------------------------------------------------------
// 5. Code generation
// ---------------------------------------------------------------------------------------------

const skip = new Set([
  "ClientRequest",
  "ServerRequest",
  "ServerNotification",
  "ClientNotification",
  "JSONRPCMessage",
  "JSONRPCRequest",
  "JSONRPCResponse",
  "JSONRPCNotification",
  "JSONRPCError",
  "JSONRPCErrorError"
])
const names = Object.keys(normalized).filter((n) => !skip.has(n)).toSorted()
const document = JsonSchema.fromSchemaDraft07({
  $schema: "http://json-schema.org/draft-07/schema#",
  definitions: normalized
} as JsonSchema.JsonSchema)
const multi = {
  dialect: document.dialect,
  schemas: names.map((n) => ({ $ref: `#/$defs/${n}` })),
  definitions: document.definitions
} as unknown as JsonSchema.MultiDocument<"draft-2020-12">
const schemas = SchemaRepresentation.fromJsonSchemaMultiDocument(multi, { patterns: "ignore" })
const code = SchemaRepresentation.toCodeDocument(
  SchemaRepresentation.toRepresentations(schemas.map((s) => s.ast) as [any, ...Array<any>])
)
if (Object.keys(code.references.recursives).length > 0 || code.artifacts.length > 0) {
  throw new Error("codegen: recursive definitions or artifacts appeared; extend scripts/codegen.ts to emit them")
}

const stripIdentifier = (runtime: string): string =>
  runtime.replace(/\.annotate\(\{ "identifier": "[^"]+" \}\)$/, "").replace(/, "identifier": "[^"]+" \}\)$/, " })")

const jsdoc = (text: string | undefined, indent = ""): string => {
  if (!text) return ""
  const lines = text.replaceAll("*/", "*\\/").split("\n")
  return `${indent}/**\n${lines.map((l) => `${indent} *${l ? " " + l : ""}`).join("\n")}\n${indent} */\n`
}

const header =
  `// Generated by scripts/codegen.ts from codex-cli ${version} (app-server generate-json-schema --experimental).
// Do not edit by hand: run \`pnpm codegen\`.
/* eslint-disable */
`

const nameSet = new Set(names)
for (const reserved of ["Schema", "$T", "$lazy"]) {
  if (nameSet.has(reserved)) throw new Error(`codegen: a definition is named ${reserved}; rename the helper`)
}

/**
 * Rewrites the references to other definitions in a schema's runtime code (bare identifiers, as
 * `toCodeDocument` emits them) into calls of their lazy builders: `Thread` → `Thread()`. String
 * literals (field names, enum values) and member names (`Schema.String`) are left alone.
 */
const callReferences = (runtime: string): string => {
  let out = ""
  let i = 0
  while (i < runtime.length) {
    const ch = runtime[i]!
    if (ch === "\"") {
      let j = i + 1
      while (runtime[j] !== "\"") j += runtime[j] === "\\" ? 2 : 1
      out += runtime.slice(i, j + 1)
      i = j + 1
    } else if (/[A-Za-z_$]/.test(ch)) {
      let j = i + 1
      while (j < runtime.length && /[\w$]/.test(runtime[j]!)) j++
      const word = runtime.slice(i, j)
      const member = out.endsWith(".")
      out += !member && nameSet.has(word) ? `${word}()` : word
      i = j
    } else {
      out += ch
      i++
    }
  }
  return out
}

// Schemas.ts: the types, and for each a public codec that is built on first use (a `Schema.suspend`
// of its builder). internal/codecs.ts: the builders, memoized, each calling the builders of the
// definitions it references, so that a built schema has the same AST as an eagerly built one.
let schemasTs = `${header}import * as Schema from "effect/Schema"
import * as C from "./internal/codecs.ts"

`
let codecsTs = `${header}/**
 * The builders of the protocol's schemas: each builds its schema on first call (and the schemas it
 * references), then returns the same schema. \`Protocol\`'s method tables and the public codecs of
 * \`Schemas\` (each a \`Schema.suspend\` of its builder) call them; importing builds nothing.
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import type * as $T from "../Schemas.ts"

const $lazy = <A>(build: () => A): (() => A) => {
  let built: A | undefined
  return () => built ??= build()
}

`
for (const { $ref: name, code: c } of code.references.nonRecursives) {
  let runtime = callReferences(stripIdentifier(c.runtime))
  let type = c.Type
  if (openEnums.has(name)) {
    runtime = `Schema.Union([${runtime}, Schema.String])`
    type = `${type} | (string & {})`
  }
  schemasTs += `${jsdoc(docs[name])}export type ${name} = ${type}\n`
  schemasTs += `${jsdoc(docs[name])}export const ${name}: Schema.Codec<${name}> = Schema.suspend(C.${name})\n\n`
  codecsTs +=
    `export const ${name} = $lazy((): Schema.Codec<$T.${name}> => ${runtime}.annotate({ identifier: "${name}" }))\n`
}

const q = JSON.stringify
const requestTable = (entries: ReadonlyArray<MethodEntry>, withResult: boolean): string =>
  entries.map((m) => {
    const fields = [
      m.params ? `get params() { return C.${m.params}() }` : "params: Schema.Null",
      `optionalParams: ${m.optionalParams}`,
      ...(withResult ? [`get result() { return C.${m.result}() }`] : []),
      `experimental: ${!stableMethods.has(m.method)}`
    ]
    return `${jsdoc(m.description, "  ")}  ${q(m.method)}: { ${fields.join(", ")} }`
  }).join(",\n")

/** Whether a property schema is a primitive (strings, numbers, booleans, null, enums of these): no `$ref`, no nesting. */
const isPrimitiveSchema = (s: Node): boolean => {
  const key = unionKey(s)
  if (key) return s[key].every((b: Node) => isNode(b) && isPrimitiveSchema(b))
  if (s.$ref !== undefined || s.properties !== undefined || s.items !== undefined) return false
  const types: ReadonlyArray<unknown> = Array.isArray(s.type) ? s.type : [s.type]
  return types.every((t) => t === "string" || t === "number" || t === "integer" || t === "boolean" || t === "null")
}

/**
 * Copies of the flat notification params (every field a primitive), one object literal each: the
 * fast decode path (\`internal/flatStruct.ts\`) uses them for a valid input that has every field,
 * instead of copying field by field through computed keys.
 */
const notificationCopies = serverNotifications.flatMap((m) => {
  const def = m.params === undefined ? undefined : normalized[m.params]
  if (def === undefined || def.type !== "object" || !isNode(def.properties)) return []
  const props = Object.entries<Node>(def.properties)
  if (props.length === 0 || props.some(([name, s]) => name === "__proto__" || !isPrimitiveSchema(s))) return []
  const fields = props.map(([name]) => `${q(name)}: p[${q(name)}]`).join(", ")
  return [`  ${q(m.method)}: (p) => ({ ${fields} })`]
}).join(",\n")

const protocolTs = `${header}import * as Schema from "effect/Schema"
import * as C from "./internal/codecs.ts"

/** The codex-cli version these schemas were generated from. */
export const generatedFromVersion = ${q(version)}

/**
 * Every client → server request: its params and result schemas, and whether it is experimental.
 * The schemas are built on first access (getters), so importing the tables builds none of them.
 */
export const ClientRequests = {
${requestTable(clientRequests, true)}
} as const

/** Every server → client request (approvals, user input, …): its params and the result schema of the reply. */
export const ServerRequests = {
${requestTable(serverRequests, true)}
} as const

/** Every server → client notification and its params schema. */
export const ServerNotifications = {
${requestTable(serverNotifications, false)}
} as const

/**
 * For the server notifications whose params are flat (primitive fields only): a copy of the params
 * with exactly the declared fields, in declaration order. Used by the fast decode path for a valid
 * input that has every field; it checks first that each copy matches its schema's fields.
 *
 * @internal
 */
export const ServerNotificationCopies: { readonly [M in ServerNotificationMethod]?: (p: Readonly<Record<string, unknown>>) => object } = {
${notificationCopies}
}

/** Every client → server notification. */
export const ClientNotifications = {
${requestTable(clientNotifications, false)}
} as const

/** A client request method name, such as \`"thread/start"\`. */
export type ClientRequestMethod = keyof typeof ClientRequests
/** A server request method name, such as \`"item/commandExecution/requestApproval"\`. */
export type ServerRequestMethod = keyof typeof ServerRequests
/** A server notification method name, such as \`"turn/completed"\`. */
export type ServerNotificationMethod = keyof typeof ServerNotifications

/** The params type of a client request. */
export type ClientRequestParams<M extends ClientRequestMethod> = (typeof ClientRequests)[M]["params"]["Type"]
/** The result type of a client request. */
export type ClientRequestResult<M extends ClientRequestMethod> = (typeof ClientRequests)[M]["result"]["Type"]
/** The params type of a server request. */
export type ServerRequestParams<M extends ServerRequestMethod> = (typeof ServerRequests)[M]["params"]["Type"]
/** The result type of the reply to a server request. */
export type ServerRequestResult<M extends ServerRequestMethod> = (typeof ServerRequests)[M]["result"]["Type"]
/** The params type of a server notification. */
export type ServerNotificationParams<M extends ServerNotificationMethod> = (typeof ServerNotifications)[M]["params"]["Type"]

/** A typed server notification: \`{ method, params }\` for every known method. */
export type ServerNotification = {
  readonly [M in ServerNotificationMethod]: { readonly method: M; readonly params: ServerNotificationParams<M> }
}[ServerNotificationMethod]
`

const indexTs = `${header}export * from "./Protocol.ts"
export * as Schemas from "./Schemas.ts"
`

const files: Record<string, string> = {
  "Schemas.ts": schemasTs,
  "internal/codecs.ts": codecsTs,
  "Protocol.ts": protocolTs,
  "index.ts": indexTs
}

if (check) {
  const stale = Object.entries(files).filter(([f, text]) => {
    const p = path.join(outDir, f)
    return !fs.existsSync(p) || fs.readFileSync(p, "utf8") !== text
  })
  if (stale.length > 0) {
    console.error(`codegen: generated files are out of date: ${stale.map(([f]) => f).join(", ")}; run \`pnpm codegen\``)
    process.exit(1)
  }
  console.log(`codegen: up to date (codex-cli ${version})`)
} else {
  fs.mkdirSync(path.join(outDir, "internal"), { recursive: true })
  for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(outDir, f), text)
  const bytes = Object.values(files).reduce((n, t) => n + Buffer.byteLength(t), 0)
  console.log(
    `codegen: wrote ${names.length} schemas, ${clientRequests.length} client requests, ${serverRequests.length} server requests, ${serverNotifications.length} notifications (${
      (bytes / 1024).toFixed(0)
    } KiB) from codex-cli ${version}; stable definitions: ${Object.keys(stableDefinitions).length}`
  )
}
