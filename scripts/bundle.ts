/**
 * Turns a package's `dist/` (as `tsc -b` emits it: one `.js` per source module) into one bundled
 * `dist/index.js` plus a thin file per public module, so that a program that imports the package
 * loads one file instead of one per module.
 *
 *   node scripts/bundle.ts packages/core    (each package's `build` and `prepack` run it after `tsc -b`)
 *
 * Why: Node pays a fixed cost per ES module it loads (resolve, stat, read, compile, link): measured
 * from dist, importing core + node after the `effect` floor took ~35 ms less as one file per package
 * than as ~60 modules (bench/RESULTS.md, "Start-up, third pass"). `effect` itself stays external.
 *
 * 1. esbuild bundles `dist/index.js` (every bare import stays external: `effect`, `ws`, the other
 *    `@effect-codex/*` packages; dynamic `import()`s of them stay lazy) with a source map that
 *    chains through tsc's maps to `src/*.ts`, which the package ships.
 * 2. Every other public module (`dist/**\/*.js` outside `internal/`) becomes a thin module that
 *    re-exports its members from the bundle's namespaces, found by identity (the same values), so
 *    `@effect-codex/core/Codex` and `@effect-codex/core`'s `Codex` are one and the same module's
 *    values. A public module that the index does not re-export is kept as emitted, and must not
 *    import internals (e.g. the CLI's `bin.js`).
 * 3. The internal modules' JavaScript (now inside the bundle) is removed; every `.d.ts` stays.
 */
import * as esbuild from "esbuild"
import * as fs from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"

const pkgDir = path.resolve(process.argv[2] ?? ".")
const dist = path.join(pkgDir, "dist")
const indexFile = path.join(dist, "index.js")

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
  if (!fs.existsSync(indexFile)) throw new BundleError(`${indexFile} is missing: run tsc -b first`)
  const files = jsFiles(dist)
  const publicFiles = files.filter((f) => f !== "index.js" && !isInternal(f))

  // Where each public module's values live in the index, matched by identity before anything changes.
  const index = (await import(pathToFileURL(indexFile).href)) as Namespace
  const candidates = namespaces(index)
  const thin = new Map<string, { readonly path: ReadonlyArray<string>; readonly names: ReadonlyArray<string> }>()
  for (const file of publicFiles) {
    // an executable (e.g. the CLI's bin.js) would run when imported: keep it as emitted
    if (fs.readFileSync(path.join(dist, file), "utf8").startsWith("#!")) continue
    const mod = (await import(pathToFileURL(path.join(dist, file)).href)) as Namespace
    const names = Object.keys(mod)
    const match = candidates.find(({ ns }) => names.length > 0 && names.every((n) => n in ns && ns[n] === mod[n]))
    if (match !== undefined) thin.set(file, { path: match.path, names })
    else {
      const source = fs.readFileSync(path.join(dist, file), "utf8")
      if (/from\s+["'][^"']*internal\//.test(source) || /import\(\s*["'][^"']*internal\//.test(source)) {
        throw new BundleError(`${file} is not re-exported by index.js and imports internal modules`)
      }
    }
  }

  const result = await esbuild.build({
    entryPoints: [indexFile],
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node22",
    packages: "external",
    sourcemap: "linked",
    sourcesContent: false,
    legalComments: "none",
    write: false,
    outfile: indexFile,
    logLevel: "warning"
  })

  // Replace the emitted JavaScript: the bundle, the thin modules, and no internals.
  for (const file of files) {
    if (file === "index.js" || thin.has(file) || isInternal(file)) {
      fs.rmSync(path.join(dist, file))
      fs.rmSync(path.join(dist, `${file}.map`), { force: true })
    }
  }
  for (const out of result.outputFiles) fs.writeFileSync(out.path, out.contents)
  for (const [file, { names, path: at }] of thin) {
    const toIndex = path.posix.relative(path.posix.dirname(file), "index.js")
    const spec = toIndex.startsWith(".") ? toIndex : `./${toIndex}`
    const source = [
      `// Re-exports ${at.join(".")} of the bundled ${spec} (scripts/bundle.ts).`,
      `import * as $index from "${spec}"`,
      `export const { ${names.join(", ")} } = $index.${at.join(".")}`,
      ""
    ].join("\n")
    fs.writeFileSync(path.join(dist, file), source)
  }
  const kept = publicFiles.filter((f) => !thin.has(f))
  console.log(
    `bundle: ${path.relative(process.cwd(), pkgDir) || "."}: index.js (with ${
      files.filter(isInternal).length
    } internal modules), ${thin.size} thin${kept.length > 0 ? `, kept ${kept.join(", ")}` : ""}`
  )
}

main().catch((error: unknown) => {
  console.error(error instanceof BundleError ? `bundle: ${error.message}` : error)
  process.exit(1)
})
