/**
 * Generates the API reference (`docs/api/`) from the doc comments of the sources.
 *
 *   node scripts/docs.ts          writes docs/api/**.md   (pnpm run docs)
 *   node scripts/docs.ts --check  fails (exit 1) when the committed files differ
 *
 * For each package, the TypeScript compiler API reads `packages/<name>/src/index.ts`; every
 * `export * as Name from "./Module.ts"` there is a module of the reference: its page has the
 * module's doc comment, then each export in source order with its signature (the declaration as
 * written, without bodies) and its doc comment (`@example` blocks kept as code). The output is
 * deterministic: no dates, no absolute paths, sorted where the source gives no order.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const outDir = path.join(root, "docs", "api")
const check = process.argv.includes("--check")

/**
 * The packages of the reference: every non-private package under `packages/` with a `src/index.ts`,
 * titled by its package.json `description`; `core` first, then `node`, then the others by name.
 */
interface Package {
  readonly dir: string
  readonly name: string
  readonly title: string
}

const packages: ReadonlyArray<Package> = fs
  .readdirSync(path.join(root, "packages"))
  .filter((dir) => fs.existsSync(path.join(root, "packages", dir, "src", "index.ts")))
  .map((dir) => {
    const json = JSON.parse(fs.readFileSync(path.join(root, "packages", dir, "package.json"), "utf8")) as {
      readonly name: string
      readonly description?: string
      readonly private?: boolean
    }
    return { dir, name: json.name, title: json.description ?? "", private: json.private === true }
  })
  .filter((p) => !p.private)
  .map(({ dir, name, title }) => ({ dir, name, title }))
  .toSorted((a, b) => {
    const rank = (dir: string) => ["core", "node"].indexOf(dir) === -1 ? 2 : ["core", "node"].indexOf(dir)
    return rank(a.dir) - rank(b.dir) || a.dir.localeCompare(b.dir)
  })

/** Modules listed in the index but not documented export by export (generated code). */
const summarizedOnly = new Set(["Protocol"])

// ---------------------------------------------------------------------------------------------
// Reading the sources
// ---------------------------------------------------------------------------------------------

/**
 * A package's public modules that its index does not re-export (reached only by their subpath, e.g.
 * `@effect-codex/node/CodexEnv`): every top-level `src/*.ts` but the index, those the index names,
 * and programs (a file starting with `#!`, e.g. the CLI's `bin.ts`).
 */
const subpathOnly = (pkg: Package): ReadonlyArray<string> => {
  const src = path.join(root, "packages", pkg.dir, "src")
  const index = fs.readFileSync(path.join(src, "index.ts"), "utf8")
  return fs.readdirSync(src)
    .filter((f) => f.endsWith(".ts") && f !== "index.ts" && !index.includes(`"./${f}"`))
    .filter((f) => !fs.readFileSync(path.join(src, f), "utf8").startsWith("#!"))
    .map((f) => path.join(src, f))
    .toSorted()
}

const program = ts.createProgram(
  packages.flatMap((p) => [path.join(root, "packages", p.dir, "src", "index.ts"), ...subpathOnly(p)]),
  {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true,
    noEmit: true,
    strict: true,
    skipLibCheck: true,
    types: ["node"]
  }
)
const checker = program.getTypeChecker()

/** The text of a JSDoc comment: its description and tags (`@example` bodies kept verbatim). */
interface Doc {
  readonly text: string
  readonly tags: ReadonlyArray<{ readonly name: string; readonly text: string }>
}

const commentText = (comment: string | ts.NodeArray<ts.JSDocComment> | undefined): string =>
  comment === undefined ? "" : typeof comment === "string" ? comment : ts.getTextOfJSDocComment(comment) ?? ""

/** The last JSDoc block attached to a node (the one right above it). */
const docOf = (node: ts.Node): Doc | undefined => {
  const blocks = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc)
  const block = blocks.at(-1)
  if (block === undefined) return undefined
  return {
    text: commentText(block.comment).trim(),
    tags: (block.tags ?? []).map((tag) => ({ name: tag.tagName.text, text: commentText(tag.comment).trim() }))
  }
}

/** The doc comment at the top of a file (the first JSDoc block, before any statement's own). */
const fileDoc = (file: ts.SourceFile): Doc | undefined => {
  const first = file.statements[0]
  if (first === undefined) return undefined
  const ranges = ts.getLeadingCommentRanges(file.text, 0) ?? []
  const range = ranges.find((r) => file.text.startsWith("/**", r.pos))
  if (range === undefined) return undefined
  // Parse the block on its own to reuse the JSDoc parser.
  const text = file.text.slice(range.pos, range.end)
  const scratch = ts.createSourceFile("doc.ts", `${text}\nconst x = 0`, ts.ScriptTarget.ES2022, true)
  return docOf(scratch.statements[0]!)
}

