/**
 * Type-checks the code examples of the documentation, so that none drifts from the API.
 *
 *   node scripts/check-examples.ts          (pnpm run docs:examples; part of pnpm run ci)
 *   node scripts/check-examples.ts --list   also prints every example it checked
 *
 * Examples are the ```ts blocks of `README.md`, `docs/*.md` and `packages/* /README.md`, and the ```ts
 * blocks of the doc comments in `packages/* /src` (the `@example`s; generated code excluded;
 * `docs/api/` is generated from those comments, so it is covered through them).
 *
 * Each block is one module of a single in-memory TypeScript program (nothing is written to disk),
 * placed under `examples/` so that it resolves the workspace packages and `effect` as the example
 * programs do, with the repository's compiler options (strict, exactOptionalPropertyTypes, …; unused
 * names allowed; the workspace packages through their `dist/` declarations when a build newer than
 * their sources exists, else through their sources). A block that is not a whole program (a fragment such as `program.pipe(...)` that uses
 * names defined elsewhere) declares what it uses in a leading `// declare:` comment, e.g.
 * `// declare: const program: Effect.Effect<void>`: the checker turns it into a real `declare`
 * statement (the comment stays readable in the docs). The imports a fragment needs go in the block too.
 * A block whose info string says `ts no-check` is skipped (use it for pseudo-code only).
 *
 * Fails (exit 1) with `file:line` of the block and the compiler's message.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const list = process.argv.includes("--list")
const virtualDir = path.join(root, "examples", ".doc-examples")

interface Example {
  /** Where the block is, for messages: `file:line` of its first code line. */
  readonly file: string
  readonly line: number
  readonly code: string
}

/** The ```ts blocks of a text, with the line (1-based) of each block's first code line. */
const blocks = (text: string): ReadonlyArray<{ readonly line: number; readonly code: string }> => {
  const out: Array<{ line: number; code: string }> = []
  const lines = text.split("\n")
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*```(ts|typescript)(\s.*)?$/.exec(lines[i]!)
    if (open === null) continue
    const start = i + 1
    let end = start
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end]!)) end++
    if (!(open[2] ?? "").includes("no-check")) out.push({ line: start + 1, code: lines.slice(start, end).join("\n") })
    i = end
  }
  return out
}

const markdownFiles = (): ReadonlyArray<string> => [
  path.join(root, "README.md"),
  ...fs.readdirSync(path.join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => path.join(root, "docs", f)),
  ...fs.readdirSync(path.join(root, "packages")).map((p) => path.join(root, "packages", p, "README.md")).filter((f) =>
    fs.existsSync(f)
  )
]

const sourceFiles = (): ReadonlyArray<string> => {
  const out: Array<string> = []
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) {
        if (entry.name !== "generated" && entry.name !== "node_modules") walk(full)
      } else if (entry.name.endsWith(".ts")) out.push(full)
    }
  }
  for (const pkg of fs.readdirSync(path.join(root, "packages"))) {
    const src = path.join(root, "packages", pkg, "src")
    if (fs.existsSync(src)) walk(src)
  }
  return out.toSorted()
}

/** The ```ts blocks inside the `/** … *\/` comments of a source file, lines mapped to the file. */
const commentBlocks = (text: string): ReadonlyArray<{ readonly line: number; readonly code: string }> => {
  const out: Array<{ line: number; code: string }> = []
  const re = /\/\*\*[\s\S]*?\*\//g
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const firstLine = text.slice(0, m.index).split("\n").length
    const body = m[0].split("\n").map((l) => l.replace(/^\s*\/?\*\*?\/?( ?)/, "").replace(/\s*\*\/$/, "")).join("\n")
    for (const b of blocks(body)) out.push({ line: firstLine + b.line - 1, code: b.code })
  }
  return out
}

