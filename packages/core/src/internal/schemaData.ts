/**
 * Builds the generated protocol schemas from their description as data (JSON, emitted by
 * `scripts/codegen.ts` into `generated/internal/codecs.ts`): each schema on first use, memoized by
 * name, with the schemas it references built the same way. Each definition's description is a
 * string literal, parsed when it is first built, so that importing the protocol builds and parses
 * nothing and a program parses only the definitions it uses.
 *
 * The description of a schema (a `Description`) is:
 *
 * - a keyword: `"string"`, `"number"`, `"int"`, `"finite"`, `"boolean"`, `"null"`, `"json"`,
 *   `"never"`, `"unknown"` (`Schema.String`, …, `Schema.Json`, …);
 * - any other string: a reference to the definition of that name;
 * - an object: a `Schema.Struct` of its fields, each a description or `["?", description]`
 *   (`Schema.optionalKey`);
 * - a tagged array: `["|", ...members]` (`Schema.Union`), `["oneOf", ...members]` (`Schema.Union` in
 *   mode `"oneOf"`: exactly one member must match), `["lit", value]` (`Schema.Literal`),
 *   `["lits", ...values]` (`Schema.Literals`), `["[]", item]` (`Schema.Array`), `["{}", key, value]`
 *   (`Schema.Record`), `["...", struct, ...records]` (`Schema.StructWithRest`),
 *   `["check", schema, ...checks]` (`.check`), `["@", schema, annotations]` (`.annotate`);
 * - a check: `[name, argument]` or `[name, argument, annotations]`, where name is
 *   `"isGreaterThanOrEqualTo"` or `"isMinLength"`.
 *
 * Every definition is annotated with its name as `identifier`. A reference to a definition that is
 * being built (a cycle) is a `Schema.suspend` of it; any other reference is the built schema itself,
 * so that a schema built here has the same AST as one written out as code. A description this
 * module does not know (an unknown name, tag, keyword or check) builds a schema that rejects every
 * input with a message naming what is missing.
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"

/** The description of one schema (see the module documentation). */
export type Description =
  | string
  | { readonly [field: string]: Description }
  | ReadonlyArray<Description | number | boolean | null | { readonly [key: string]: unknown }>

/** The schemas of a set of definitions, built on first use. */
export interface SchemaData {
  /** The schema of the definition `name`, built on the first call (and what it references), then the same one. */
  readonly get: (name: string) => Schema.Top
  /** The names of all definitions. */
  readonly names: () => ReadonlyArray<string>
  /**
   * The public codec of the definition `name`: a `Schema.suspend` of its schema (which is built on
   * the codec's first use), the same codec on every call.
   */
  readonly codec: (name: string) => Schema.Top
  /** How many definitions are built so far (0 until the first use: the description is not even parsed). */
  readonly built: () => number
}

type Annotations = Schema.Annotations.Annotations
type Check = ReadonlyArray<unknown>
type AnyCheck = SchemaAST.Check<any>

/** A schema that rejects every input, saying what the description lacks. */
const unknownConstruct = (what: string): Schema.Top => {
  const message = `no schema: ${what}, which the generated protocol description lacks`
  return Schema.Unknown.check(Schema.makeFilter(() => message, { expected: message }))
}

const keyword = (name: string): Schema.Top | undefined => {
  switch (name) {
    case "string":
      return Schema.String
    case "number":
      return Schema.Number
    case "int":
      return Schema.Int
    case "finite":
      return Schema.Finite
    case "boolean":
      return Schema.Boolean
    case "null":
      return Schema.Null
    case "json":
      return Schema.Json
    case "never":
      return Schema.Never
    case "unknown":
      return Schema.Unknown
  }
  return undefined
}

const makeCheck = (check: Check): AnyCheck | undefined => {
  const [name, argument, annotations] = check
  if (typeof argument !== "number") return undefined
  let made: AnyCheck
  switch (name) {
    case "isGreaterThanOrEqualTo":
      made = Schema.isGreaterThanOrEqualTo(argument)
      break
    case "isMinLength":
      made = Schema.isMinLength(argument)
      break
    default:
      return undefined
  }
  return annotations === undefined ? made : made.annotate(annotations as Annotations)
}

/**
 * Reads `{ [name]: JSON text of its Description }` (what codegen emits): each text is parsed when
 * its definition is first built, so a program parses the few dozen definitions it uses, not all
 * (parsing the whole protocol at once is ~20 ms of a short program's CPU).
 */
