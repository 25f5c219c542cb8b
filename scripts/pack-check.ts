/**
 * Proves the packages install and work from their tarballs, as a user gets them from a registry.
 *
 *   node scripts/pack-check.ts          (pnpm run pack:check; part of pnpm run ci)
 *   node scripts/pack-check.ts --keep   keeps the temporary folder and prints its path
 *
 * 1. Finds every non-private package under `packages/` and packs it with `pnpm pack` (its `prepack`
 *    builds `dist/`; `publishConfig` swaps the `exports` from `src/*.ts` to `dist/*.js`).
 * 2. Lints each tarball with publint (`--strict`) and are-the-types-wrong (profile `esm-only`: node16
 *    from ESM and bundler resolution), naming every public module as an entry point (the `./*`
 *    wildcard would otherwise not be checked).
 * 3. Installs the tarballs and `effect@^<our version>` (nothing else) with npm into an empty temporary project,
 *    using npm's cache (`--prefer-offline`: the pinned `@openai/codex` native package is ~100 MB).
 * 4. Type-checks and runs the "Try it offline" programs of `packages/node/README.md` and
 *    `packages/cluster/README.md` there with this repository's Node 24: the real `codex` binary against
 *    the fake model, and compares what each prints with the README's `text` block that follows it.
 *
 * 5. Imports `@effect-codex/core` and `@effect-codex/node` there and fails if that loads any module of
 *    `scripts/stdio-import-path.ts` (what only the remote transports, `layerConfig` or effect's
 *    process stack need): the bundle must keep those behind their dynamic `import()`s.
 *
 * Any failure exits 1 with the failing step's output.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { offenders, recorder } from "./stdio-import-path.ts"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const keep = process.argv.includes("--keep")
const bin = (name: string): string => path.join(root, "node_modules", ".bin", name)

interface Pkg {
  readonly name: string
  readonly dir: string
}

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs a command (no shell), capturing its output. */
const run = (command: string, args: ReadonlyArray<string>, cwd: string, env?: NodeJS.ProcessEnv): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: env ?? process.env, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

class StepError extends Error {}

/** Runs a command and fails the step when it exits non-zero. */
const runOk = async (
  step: string,
  command: string,
  args: ReadonlyArray<string>,
  cwd: string,
  env?: NodeJS.ProcessEnv
): Promise<Run> => {
  const result = await run(command, args, cwd, env)
  if (result.code !== 0) {
    throw new StepError(
      `${step}: \`${command} ${args.join(" ")}\` exited ${result.code}\n${result.stdout}\n${result.stderr}`
    )
  }
  return result
}

const timed = async <A>(label: string, f: () => Promise<A>): Promise<A> => {
  const start = performance.now()
  const a = await f()
  console.log(`pack-check: ${label} (${((performance.now() - start) / 1000).toFixed(1)} s)`)
  return a
}

/** Every non-private package under packages/. */
const discover = (): ReadonlyArray<Pkg> =>
  fs.readdirSync(path.join(root, "packages"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(root, "packages", entry.name, "package.json")))
    .map((entry) => {
      const dir = path.join(root, "packages", entry.name)
      const json = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as {
        name: string
        private?: boolean
      }
      return { name: json.name, dir, private: json.private === true }
    })
    .filter((p) => !p.private)
    .map(({ dir, name }) => ({ dir, name }))
    .toSorted((a, b) => a.name.localeCompare(b.name))

/** pnpm as it runs this script (`npm_execpath`), else the pinned one through npx. */
const pnpm = (args: ReadonlyArray<string>): [string, ReadonlyArray<string>] => {
  const execPath = process.env.npm_execpath
  return execPath !== undefined && /pnpm/.test(execPath)
    ? [process.execPath, [execPath, ...args]]
    : ["npx", ["-y", "pnpm@10.34.8", ...args]]
}

/** The public modules of a package (`src/**\/*.ts` outside `internal/`), as `exports` subpaths. */
const entrypoints = (pkg: Pkg): ReadonlyArray<string> => {
  const src = path.join(pkg.dir, "src")
  const out: Array<string> = ["."]
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) {
        if (entry.name !== "internal") walk(full)
      } else if (entry.name.endsWith(".ts") && entry.name !== "index.ts") {
        out.push(`./${path.relative(src, full).replaceAll(path.sep, "/").replace(/\.ts$/, "")}`)
      }
    }
  }
  walk(src)
  return out.toSorted()
}

/** The fenced block of `lang` that follows `after` in `text`, and where it ends. */
const fence = (text: string, lang: string, from: number): { readonly body: string; readonly end: number } => {
  const open = text.indexOf("```" + lang + "\n", from)
  if (open < 0) throw new StepError(`README: no \`\`\`${lang} block after offset ${from}`)
  const start = open + lang.length + 4
  const close = text.indexOf("\n```", start)
  return { body: text.slice(start, close + 1), end: close + 4 }
}

/** The packages whose README has an offline program that CI runs from the installed tarballs. */
const readmePrograms = ["node", "cluster"] as const

/** The offline program of a package's README and what it prints. */
const readmeProgram = (pkg: string): { readonly program: string; readonly expected: string } => {
  const readme = fs.readFileSync(path.join(root, "packages", pkg, "README.md"), "utf8")
  const marker = readme.indexOf("<!-- installability-check")
  if (marker < 0) throw new StepError(`packages/${pkg}/README.md: no <!-- installability-check --> marker`)
  const program = fence(readme, "ts", marker)
  const expected = fence(readme, "text", program.end)
  return { program: program.body, expected: expected.body }
}