const collect = (): ReadonlyArray<Example> => {
  const out: Array<Example> = []
  for (const file of markdownFiles()) {
    for (const b of blocks(fs.readFileSync(file, "utf8"))) out.push({ file, ...b })
  }
  for (const file of sourceFiles()) {
    for (const b of commentBlocks(fs.readFileSync(file, "utf8"))) out.push({ file, ...b })
  }
  return out
}

/** `// declare: X` lines become `declare X` (same line, so positions are kept). */
const withDeclarations = (code: string): string => code.replace(/^(\s*)\/\/ declare: /gm, "$1declare ")

/** `export * as Name from "./File.ts"` of each package's index: `Name` → `@effect-codex/pkg/File`. */
const namespaces = (): ReadonlyMap<string, string> => {
  const out = new Map<string, string>()
  for (
    const name of [
      "Effect",
      "Stream",
      "Layer",
      "Schema",
      "Console",
      "Schedule",
      "Duration",
      "Option",
      "Config",
      "Redacted"
    ]
  ) {
    out.set(name, `effect/${name}`)
  }
  for (const pkg of fs.readdirSync(path.join(root, "packages"))) {
    const index = path.join(root, "packages", pkg, "src", "index.ts")
    if (!fs.existsSync(index)) continue
    const json = JSON.parse(fs.readFileSync(path.join(root, "packages", pkg, "package.json"), "utf8")) as {
      name: string
    }
    const re = /export \* as (\w+) from "\.\/([\w/]+)\.ts"/g
    const text = fs.readFileSync(index, "utf8")
    for (let m = re.exec(text); m !== null; m = re.exec(text)) out.set(m[1]!, `${json.name}/${m[2]!}`)
  }
  return out
}

/**
 * What a fragment may use without declaring it: the value it is about (`thread`, `codex`, …). Only
 * declared when the block uses the name and does not define it.
 */
const contextValues: Readonly<Record<string, string>> = {
  codex: "Codex.Service",
  thread: "Thread.Thread",
  handle: "Turn.TurnHandle",
  turn: "Turn.TurnHandle",
  program: "Effect.Effect<void, unknown, Codex.Codex>",
  request: "Effect.Effect<unknown, AppServerClient.RequestError>",
  questions: "ReadonlyArray<string>",
  myTransport: "Layer.Layer<Transport.Transport>",
  dataUrl: "string",
  client: "AppServerClient.Service",
  result: "Turn.TurnResult",
  token: "string",
  secret: "string",
  key: "string"
}

/** The identifiers a block uses and the names it defines at top level (imports, declarations). */
const names = (code: string): { readonly used: ReadonlySet<string>; readonly defined: ReadonlySet<string> } => {
  const file = ts.createSourceFile("block.ts", code, ts.ScriptTarget.ES2023, true)
  const used = new Set<string>()
  const defined = new Set<string>()
  // identifiers that name something in scope (not `x` of `a.x`, `A.x` or `{ x: … }`)
  const isMember = (node: ts.Identifier): boolean => {
    const parent = node.parent
    return (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
      (ts.isQualifiedName(parent) && parent.right === node) ||
      ((ts.isPropertyAssignment(parent) || ts.isPropertySignature(parent) || ts.isMethodDeclaration(parent)) &&
        parent.name === node)
  }
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && !isMember(node)) used.add(node.text)
    ts.forEachChild(node, visit)
  }
  visit(file)
  const bind = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) defined.add(name.text)
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) bind(element.name)
  }
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause
      if (clause?.name !== undefined) defined.add(clause.name.text)
      const bindings = clause?.namedBindings
      if (bindings !== undefined && ts.isNamespaceImport(bindings)) defined.add(bindings.name.text)
      if (bindings !== undefined && ts.isNamedImports(bindings)) {
        for (const element of bindings.elements) defined.add(element.name.text)
      }
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) bind(declaration.name)
    } else if (
      (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement)) && statement.name !== undefined
    ) {
      defined.add(statement.name.text)
    }
  }
  return { used, defined }
}

