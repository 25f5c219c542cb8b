/**
 * Generates Effect Schemas for the whole app-server protocol from the pinned `codex` binary.
 *
 *   node scripts/codegen.ts          writes packages/core/src/generated/*.ts
 *   node scripts/codegen.ts --check  fails (exit 1) when the committed files differ
 *   node scripts/codegen.ts --bin <codex> --out <dir>
 *                                    generates from another binary into another directory (what
 *                                    `pnpm run compat` does to report drift; the repository is not written)
 *
 * Steps: run `codex app-server generate-json-schema` (stable and `--experimental`), merge the
 * draft-07 definitions into one namespace, normalize the few constructs Effect's importer does
 * not take (object keywords beside a union, documented one-value enum unions), close objects so
 * that decoding ignores unknown fields, open the enums the server sends, let
 * `SchemaRepresentation.toCodeDocument` emit the Effect Schema source, and read that source back
 * into a compact JSON description per definition (a string literal each, in `generated/internal/codecs.ts`),
 * from which `packages/core/src/internal/schemaData.ts` builds each schema on first use: importing
 * the protocol parses and builds nothing. The output is deterministic: definitions are sorted and
 * the binary's output is stable.
 *
 * The converter is imported from `effect-codegen` (an npm alias of effect 4.1.0): effect 4.1.5
 * removed `SchemaRepresentation.toCodeDocument` (it became the experimental `Codegen` module). The
 * generated data does not depend on which effect emitted it; the packages run on the workspace's
 * effect, and `codegen --check` proves the output unchanged.
 */
import * as JsonSchema from "effect-codegen/JsonSchema"
import * as SchemaRepresentation from "effect-codegen/SchemaRepresentation"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { resolveBundledBinary } from "./codex-bin.ts"

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [k: string]: Json }
type Node = { [k: string]: any }

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const option = (name: string): string | undefined => {
  const i = process.argv.indexOf(name)
  if (i < 0) return undefined
  const value = process.argv[i + 1]
  if (value === undefined || value.startsWith("--")) throw new Error(`codegen: ${name} needs a value`)
  return path.resolve(value)
}
const outDir = option("--out") ?? path.join(root, "packages/core/src/generated")
const check = process.argv.includes("--check")

// ---------------------------------------------------------------------------------------------
// 1. Run the binary
// ---------------------------------------------------------------------------------------------

const bin = option("--bin") ?? resolveBundledBinary()
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
  ConfigBatchWriteParams: "ConfigWriteResponse",
  // 0.171.0 exports no response of its own; the server answers a config write (checked on 0.171.0)
  ModelProviderDefaultSetParams: "ConfigWriteResponse"
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
if (code.artifacts.length > 0) {
  throw new Error("codegen: artifacts appeared; extend scripts/codegen.ts to emit them")
}

// ---------------------------------------------------------------------------------------------
// 5. From code to data: each schema as a compact JSON description (packages/core/src/internal/schemaData.ts)
// ---------------------------------------------------------------------------------------------

/**
 * `toCodeDocument` emits each schema as Effect Schema source. The few constructs the protocol
 * uses are read back from that source into the description that `internal/schemaData.ts` builds
 * schemas from at run time; any other construct fails here, so the description never silently
 * differs from the code it replaces.
 */
type Expr =
  | { readonly k: "name"; readonly name: string }
  | { readonly k: "member"; readonly of: Expr; readonly name: string }
  | { readonly k: "call"; readonly callee: Expr; readonly args: ReadonlyArray<Expr> }
  | { readonly k: "value"; readonly value: Json }
  | { readonly k: "array"; readonly items: ReadonlyArray<Expr> }
  | { readonly k: "object"; readonly entries: ReadonlyArray<readonly [string, Expr]> }