const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed })

/** Replaces a function body with nothing: we document the signature only. */
const withoutBodies = <T extends ts.Node>(node: T): T =>
  ts.transform(node, [(context) => {
    const visit = (n: ts.Node): ts.Node => {
      if (ts.isArrowFunction(n) && n.type !== undefined) {
        return context.factory.updateArrowFunction(
          n,
          n.modifiers,
          n.typeParameters,
          n.parameters,
          n.type,
          n.equalsGreaterThanToken,
          context.factory.createBlock([])
        )
      }
      return ts.visitEachChild(n, visit, context)
    }
    return (root) => ts.visitNode(root, visit) as T
  }]).transformed[0]!

/**
 * An inferred type as text, without the checkout's absolute paths (`import("/abs/…/effect/dist/Scope")`
 * becomes `import("effect/Scope")`), so the pages are the same on every machine.
 */
const typeText = (type: ts.Type, declaration: ts.Declaration): string =>
  checker.typeToString(type, declaration, ts.TypeFormatFlags.NoTruncation)
    .replace(
      /import\("[^"]*\/node_modules\/(?:\.pnpm\/[^/"]+\/node_modules\/)?((?:@[^/"]+\/)?[^/"]+)\/dist\/([^"]+)"\)/g,
      "import(\"$1/$2\")"
    )
    .replace(/import\("[^"]*\/packages\/([^/"]+)\/src\/([^"]+)"\)/g, "import(\"@effect-codex/$1/$2\")")

/** The signature of an exported declaration, as source text. */
const signatureOf = (declaration: ts.Declaration, name: string): string => {
  const file = declaration.getSourceFile()
  const print = (node: ts.Node) => printer.printNode(ts.EmitHint.Unspecified, node, file)
  if (ts.isVariableDeclaration(declaration)) {
    if (declaration.type !== undefined) return `const ${name}: ${print(declaration.type)}`
    const init = declaration.initializer
    if (init !== undefined && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) {
      const type = checker.getTypeAtLocation(declaration)
      const [signature] = type.getCallSignatures()
      const generics = init.typeParameters === undefined ? "" : `<${init.typeParameters.map(print).join(", ")}>`
      const params = init.parameters.map(print).join(", ")
      const returns = init.type !== undefined
        ? print(init.type)
        : signature === undefined
        ? "unknown"
        : typeText(signature.getReturnType(), declaration)
      return `const ${name}: ${generics}(${params}) => ${returns}`
    }
    const type = checker.getTypeAtLocation(declaration)
    return `const ${name}: ${typeText(type, declaration)}`
  }
  if (ts.isInterfaceDeclaration(declaration) || ts.isTypeAliasDeclaration(declaration)) {
    // As written, so the members keep their own doc comments.
    return declaration.getText(file)
  }
  if (ts.isClassDeclaration(declaration)) {
    const heritage = (declaration.heritageClauses ?? []).map((clause) => print(clause).trim()).join(" ")
    const generics = declaration.typeParameters === undefined
      ? ""
      : `<${declaration.typeParameters.map(print).join(", ")}>`
    return `class ${name}${generics}${heritage === "" ? "" : ` ${heritage}`}`
  }
  if (ts.isFunctionDeclaration(declaration)) {
    return print(ts.factory.updateFunctionDeclaration(
      declaration,
      declaration.modifiers,
      declaration.asteriskToken,
      declaration.name,
      declaration.typeParameters,
      declaration.parameters,
      declaration.type,
      undefined
    ))
  }
  return print(withoutBodies(declaration))
}

/** The statement that holds a declaration (for its doc comment). */
const statementOf = (declaration: ts.Declaration): ts.Node =>
  ts.isVariableDeclaration(declaration) || ts.isExportSpecifier(declaration) ? declaration.parent.parent : declaration

/** `packages/core/src/Codex.ts` → `@effect-codex/core/Codex`. */
const moduleName = (file: ts.SourceFile): string => {
  const [, dir, name] = /packages\/([^/]+)\/src\/(.+)\.ts$/.exec(file.fileName) ?? []
  return dir === undefined ? path.basename(file.fileName) : `@effect-codex/${dir}/${name}`
}

interface Entry {
  readonly name: string
  readonly kind: string
  readonly signature: string
  readonly doc: Doc | undefined
  readonly position: number
}

const kindOf = (declaration: ts.Declaration): string =>
  ts.isInterfaceDeclaration(declaration)
    ? "interface"
    : ts.isTypeAliasDeclaration(declaration)
    ? "type"
    : ts.isClassDeclaration(declaration)
    ? "class"
    : ts.isFunctionDeclaration(declaration)
    ? "function"
    : ts.isVariableDeclaration(declaration)
    ? "const"
    : ts.isModuleDeclaration(declaration)
    ? "namespace"
    : "export"

/** The documented exports of a module file, in source order. */
const exportsOf = (file: ts.SourceFile): ReadonlyArray<Entry> => {
  const moduleSymbol = checker.getSymbolAtLocation(file)
  if (moduleSymbol === undefined) return []
  return checker.getExportsOfModule(moduleSymbol).flatMap((exported): ReadonlyArray<Entry> => {
    const local = exported.declarations?.[0]
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
    const declarations = (symbol.declarations ?? []).filter((d) => d.getSourceFile() === file || local !== undefined)
    const declaration = declarations.find((d) => !ts.isModuleDeclaration(d)) ?? declarations[0]
    if (declaration === undefined) return []
    const name = exported.getName()
    const position = local?.getSourceFile() === file ? local.getStart() : declaration.getStart()
    if (ts.isSourceFile(declaration)) {
      // A module re-exported as a namespace (`export type { Codex }` of `import type * as Codex`).
      return [{
        name,
        kind: "namespace",
        signature: `export type { ${name} } // the module ${moduleName(declaration)}`,
        doc: undefined,
        position
      }]
    }
    const reexported = declaration.getSourceFile() !== file
    const doc = (reexported && local !== undefined ? docOf(statementOf(local)) : undefined) ??
      docOf(statementOf(declaration))
    const from = reexported ? `Re-exported from \`${moduleName(declaration.getSourceFile())}\`.` : ""
    return [{
      name,
      kind: kindOf(declaration),
      signature: signatureOf(declaration, name),
      doc: from === ""
        ? doc
        : { text: [doc?.text ?? "", from].filter((t) => t !== "").join("\n\n"), tags: doc?.tags ?? [] },
      position
    }]
  }).toSorted((a, b) => a.position - b.position || a.name.localeCompare(b.name))
}

/** The `export * as Name from "./Module.ts"` entries of an index file, with their doc comments. */
const namespacesOf = (index: ts.SourceFile) =>
  index.statements.flatMap((statement) => {
    if (
      !ts.isExportDeclaration(statement) || statement.exportClause === undefined ||
      !ts.isNamespaceExport(statement.exportClause) || statement.moduleSpecifier === undefined ||
      !ts.isStringLiteral(statement.moduleSpecifier)
    ) return []
    const target = path.resolve(path.dirname(index.fileName), statement.moduleSpecifier.text)
    const file = program.getSourceFile(target)
    if (file === undefined) throw new Error(`cannot read ${target}`)
    return [{ name: statement.exportClause.name.text, summary: docOf(statement)?.text ?? "", file }]
  })

// ---------------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------------

/** A doc comment as markdown: the description, `@example` blocks as code, other tags as a list. */
const renderDoc = (doc: Doc | undefined): string => {
  if (doc === undefined) return ""
  const parts: Array<string> = []
  if (doc.text !== "") parts.push(doc.text.replace(/\{@link\s+([^}|\s]+)[^}]*\}/g, "`$1`"))
  for (const tag of doc.tags) {
    if (tag.name === "example") {
      const body = tag.text.includes("```") ? tag.text : "```ts\n" + tag.text + "\n```"
      parts.push(`**Example**\n\n${body}`)
    }
  }
  const other = doc.tags.filter((tag) => tag.name !== "example" && tag.name !== "since")
  if (other.length > 0) parts.push(other.map((tag) => `- \`@${tag.name}\` ${tag.text}`.trimEnd()).join("\n"))
  return parts.join("\n\n")
}