const main = async (): Promise<void> => {
  const started = performance.now()
  const packages = discover()
  const rootJson = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
    devDependencies: Record<string, string>
  }
  // `effect` as a user gets it with `npm install effect`: the newest version our peer range allows (npm
  // also adds the newest `@effect/platform-node-shared` for the node package's peer, which may require it)
  const effectVersion = rootJson.devDependencies["effect"]
  if (effectVersion === undefined) throw new StepError("package.json: no effect devDependency")
  const effectRange = `^${effectVersion}`
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "effect-codex-pack-"))
  const tarballs = path.join(tmp, "tarballs")
  const project = path.join(tmp, "project")
  fs.mkdirSync(tarballs)
  fs.mkdirSync(project)
  try {
    console.log(`pack-check: ${packages.map((p) => p.name).join(", ")}`)

    // 1. pack (sequential: each prepack runs `tsc -b`, which shares the referenced projects)
    const packed = new Map<string, string>()
    await timed("pnpm pack", async () => {
      for (const pkg of packages) {
        const [command, args] = pnpm(["pack", "--pack-destination", tarballs])
        const result = await runOk(`pack ${pkg.name}`, command, args, pkg.dir)
        const tgz = result.stdout.trim().split("\n").map((line) => line.trim()).findLast((line) =>
          line.endsWith(".tgz")
        )
        if (tgz === undefined || !fs.existsSync(tgz)) {
          throw new StepError(`pack ${pkg.name}: no tarball\n${result.stdout}`)
        }
        packed.set(pkg.name, tgz)
      }
    })

    // 2. publint and are-the-types-wrong on every tarball, concurrently
    await timed("publint + attw", () =>
      Promise.all(packages.flatMap((pkg) => {
        const tgz = packed.get(pkg.name)!
        return [
          runOk(`publint ${pkg.name}`, bin("publint"), ["run", "--strict", tgz], root),
          runOk(`attw ${pkg.name}`, bin("attw"), [
            tgz,
            "--profile",
            "esm-only",
            "--format",
            "ascii",
            "--no-color",
            "--entrypoints",
            ...entrypoints(pkg)
          ], root)
        ]
      })))

    // 3. npm install of the tarballs + effect into an empty project
    const dependencies: Record<string, string> = { effect: effectRange }
    for (const [name, tgz] of packed) dependencies[name] = `file:${tgz}`
    fs.writeFileSync(
      path.join(project, "package.json"),
      JSON.stringify({ name: "pack-check", private: true, type: "module", dependencies }, null, 2)
    )
    await timed("npm install", () =>
      runOk("npm install", "npm", [
        "install",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        "--loglevel=error"
      ], project))

    // 4. type-check and run the READMEs' offline programs
    for (const pkg of readmePrograms) {
      const { expected, program } = readmeProgram(pkg)
      const main = `main-${pkg}.ts`
      fs.writeFileSync(path.join(project, main), program)
      fs.writeFileSync(
        path.join(project, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            target: "ES2023",
            lib: ["ES2023"],
            module: "NodeNext",
            moduleResolution: "NodeNext",
            strict: true,
            exactOptionalPropertyTypes: true,
            noEmit: true,
            skipLibCheck: true,
            types: []
          },
          files: [main]
        })
      )
      await timed(
        `tsc (${pkg} README program against the installed types)`,
        () => runOk("tsc", bin("tsc"), ["-p", "tsconfig.json"], project)
      )
      const result = await timed(
        `node ${main} (real codex, fake model)`,
        () => runOk(`node ${main}`, process.execPath, [main], project, { ...process.env, NODE_OPTIONS: "" })
      )
      if (result.stdout !== expected) {
        throw new StepError(
          `the ${pkg} README program printed\n${JSON.stringify(result.stdout)}\nexpected (the README's text block)\n${
            JSON.stringify(expected)
          }\nstderr:\n${result.stderr}`
        )
      }
    }
    // 5. the stdio import path of the installed (bundled) packages stays light
    const imports = await timed(
      "import path (what importing core + node loads)",
      () => runOk("import path", process.execPath, ["--input-type=module", "-e", recorder], project)
    )
    const loaded = JSON.parse(imports.stdout) as ReadonlyArray<string>
    const found = offenders(loaded)
    if (found.length > 0 || !loaded.some((url) => url.includes("/node_modules/@effect-codex/core/dist/"))) {
      throw new StepError(
        `importing @effect-codex/core and @effect-codex/node loaded what only remote transports, layerConfig or ` +
          `effect's process stack need (scripts/stdio-import-path.ts):\n${found.join("\n")}\nloaded:\n${
            loaded.join("\n")
          }`
      )
    }
    console.log(`pack-check: ok, ${packages.length} packages (${((performance.now() - started) / 1000).toFixed(1)} s)`)
  } finally {
    if (keep) console.log(`pack-check: kept ${tmp}`)
    else fs.rmSync(tmp, { recursive: true, force: true })
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof StepError ? `pack-check failed: ${error.message}` : error)
  process.exitCode = 1
})