const parseCode = (source: string): Expr => {
  let i = 0
  const fail = (what: string): never => {
    throw new Error(`codegen: cannot read ${what} at ${i} in: ${source.slice(Math.max(0, i - 80), i + 80)}`)
  }
  const ws = () => {
    while (/\s/.test(source[i] ?? "")) i++
  }
  const eat = (s: string) => {
    ws()
    if (!source.startsWith(s, i)) fail(`"${s}"`)
    i += s.length
  }
  const peek = (s: string) => (ws(), source.startsWith(s, i))
  const ident = (): string => {
    ws()
    const m = /^[A-Za-z_$][\w$]*/.exec(source.slice(i, i + 200))
    if (m === null) return fail("a name")
    i += m[0].length
    return m[0]
  }
  const string = (): string => {
    ws()
    let j = i + 1
    while (source[j] !== "\"") j += source[j] === "\\" ? 2 : 1
    const s = JSON.parse(source.slice(i, j + 1)) as string
    i = j + 1
    return s
  }
  const list = <A>(close: string, item: () => A): Array<A> => {
    const out: Array<A> = []
    while (!peek(close)) {
      out.push(item())
      if (!peek(close)) eat(",")
    }
    eat(close)
    return out
  }
  const primary = (): Expr => {
    ws()
    const ch = source[i]
    if (ch === "\"") return { k: "value", value: string() }
    if (ch === "[") return (i++, { k: "array", items: list("]", expr) })
    if (ch === "{") {
      i++
      return {
        k: "object",
        entries: list("}", () => {
          const key = peek("\"") ? string() : ident()
          eat(":")
          return [key, expr()] as const
        })
      }
    }
    const num = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(source.slice(i, i + 40))
    if (num !== null) return (i += num[0].length, { k: "value", value: Number(num[0]) })
    const name = ident()
    if (name === "true" || name === "false") return { k: "value", value: name === "true" }
    if (name === "null") return { k: "value", value: null }
    return { k: "name", name }
  }
  const expr = (): Expr => {
    let e = primary()
    for (;;) {
      if (peek(".")) {
        i++
        e = { k: "member", of: e, name: ident() }
      } else if (peek("(")) {
        i++
        // `Schema.suspend((): Schema.Codec<T> => X)`: a reference to X (the interpreter breaks cycles itself)
        if (e.k === "member" && e.of.k === "name" && e.of.name === "Schema" && e.name === "suspend") {
          const arrow = source.indexOf("=>", i)
          if (arrow < 0) fail("a suspended schema")
          i = arrow + 2
          const inner = expr()
          eat(")")
          e = inner
        } else e = { k: "call", callee: e, args: list(")", expr) }
      } else return e
    }
  }
  const e = expr()
  ws()
  if (i !== source.length) fail("the end")
  return e
}

const keywords: Record<string, string> = {
  String: "string",
  Number: "number",
  Int: "int",
  Finite: "finite",
  Boolean: "boolean",
  Null: "null",
  Json: "json",
  Never: "never",
  Unknown: "unknown"
}
const checkNames = new Set(["isGreaterThanOrEqualTo", "isMinLength"])
const nameSet = new Set(names)
for (const reserved of Object.values(keywords)) {
  if (nameSet.has(reserved)) throw new Error(`codegen: a definition is named ${reserved}, a keyword of the description`)
}

const print = (e: Expr): string =>
  e.k === "name"
    ? e.name
    : e.k === "member"
    ? `${print(e.of)}.${e.name}`
    : e.k === "call"
    ? `${print(e.callee)}(…)`
    : e.k === "value"
    ? JSON.stringify(e.value)
    : e.k

/** `Schema.X(args)` → ["X", args]; anything else → undefined. */
const schemaCall = (e: Expr): readonly [string, ReadonlyArray<Expr>] | undefined =>
  e.k === "call" && e.callee.k === "member" && e.callee.of.k === "name" && e.callee.of.name === "Schema"
    ? [e.callee.name, e.args]
    : undefined

const literalValue = (e: Expr): Json => {
  if (e.k !== "value") throw new Error(`codegen: expected a literal value, got ${print(e)}`)
  return e.value
}
const annotationsOf = (e: Expr): Json => {
  if (e.k !== "object") throw new Error(`codegen: expected annotations, got ${print(e)}`)
  return Object.fromEntries(e.entries.map(([k, v]) => [k, literalValue(v)]))
}
const one = (args: ReadonlyArray<Expr>): Expr => {
  if (args.length !== 1) throw new Error(`codegen: expected one argument, got ${args.length}`)
  return args[0]!
}
const itemsOf = (e: Expr): ReadonlyArray<Expr> => {
  if (e.k !== "array") throw new Error(`codegen: expected an array, got ${print(e)}`)
  return e.items
}

const toCheck = (e: Expr): Json => {
  if (e.k === "call" && e.callee.k === "member" && e.callee.name === "annotate") {
    const [name, argument] = toCheck(e.callee.of) as [string, Json]
    return [name, argument, annotationsOf(one(e.args))]
  }
  const call = schemaCall(e)
  if (call === undefined || !checkNames.has(call[0])) throw new Error(`codegen: unsupported check ${print(e)}`)
  return [call[0], literalValue(one(call[1]))]
}