const anchor = (name: string) => name.toLowerCase().replace(/[^a-z0-9_-]/g, "")

const modulePage = (
  pkg: Package,
  module: {
    readonly name: string
    readonly summary: string
    readonly file: ts.SourceFile
    readonly subpath?: boolean
  }
): string => {
  const entries = exportsOf(module.file)
  const source = path.relative(root, module.file.fileName)
  const importLine = module.subpath === true
    ? `import * as ${module.name} from "${pkg.name}/${module.name}"`
    : `import { ${module.name} } from "${pkg.name}"`
  const lines = [
    `# ${module.name}`,
    "",
    `\`${importLine}\` · source: [\`${source}\`](../../../${source})`,
    "",
    renderDoc(fileDoc(module.file)) || module.summary,
    "",
    "## Exports",
    "",
    entries.map((e) => `[\`${e.name}\`](#${anchor(e.name)})`).join(" · "),
    ""
  ]
  for (const entry of entries) {
    lines.push(`### ${entry.name}`, "", `_${entry.kind}_`, "", "```ts", entry.signature, "```", "")
    const doc = renderDoc(entry.doc)
    if (doc !== "") lines.push(doc, "")
  }
  return lines.join("\n")
}

const summaryPage = (
  pkg: Package,
  module: { readonly name: string; readonly summary: string; readonly file: ts.SourceFile }
): string =>
  [
    `# ${module.name}`,
    "",
    `\`import { ${module.name} } from "${pkg.name}"\` · source: [\`${
      path.relative(root, path.dirname(module.file.fileName))
    }\`](../../../${path.relative(root, path.dirname(module.file.fileName))})`,
    "",
    module.summary,
    "",
    renderDoc(fileDoc(module.file)),
    "",
    "This module is generated from the app-server's JSON Schema (`pnpm codegen`) and is not listed export by " +
    "export here: its types and schemas are named as in the protocol (`ThreadStartParams`, `Turn`, `ThreadItem`, …).",
    ""
  ].join("\n")