/** The names a module exports (for its own doc comments, which may use them unqualified). */
const exportedNames = (file: string): ReadonlyArray<{ readonly name: string; readonly typeOnly: boolean }> =>
  [...fs.readFileSync(file, "utf8").matchAll(/^export (?:declare )?(const|function|class|type|interface) (\w+)/gm)]
    .map((m) => ({ name: m[2]!, typeOnly: m[1] === "type" || m[1] === "interface" }))

/** The module specifier of a source file (`@effect-codex/core/Errors`), or undefined for markdown. */
const moduleOf = (file: string): string | undefined => {
  const m = /packages\/([^/]+)\/src\/(.+)\.ts$/.exec(file.replaceAll(path.sep, "/"))
  if (m === null) return undefined
  const json = JSON.parse(fs.readFileSync(path.join(root, "packages", m[1]!, "package.json"), "utf8")) as {
    name: string
  }
  return `${json.name}/${m[2]!}`
}

/**
 * The module checked for a block: a one-line prelude (imports of the namespaces and context values
 * the block uses but does not define), then the block with `// declare:` lines applied; a block with
 * a top-level `yield*` runs inside `Effect.gen` (opened on its last import's line, so lines are kept).
 */
const moduleText = (example: Example, spaces: ReadonlyMap<string, string>): string => {
  const code = withDeclarations(example.code)
  const { defined, used } = names(code)
  const needed = new Set<string>()
  const wrap = /yield\*/.test(code) && !/function\*/.test(code)
  if (wrap) needed.add("Effect")
  for (const [name, type] of Object.entries(contextValues)) {
    if (used.has(name) && !defined.has(name)) {
      needed.add(name)
      for (const m of type.matchAll(/\b([A-Z]\w*)\./g)) needed.add(m[1]!)
    }
  }
  for (const name of used) if (spaces.has(name)) needed.add(name)
  const prelude: Array<string> = []
  const module = moduleOf(example.file)
  // a module's own doc comments may use its exports unqualified (the namespace wins a name clash)
  const own = module === undefined ?
    [] :
    exportedNames(example.file).filter((e) => used.has(e.name) && !defined.has(e.name) && !spaces.has(e.name))
  if (own.length > 0) {
    const list = own.map((e) => (e.typeOnly ? `type ${e.name}` : e.name)).join(", ")
    prelude.push(`import { ${list} } from "${module}"`)
  }
  for (const name of needed) {
    if (defined.has(name) || own.some((e) => e.name === name)) continue
    const specifier = spaces.get(name)
    if (specifier !== undefined) prelude.push(`import * as ${name} from "${specifier}"`)
  }
  for (const name of needed) {
    const type = contextValues[name]
    if (type !== undefined && !defined.has(name)) prelude.push(`declare const ${name}: ${type}`)
  }
  if (!wrap) return `${prelude.join("; ")}\n${code}`
  const file = ts.createSourceFile("block.ts", code, ts.ScriptTarget.ES2023, true)
  const imports = file.statements.filter(ts.isImportDeclaration)
  const cut = imports.length === 0 ? 0 : imports[imports.length - 1]!.end
  const open = "; const __example = Effect.gen(function*() {"
  return imports.length === 0
    ? `${prelude.join("; ")}${open}\n${code}\n})`
    : `${prelude.join("; ")}\n${code.slice(0, cut)}${open}${code.slice(cut)}\n})`
}

/** Whether a package's sources changed after its last build (then its sources are checked instead). */
const isStale = (pkg: string): boolean => {
  const info = path.join(root, "packages", pkg, "build", ".tsbuildinfo")
  if (!fs.existsSync(info)) return true
  const built = fs.statSync(info).mtimeMs
  const newer = (dir: string): boolean =>
    fs.readdirSync(dir, { withFileTypes: true }).some((entry) => {
      const full = path.join(dir, entry.name)
      return entry.isDirectory() ? newer(full) : fs.statSync(full).mtimeMs > built
    })
  return newer(path.join(root, "packages", pkg, "src"))
}