const toStruct = (e: Expr): { [field: string]: Json } => {
  if (e.k !== "object") throw new Error(`codegen: expected struct fields, got ${print(e)}`)
  return Object.fromEntries(e.entries.map(([field, v]) => {
    const optional = schemaCall(v)
    return [field, optional?.[0] === "optionalKey" ? ["?", toData(one(optional[1]))] : toData(v)]
  }))
}

const toData = (e: Expr): Json => {
  if (e.k === "name") {
    if (!nameSet.has(e.name)) throw new Error(`codegen: reference to an unknown definition ${e.name}`)
    return e.name
  }
  if (e.k === "member" && e.of.k === "name" && e.of.name === "Schema" && e.name in keywords) return keywords[e.name]!
  if (e.k === "call" && e.callee.k === "member" && e.callee.of.k !== "name") {
    const { of, name } = e.callee
    if (name === "check") return ["check", toData(of), ...e.args.map(toCheck)]
    if (name === "annotate") return ["@", toData(of), annotationsOf(one(e.args))]
  }
  const call = schemaCall(e)
  if (call !== undefined) {
    const [fn, args] = call
    switch (fn) {
      case "Struct":
        return toStruct(one(args))
      case "Union": {
        // `Schema.Union(members)` or `Schema.Union(members, { mode: "oneOf" })`
        const mode = args[1] === undefined ? "anyOf" : (annotationsOf(args[1]) as { mode?: Json }).mode
        if (args.length > 2 || (mode !== "anyOf" && mode !== "oneOf")) break
        return [mode === "oneOf" ? "oneOf" : "|", ...itemsOf(args[0]!).map(toData)]
      }
      case "Literal":
        return ["lit", literalValue(one(args))]
      case "Literals":
        return ["lits", ...itemsOf(one(args)).map(literalValue)]
      case "Array":
        return ["[]", toData(one(args))]
      case "Record":
        if (args.length !== 2) break
        return ["{}", toData(args[0]!), toData(args[1]!)]
      case "StructWithRest":
        if (args.length !== 2) break
        return ["...", toData(args[0]!), ...itemsOf(args[1]!).map(toData)]
    }
  }
  throw new Error(`codegen: unsupported construct ${print(e)}; extend scripts/codegen.ts and internal/schemaData.ts`)
}

const stripIdentifier = (runtime: string): string =>
  runtime.replace(/\.annotate\(\{ "identifier": "[^"]+" \}\)$/, "").replace(/, "identifier": "[^"]+" \}\)$/, " })")

const jsdoc = (text: string | undefined, indent = ""): string => {
  if (!text) return ""
  const lines = text.replaceAll("*/", "*\\/").split("\n")
  return `${indent}/**\n${lines.map((l) => `${indent} *${l ? " " + l : ""}`).join("\n")}\n${indent} */\n`
}

/** A JavaScript string literal of `text` in single quotes (JSON needs no escaping of its double quotes there). */
const singleQuoted = (text: string): string =>
  `'${
    text.replaceAll("\\", "\\\\").replaceAll("'", "\\'").replaceAll("\u2028", "\\u2028").replaceAll("\u2029", "\\u2029")
  }'`

const header =
  `// Generated by scripts/codegen.ts from codex-cli ${version} (app-server generate-json-schema --experimental).
// Do not edit by hand: run \`pnpm codegen\`.
/* eslint-disable */
`

const descriptions: Record<string, Json> = {}
const types: Record<string, string> = {}
const definitionCodes = [
  ...code.references.nonRecursives.map(({ $ref, code: c }) => [$ref, c] as const),
  ...Object.entries(code.references.recursives)
].toSorted(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
for (const [name, c] of definitionCodes) {
  let description: Json
  try {
    description = toData(parseCode(stripIdentifier(c.runtime)))
  } catch (e) {
    throw new Error(`codegen: definition ${name}: ${(e as Error).message}\n${c.runtime}`, { cause: e })
  }
  let type = c.Type
  if (openEnums.has(name)) {
    description = ["|", description, "string"]
    type = `${type} | (string & {})`
  }
  descriptions[name] = description
  types[name] = type
}

// Schemas.ts: the types, and for each a public codec that is built on first use (a `Schema.suspend`
// of the interpreter's schema of that name). internal/codecs.ts: the descriptions, a string each.
let schemasTs = `${header}import type * as Schema from "effect/Schema"
import { codec } from "./internal/codecs.ts"

`
for (const name of names) {
  if (!(name in types)) throw new Error(`codegen: no code for definition ${name}`)
  schemasTs += `${jsdoc(docs[name])}export type ${name} = ${types[name]}\n`
  schemasTs += `${jsdoc(docs[name])}export const ${name}: Schema.Codec<${name}> = codec("${name}")\n\n`
}

const codecsTs = `${header}/**
 * The protocol's schemas as data: one JSON description per definition (see
 * \`internal/schemaData.ts\`), each in its own string, parsed when the definition is first built.
 * \`Protocol\`'s method tables and the public codecs of \`Schemas\` build each schema on first use;
 * importing builds and parses nothing.
 *
 * @internal
 */
import type * as Schema from "effect/Schema"
import * as SchemaData from "../../internal/schemaData.ts"

/** Every definition's schema, built on first use. */
export const data: SchemaData.SchemaData = SchemaData.fromTexts({
${
  Object.entries(descriptions).map(([name, d]) =>
    `  ${/^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name)}: ${singleQuoted(JSON.stringify(d))}`
  ).join(",\n")
}
})

/** The public codec of a definition: a \`Schema.suspend\` of its schema, which is built on first use. */
export const codec = <A>(name: string): Schema.Codec<A> => data.codec(name) as Schema.Codec<A>
`

