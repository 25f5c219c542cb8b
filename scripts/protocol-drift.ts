/**
 * What `pnpm run compat` compares: the protocol as the generated code holds it (the method tables
 * of `generated/Protocol.ts` and the definitions of `generated/internal/codecs.ts`), read back
 * from a generated directory, and the drift between two of them as report lines. Its own module so
 * that a test can hold it to the format `scripts/codegen.ts` writes.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as vm from "node:vm"

export type Row = readonly [
  method: string,
  params: string | null,
  optional: boolean,
  experimental: boolean,
  result?: string
]
export interface Protocol {
  readonly version: string
  readonly tables: Readonly<Record<string, ReadonlyArray<Row>>>
  readonly definitions: Readonly<Record<string, unknown>>
}

/** A single-quoted string literal of the generated code (JSON inside), as its value. */
const literal = (text: string): string => vm.runInNewContext(text) as string

/** Reads the protocol from a generated directory (`Protocol.ts`, `internal/codecs.ts`). */
export const readProtocol = (dir: string): Protocol => {
  const protocolTs = fs.readFileSync(path.join(dir, "Protocol.ts"), "utf8")
  const codecsTs = fs.readFileSync(path.join(dir, "internal/codecs.ts"), "utf8")
  const tables: Record<string, ReadonlyArray<Row>> = {}
  for (
    const m of protocolTs.matchAll(
      /export const (\w+): \$P\.\w+ = SchemaData\.methodTable\(data, ('(?:[^'\\]|\\.)*')\)/g
    )
  ) {
    tables[m[1]!] = JSON.parse(literal(m[2]!))
  }
  // `SchemaData.fromTexts({ Name: '<JSON of its description>', … })`: the object literal, evaluated
  const start = codecsTs.indexOf("SchemaData.fromTexts(")
  const end = codecsTs.lastIndexOf("})")
  if (start < 0 || end < start || Object.keys(tables).length !== 4) {
    throw new Error(`compat: cannot read the generated code in ${dir}`)
  }
  const texts = vm.runInNewContext(`(${codecsTs.slice(start + "SchemaData.fromTexts(".length, end + 1)})`) as Record<
    string,
    string
  >
  const definitions = Object.fromEntries(Object.entries(texts).map(([name, text]) => [name, JSON.parse(text)]))
  const version = /generatedFromVersion = "([^"]+)"/.exec(protocolTs)?.[1] ?? "?"
  return { version, tables, definitions }
}

const tableNames: Record<string, string> = {
  ClientRequests: "client requests",
  ServerRequests: "server requests",
  ServerNotifications: "server notifications",
  ClientNotifications: "client notifications"
}

const isStruct = (d: unknown): d is Record<string, unknown> => typeof d === "object" && d !== null && !Array.isArray(d)

/** For two struct descriptions: ` (+added, -removed, ~retyped fields)`; for anything else: ``. */
const fieldChanges = (before: unknown, after: unknown): string => {
  if (!isStruct(before) || !isStruct(after)) return ""
  const changes = [
    ...Object.keys(after).filter((f) => !(f in before)).map((f) => `+${f}`),
    ...Object.keys(before).filter((f) => !(f in after)).map((f) => `-${f}`),
    ...Object.keys(after).filter((f) => f in before && JSON.stringify(before[f]) !== JSON.stringify(after[f])).map((
      f
    ) => `~${f}`)
  ]
  return changes.length > 0 ? ` (${changes.join(" ")})` : ""
}

/** The drift of `next` against `base`, as report lines (none: no drift). */
export const drift = (base: Protocol, next: Protocol): Array<string> => {
  const lines: Array<string> = []
  const list = (label: string, names: ReadonlyArray<string>) => {
    if (names.length > 0) lines.push(`  ${label} (${names.length}): ${names.join(", ")}`)
  }
  for (const [table, label] of Object.entries(tableNames)) {
    const before = new Map((base.tables[table] ?? []).map((r) => [r[0], r]))
    const after = new Map((next.tables[table] ?? []).map((r) => [r[0], r]))
    list(`${label} added`, [...after.keys()].filter((m) => !before.has(m)))
    list(`${label} removed`, [...before.keys()].filter((m) => !after.has(m)))
    list(
      `${label} changed`,
      [...after].flatMap(([m, r]) => {
        const b = before.get(m)
        if (b === undefined) return []
        const what = [
          b[1] !== r[1] ? `params ${b[1]} -> ${r[1]}` : undefined,
          b[2] !== r[2] ? (r[2] ? "params now optional" : "params now required") : undefined,
          b[3] !== r[3] ? (r[3] ? "now experimental" : "now stable") : undefined,
          b[4] !== r[4] ? `result ${b[4]} -> ${r[4]}` : undefined
        ].filter((w) => w !== undefined)
        return what.length > 0 ? [`${m} (${what.join("; ")})`] : []
      })
    )
  }
  const before = base.definitions
  const after = next.definitions
  list("definitions added", Object.keys(after).filter((n) => !(n in before)))
  list("definitions removed", Object.keys(before).filter((n) => !(n in after)))
  list(
    "definitions changed",
    Object.keys(after).filter((n) => n in before && JSON.stringify(before[n]) !== JSON.stringify(after[n])).map((n) =>
      `${n}${fieldChanges(before[n], after[n])}`
    )
  )
  return lines
}