const files = new Map<string, string>()
const index = [
  "# API reference",
  "",
  "Generated from the doc comments by `pnpm run docs` (`scripts/docs.ts`); do not edit by hand.",
  ""
]
for (const pkg of packages) {
  const indexFile = program.getSourceFile(path.join(root, "packages", pkg.dir, "src", "index.ts"))
  if (indexFile === undefined) throw new Error(`cannot read ${pkg.name}`)
  index.push(`## ${pkg.name}`, "", pkg.title, "")
  for (const module of namespacesOf(indexFile)) {
    const page = `${pkg.dir}/${module.name}.md`
    files.set(page, summarizedOnly.has(module.name) ? summaryPage(pkg, module) : modulePage(pkg, module))
    index.push(`- [${module.name}](${page}): ${module.summary}`)
  }
  for (const fileName of subpathOnly(pkg)) {
    const file = program.getSourceFile(fileName)
    if (file === undefined) throw new Error(`cannot read ${fileName}`)
    const name = path.basename(fileName, ".ts")
    const summary = (fileDoc(file)?.text ?? "").split(/\n\n/)[0]!.replace(/\s+/g, " ")
      .replace(/\{@link\s+([^}|\s]+)[^}]*\}/g, "`$1`")
    const page = `${pkg.dir}/${name}.md`
    files.set(page, modulePage(pkg, { name, summary, file, subpath: true }))
    index.push(`- [${name}](${page}) (\`${pkg.name}/${name}\`, not in the index): ${summary}`)
  }
  index.push("")
}
files.set("README.md", index.join("\n"))

// ---------------------------------------------------------------------------------------------
// Writing (or checking)
// ---------------------------------------------------------------------------------------------

const normalize = (text: string) => text.replace(/\n{3,}/g, "\n\n").trimEnd() + "\n"
const listDocs = (dir: string): ReadonlyArray<string> =>
  fs.existsSync(dir)
    ? fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".md")).toSorted()
    : []

if (check) {
  const stale = [...files].filter(([file, text]) => {
    const target = path.join(outDir, file)
    return !fs.existsSync(target) || fs.readFileSync(target, "utf8") !== normalize(text)
  }).map(([file]) => file)
  const extra = listDocs(outDir).filter((file) => !files.has(file))
  if (stale.length > 0 || extra.length > 0) {
    console.error(`docs/api is out of date (${[...stale, ...extra].join(", ")}): run \`pnpm docs\``)
    process.exit(1)
  }
  console.log(`docs/api is up to date (${files.size} files)`)
} else {
  fs.rmSync(outDir, { recursive: true, force: true })
  for (const [file, text] of files) {
    fs.mkdirSync(path.dirname(path.join(outDir, file)), { recursive: true })
    fs.writeFileSync(path.join(outDir, file), normalize(text))
  }
  console.log(`wrote ${files.size} files to ${path.relative(root, outDir)}`)
}