/** `paths` mapping each package with a built `dist/index.d.ts` to its declarations. */
const distPaths = (): Record<string, Array<string>> => {
  const out: Record<string, Array<string>> = {}
  for (const pkg of fs.readdirSync(path.join(root, "packages"))) {
    const dist = path.join(root, "packages", pkg, "dist")
    if (!fs.existsSync(path.join(dist, "index.d.ts")) || isStale(pkg)) continue
    const json = JSON.parse(fs.readFileSync(path.join(root, "packages", pkg, "package.json"), "utf8")) as {
      name: string
    }
    out[json.name] = [path.join(dist, "index.d.ts")]
    out[`${json.name}/*`] = [path.join(dist, "*.d.ts")]
  }
  return out
}

const main = (): void => {
  const examples = collect()
  const virtual = new Map<string, Example>()
  const texts = new Map<string, string>()
  const spaces = namespaces()
  examples.forEach((example, i) => {
    const name = path.join(virtualDir, `example-${String(i).padStart(3, "0")}.ts`)
    virtual.set(name, example)
    texts.set(name, moduleText(example, spaces))
  })

  const base = ts.readConfigFile(path.join(root, "tsconfig.base.json"), ts.sys.readFile)
  const parsed = ts.parseJsonConfigFileContent(base.config, ts.sys, root)
  const options: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: true,
    composite: false,
    incremental: false,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
    noUnusedLocals: false,
    noUnusedParameters: false,
    rewriteRelativeImportExtensions: false,
    // the workspace packages through their built declarations (`dist/`, written by `pnpm check`) when
    // present: checking against `.d.ts` instead of the sources (with the generated schemas) is ~5x faster
    paths: distPaths()
  }
  const host = ts.createCompilerHost(options)
  const getSourceFile = host.getSourceFile.bind(host)
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const text = texts.get(path.resolve(fileName))
    return text === undefined
      ? getSourceFile(fileName, languageVersion, onError, shouldCreate)
      : ts.createSourceFile(fileName, text, languageVersion, true)
  }
  const fileExists = host.fileExists.bind(host)
  host.fileExists = (fileName) => texts.has(path.resolve(fileName)) || fileExists(fileName)
  const readFile = host.readFile.bind(host)
  host.readFile = (fileName) => texts.get(path.resolve(fileName)) ?? readFile(fileName)

  const program = ts.createProgram([...texts.keys()], options, host)
  const diagnostics = ts.getPreEmitDiagnostics(program)
  const failures: Array<string> = []
  for (const d of diagnostics) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n")
    const fileName = d.file === undefined ? undefined : path.resolve(d.file.fileName)
    const example = fileName === undefined ? undefined : virtual.get(fileName)
    if (d.file === undefined || example === undefined || d.start === undefined) {
      failures.push(`${d.file?.fileName ?? "(global)"}: ${message}`)
      continue
    }
    // line 0 is the prelude; the block starts on line 1
    const { line } = d.file.getLineAndCharacterOfPosition(d.start)
    const where = line === 0 ? `${example.line} (prelude)` : `${example.line + line - 1}`
    failures.push(`${path.relative(root, example.file)}:${where}: ${message}`)
  }
  if (list) {
    for (const e of examples) console.log(`${path.relative(root, e.file)}:${e.line}`)
  }
  const files = new Set(examples.map((e) => e.file)).size
  if (failures.length > 0) {
    console.error(failures.join("\n"))
    console.error(`check-examples: ${failures.length} error(s) in ${examples.length} examples from ${files} files`)
    process.exitCode = 1
  } else {
    console.log(`check-examples: ${examples.length} examples from ${files} files type-check`)
  }
}

main()