const q = JSON.stringify

/**
 * The types of the method tables, in a module of types only (\`internal/tables.ts\`, never loaded at
 * run time: Node strips type annotations at a cost per byte when it runs the TypeScript sources).
 */
let tablesTs = `${header}/**
 * The types of \`Protocol\`'s method tables, with each method's documentation. Types only: the
 * tables are built from their rows (\`internal/schemaData.ts\`), and this module is never loaded at
 * run time.
 *
 * @internal
 */
import type * as Schema from "effect/Schema"
import type * as $S from "../Schemas.ts"
`

/** A method table's type (with each method's documentation, into \`tablesTs\`) and its rows as data. */
const methodTable = (name: string, entries: ReadonlyArray<MethodEntry>, withResult: boolean): string => {
  const type = entries.map((m) => {
    const fields = [
      `readonly params: ${m.params ? `Schema.Codec<$S.${m.params}>` : "Schema.Null"}`,
      `readonly optionalParams: ${m.optionalParams}`,
      ...(withResult ? [`readonly result: Schema.Codec<$S.${m.result}>`] : []),
      `readonly experimental: ${!stableMethods.has(m.method)}`
    ]
    return `${jsdoc(m.description, "  ")}  readonly ${q(m.method)}: { ${fields.join("; ")} }`
  }).join("\n")
  const rows = entries.map((m) => [
    m.method,
    m.params ?? null,
    m.optionalParams,
    !stableMethods.has(m.method),
    ...(withResult ? [m.result!] : [])
  ])
  tablesTs += `\n/** The type of \`Protocol.${name}\`. */\nexport type ${name} = {\n${type}\n}\n`
  return `export const ${name}: $P.${name} = SchemaData.methodTable(data, ${singleQuoted(q(rows))})`
}

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

const protocolTs = `${header}import * as SchemaData from "../internal/schemaData.ts"
import { data } from "./internal/codecs.ts"
import type * as $P from "./internal/tables.ts"

/** The codex-cli version these schemas were generated from. */
export const generatedFromVersion = ${q(version)}

/**
 * Every client → server request: its params and result schemas, and whether it is experimental.
 * The schemas are built on first access (getters), so importing the tables builds none of them.
 */
${methodTable("ClientRequests", clientRequests, true)}

/** Every server → client request (approvals, user input, …): its params and the result schema of the reply. */
${methodTable("ServerRequests", serverRequests, true)}

/** Every server → client notification and its params schema. */
${methodTable("ServerNotifications", serverNotifications, false)}

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
${methodTable("ClientNotifications", clientNotifications, false)}

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

const indexTs = `${header}import * as SchemaData from "../internal/schemaData.ts"
import type * as $S from "./Schemas.ts"
import { data } from "./internal/codecs.ts"

export * from "./Protocol.ts"

/**
 * The protocol's definitions, by name (\`Schemas.Thread\`, \`Schemas.ThreadStartParams\`, …): each a type
 * and a \`Schema.Codec\` of it. A codec is made on first access and builds its schema on first use,
 * so importing the protocol builds nothing; it is the same codec as the \`generated/Schemas\`
 * module's export of that name.
 */
export const Schemas: typeof $S = SchemaData.lazyCodecs(data, ${q(names.join(" "))})

/** The protocol's types, by definition name. */
export declare namespace Schemas {
${names.map((n) => `  export type ${n} = $S.${n}`).join("\n")}
}
`

const files: Record<string, string> = {
  "Schemas.ts": schemasTs,
  "internal/codecs.ts": codecsTs,
  "internal/tables.ts": tablesTs,
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
