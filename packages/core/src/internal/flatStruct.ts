/**
 * A fast path for decoding the most frequent notifications (the streaming deltas): a struct whose
 * fields are all primitives (strings, numbers, booleans, null, literals, unions of these, with
 * `Filter` checks such as `Int`) and that has no transformation anywhere. For such a schema a
 * successful decode returns exactly what `Schema.decodeUnknown*` returns (a fresh object with the
 * declared keys present in the input, in declaration order, excess keys dropped); for anything
 * else, or any input it does not accept, the caller runs the real schema decoder, so successes,
 * failures and error messages are unchanged.
 *
 * @internal
 */
import type * as SchemaAST from "effect/SchemaAST"

type Predicate = (u: unknown) => boolean

const parseOptions = {}

interface FilterLike {
  readonly _tag: string
  readonly run: (input: unknown, ast: SchemaAST.AST, options: object) => unknown
}

/** A predicate equivalent to decoding a primitive AST node (no transformation), or `undefined`. */
const primitive = (ast: SchemaAST.AST): Predicate | undefined => {
  if (ast.encoding !== undefined) return undefined
  let base: Predicate
  switch (ast._tag) {
    case "String":
      base = (u) => typeof u === "string"
      break
    case "Number":
      base = (u) => typeof u === "number"
      break
    case "Boolean":
      base = (u) => typeof u === "boolean"
      break
    case "Null":
      base = (u) => u === null
      break
    case "Undefined":
      base = (u) => u === undefined
      break
    case "Literal": {
      const literal = ast.literal
      base = (u) => u === literal
      break
    }
    case "Union": {
      const members: Array<Predicate> = []
      for (const member of ast.types) {
        const p = primitive(member)
        if (p === undefined) return undefined
        members.push(p)
      }
      base = (u) => {
        for (let i = 0; i < members.length; i++) if (members[i]!(u)) return true
        return false
      }
      break
    }
    default:
      return undefined
  }
  const checks = ast.checks as ReadonlyArray<FilterLike> | undefined
  if (checks === undefined || checks.length === 0) return base
  if (!checks.every((check) => check._tag === "Filter" && typeof check.run === "function")) return undefined
  return (u) => {
    if (!base(u)) return false
    for (let i = 0; i < checks.length; i++) if (checks[i]!.run(u, ast, parseOptions) !== undefined) return false
    return true
  }
}

/** How a field is checked: the common cases inline, anything else through its predicate. */
const Kind = { String: 0, Number: 1, Predicate: 2 } as const
type Kind = typeof Kind[keyof typeof Kind]

const kindOf = (ast: SchemaAST.AST): Kind =>
  ast.checks === undefined || ast.checks.length === 0
    ? ast._tag === "String" ? Kind.String : ast._tag === "Number" ? Kind.Number : Kind.Predicate
    : Kind.Predicate

/** A copy of a struct's fields written as one object literal, `(p) => ({ "a": p["a"], … })`. */
export type Copy = (input: Readonly<Record<string, unknown>>) => object

/** Whether `copy` returns exactly the fields `names`, in this order, each from the same input field. */
const copiesExactly = (copy: Copy, names: ReadonlyArray<string>): boolean => {
  const probe: Record<string, unknown> = {}
  names.forEach((name, i) => probe[name] = i)
  const copied = copy(probe) as Record<string, unknown>
  const keys = Object.keys(copied)
  return keys.length === names.length && keys.every((key, i) => key === names[i] && copied[key] === i)
}

/**
 * Compiles a fast decoder for a flat struct AST: it returns the decoded value, or `undefined` when
 * the input needs the real decoder (invalid, or not certainly valid). `undefined` when the AST is
 * not a flat struct of primitives. `copy`, when given, is a copy of exactly the struct's fields in
 * declaration order written as one object literal (generated: `Protocol.ServerNotificationCopies`),
 * used when every field is present; it is ignored unless it copies exactly those fields.
 */
export const compile = (
  ast: SchemaAST.AST,
  copy?: Copy | undefined
): ((input: unknown) => object | undefined) | undefined => {
  if (ast._tag !== "Objects" || ast.encoding !== undefined) return undefined
  if (ast.indexSignatures.length > 0 || (ast.checks !== undefined && ast.checks.length > 0)) return undefined
  const names: Array<string> = []
  const kinds: Array<Kind> = []
  const predicates: Array<Predicate> = []
  const optional: Array<boolean> = []
  for (const ps of ast.propertySignatures) {
    if (typeof ps.name !== "string" || ps.name === "__proto__") return undefined
    const p = primitive(ps.type)
    if (p === undefined) return undefined
    names.push(ps.name)
    kinds.push(kindOf(ps.type))
    predicates.push(p)
    optional.push(ps.type.context?.isOptional === true)
  }
  const n = names.length
  const literal = copy !== undefined && copiesExactly(copy, names) ? copy : undefined
  return (input) => {
    if (typeof input !== "object" || input === null || Array.isArray(input)) return undefined
    const record = input as Record<string, unknown>
    let present = 0
    for (let i = 0; i < n; i++) {
      const name = names[i]!
      const value = record[name]
      if (value === undefined && optional[i] && !(name in record)) continue
      switch (kinds[i]) {
        case Kind.String:
          if (typeof value !== "string") return undefined
          break
        case Kind.Number:
          if (typeof value !== "number") return undefined
          break
        default:
          if (!predicates[i]!(value)) return undefined
      }
      present++
    }
    // every field present: one object literal (generated) instead of stores through computed keys
    if (present === n && literal !== undefined) return literal(record)
    const out: Record<string, unknown> = {}
    for (let i = 0; i < n; i++) {
      const name = names[i]!
      if (optional[i] && !(name in record)) continue
      out[name] = record[name]
    }
    return out
  }
}