export const fromTexts = (texts: Readonly<Record<string, string>>): SchemaData => {
  const built = new Map<string, Schema.Top>()
  const building = new Set<string>()

  const get = (name: string): Schema.Top => {
    const done = built.get(name)
    if (done !== undefined) return done
    // a cycle: the definition refers to itself through the ones being built; refer to it lazily
    if (building.has(name)) return Schema.suspend(() => get(name))
    if (!Object.hasOwn(texts, name)) return unknownConstruct(`the definition ${JSON.stringify(name)}`)
    building.add(name)
    const schema = build(JSON.parse(texts[name]!) as Description).annotate({ identifier: name })
    building.delete(name)
    built.set(name, schema)
    return schema
  }

  const build = (d: Description): Schema.Top => {
    if (typeof d === "string") return keyword(d) ?? get(d)
    if (!Array.isArray(d)) return struct(d as { readonly [field: string]: Description })
    const [tag, ...args] = d as ReadonlyArray<unknown>
    switch (tag) {
      case "|":
        return Schema.Union((args as ReadonlyArray<Description>).map(build))
      case "oneOf":
        return Schema.Union((args as ReadonlyArray<Description>).map(build), { mode: "oneOf" })
      case "lit":
        return Schema.Literal(args[0] as string | number | boolean)
      case "lits":
        return Schema.Literals(args as ReadonlyArray<string | number | boolean>)
      case "[]":
        return Schema.Array(build(args[0] as Description))
      case "{}":
        return Schema.Record(build(args[0] as Description) as Schema.Record.Key, build(args[1] as Description))
      case "...": {
        const [base, ...records] = args as ReadonlyArray<Description>
        return Schema.StructWithRest(
          build(base!) as unknown as Schema.StructWithRest.Objects,
          records.map(build) as unknown as Schema.StructWithRest.Records
        )
      }
      case "check": {
        const [base, ...checks] = args as [Description, ...ReadonlyArray<Check>]
        const made: Array<AnyCheck> = []
        for (const check of checks) {
          const c = makeCheck(check)
          if (c === undefined) return unknownConstruct(`the check ${JSON.stringify(check)}`)
          made.push(c)
        }
        const schema = build(base)
        return made.length === 0 ? schema : schema.check(...(made as [AnyCheck, ...Array<AnyCheck>]))
      }
      case "@":
        return build(args[0] as Description).annotate(args[1] as Annotations)
    }
    return unknownConstruct(`the construct ${JSON.stringify(tag)}`)
  }

  const struct = (fields: { readonly [field: string]: Description }): Schema.Top => {
    const out: Record<string, Schema.Top> = {}
    for (const key of Object.keys(fields)) {
      const field = fields[key]!
      out[key] = Array.isArray(field) && field[0] === "?"
        ? Schema.optionalKey(build(field[1] as Description))
        : build(field)
    }
    return Schema.Struct(out as Schema.Struct.Fields)
  }

  const codecs = new Map<string, Schema.Top>()
  const codec = (name: string): Schema.Top => {
    let made = codecs.get(name)
    if (made === undefined) codecs.set(name, made = Schema.suspend(() => get(name)))
    return made
  }

  return { get, names: () => Object.keys(texts), codec, built: () => built.size }
}

/**
 * A method table from its rows (JSON `[method, params | null, optionalParams, experimental, result?]`):
 * for each method an entry `{ params, optionalParams, result?, experimental }` whose schemas are
 * getters that build on first access; a method without params has `Schema.Null` as `params`. The
 * caller states the table's type.
 */
export const methodTable = <T>(data: SchemaData, json: string): T => {
  const rows = JSON.parse(json) as ReadonlyArray<
    readonly [method: string, params: string | null, optionalParams: boolean, experimental: boolean, result?: string]
  >
  const table: Record<string, object> = {}
  for (const [method, params, optionalParams, experimental, result] of rows) {
    table[method] = result === undefined
      ? params === null
        ? { params: Schema.Null, optionalParams, experimental }
        : {
          get params() {
            return data.get(params)
          },
          optionalParams,
          experimental
        }
      : params === null
      ? {
        params: Schema.Null,
        optionalParams,
        get result() {
          return data.get(result)
        },
        experimental
      }
      : {
        get params() {
          return data.get(params)
        },
        optionalParams,
        get result() {
          return data.get(result)
        },
        experimental
      }
  }
  return table as T
}

/**
 * An object with the public codec of each definition in `names` (separated by spaces) as a getter
 * (`data.codec`: made on first access, then the same one): `Protocol.Schemas` without making 929
 * codecs at import. Like a module namespace object it has no prototype, which also keeps V8 from
 * giving it a new hidden class per property (~3× slower to make); the getters stay getters, as
 * redefining hundreds of properties of one object as values is slow too. The caller states the
 * object's type.
 */
export const lazyCodecs = <T>(data: SchemaData, names: string): T => {
  const codecs: Record<string, Schema.Top> = Object.create(null)
  for (const name of names.split(" ")) {
    Object.defineProperty(codecs, name, { enumerable: true, get: () => data.codec(name) })
  }
  return codecs as T
}
