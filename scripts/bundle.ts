/**
 * Bundles a package's JavaScript: from what `tsc -b` emits to `build/` (one `.js` per source
 * module), writes `dist/index.js` (the whole package, one file) plus a thin file per public module,
 * so that a program that imports the package loads one file instead of one per module. tsc writes
 * the declarations (`.d.ts`) straight to `dist/`; this script leaves them alone.
 *
 *   node ../../scripts/bundle.ts    (in a package: its `build` and `prepack` run `tsc -b` then this)
 *
 * Why: Node pays a cost per ES module it loads (resolve, stat, read, compile, link). Importing core +
 * node after the `effect` floor took ~126 ms as one file per package against ~173 ms as ~60 modules
 * (CPU time, medians of 10 alternating fresh processes; bench/RESULTS.md, "Start-up, third pass").
 *
 * 1. esbuild bundles `build/index.js` with a source map that chains through tsc's maps to
 *    `src/*.ts`, which the package ships. Every bare import stays external (`effect`, `ws`, the other
 *    `@effect-codex/*` packages). What the package loads with a dynamic `import()` (the remote
 *    transports, the `Config` readers) stays lazy: esbuild splits it into chunks under
 *    `dist/internal/`, which the package's `exports` keep private.
 * 2. Every other public module (`build/**\/*.js` outside `internal/`) becomes a thin module that
 *    re-exports its members from the bundle's namespaces, found by identity (the same values), so
 *    `@effect-codex/core/Codex` and `@effect-codex/core`'s `Codex` are one module's values. A public
 *    module that the index does not re-export (e.g. node's `CodexEnv`) becomes an entry point of its
 *    own, sharing chunks with the index; a program (starting with `#!`, the CLI's `bin.js`) is
 *    copied as emitted.
 */
import * as esbuild from "esbuild"
import * as fs from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"

const pkgDir = path.resolve(process.argv[2] ?? ".")
const build = path.join(pkgDir, "build")
const dist = path.join(pkgDir, "dist")

class BundleError extends Error {}

/** Every `.js` file under dir, relative to it, with `/` separators. */
const jsFiles = (dir: string): Array<string> =>
  (fs.readdirSync(dir, { recursive: true }) as Array<string>)
    .filter((f) => f.endsWith(".js"))
    .map((f) => f.split(path.sep).join("/"))
    .toSorted()

const isInternal = (file: string) => file.split("/").includes("internal")

type Namespace = Readonly<Record<string, unknown>>

/** The namespaces of the index, depth first, with their access paths (e.g. `["Protocol", "Schemas"]`). */
const namespaces = (root: Namespace): Array<{ readonly path: ReadonlyArray<string>; readonly ns: Namespace }> => {
  const out: Array<{ readonly path: ReadonlyArray<string>; readonly ns: Namespace }> = []
  const visit = (ns: Namespace, at: ReadonlyArray<string>) => {
    for (const [key, value] of Object.entries(ns)) {
      // ES module namespace objects are the only values whose toStringTag is "Module"
      if (typeof value === "object" && value !== null && Object.prototype.toString.call(value) === "[object Module]") {
        out.push({ path: [...at, key], ns: value as Namespace })
        visit(value as Namespace, [...at, key])
      }
    }
  }
  visit(root, [])
  return out
}

const main = async () => {
  if (!fs.existsSync(path.join(build, "index.js"))) {
    throw new BundleError(`${build}/index.js is missing: run tsc -b first`)
  }
  const files = jsFiles(build)
  const publicFiles = files.filter((f) => f !== "index.js" && !isInternal(f))

  // Where each public module's values live in the index, matched by identity.
  const index = (await import(pathToFileURL(path.join(build, "index.js")).href)) as Namespace
  const candidates = namespaces(index)
  const entries = ["index.js"]
  const programs: Array<string> = []
  const thin = new Map<string, { readonly path: ReadonlyArray<string>; readonly names: ReadonlyArray<string> }>()
  for (const file of publicFiles) {
    // a program (e.g. the CLI's bin.js) would run when imported
    if (fs.readFileSync(path.join(build, file), "utf8").startsWith("#!")) {
      programs.push(file)
      continue
    }
    const mod = (await import(pathToFileURL(path.join(build, file)).href)) as Namespace
    const names = Object.keys(mod)
    const match = candidates.find(({ ns }) => names.length > 0 && names.every((n) => n in ns && ns[n] === mod[n]))
    if (match !== undefined) thin.set(file, { path: match.path, names })
    else entries.push(file)
  }

  const result = await esbuild.build({
    entryPoints: entries.map((f) => path.join(build, f)),
    outbase: build,
    outdir: dist,
    bundle: true,
    splitting: true,
    chunkNames: "internal/[name]-[hash]",
    format: "esm",
    platform: "node",
    target: "node22",
    packages: "external",
    sourcemap: "linked",
    sourcesContent: false,
    legalComments: "none",
    write: false,
    logLevel: "warning"
  })

  // dist/ keeps tsc's declarations; its JavaScript is replaced whole
  if (fs.existsSync(dist)) {
    for (const f of fs.readdirSync(dist, { recursive: true }) as Array<string>) {
      if (f.endsWith(".js") || f.endsWith(".js.map")) fs.rmSync(path.join(dist, f))
    }
  }
  const write = (file: string, contents: string | Uint8Array) => {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, contents)
  }
  for (const out of result.outputFiles) write(out.path, out.contents)
  for (const file of programs) {
    write(path.join(dist, file), fs.readFileSync(path.join(build, file)))
    const map = path.join(build, `${file}.map`)
    if (fs.existsSync(map)) write(path.join(dist, `${file}.map`), fs.readFileSync(map))
  }
  for (const [file, { names, path: at }] of thin) {
    const toIndex = path.posix.relative(path.posix.dirname(file), "index.js")
    const spec = toIndex.startsWith(".") ? toIndex : `./${toIndex}`
    write(
      path.join(dist, file),
      [
        `// ${at.join(".")} of the bundled ${spec} (scripts/bundle.ts)`,
        `import * as $index from "${spec}"`,
        `export const { ${names.join(", ")} } = $index.${at.join(".")}`,
        ""
      ].join("\n")
    )
  }
  console.log(
    `bundle: ${path.basename(pkgDir)}: ${files.length} modules → ${
      result.outputFiles.filter((f) => f.path.endsWith(".js")).length
    } files (entries ${entries.join(", ")}), ${thin.size} thin re-exports${
      programs.length > 0 ? `, programs ${programs.join(", ")}` : ""
    }`
  )
}

main().catch((error: unknown) => {
  console.error(error instanceof BundleError ? `bundle: ${error.message}` : error)
  process.exit(1)
})
