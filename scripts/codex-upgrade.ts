/**
 * Moves the repository to another published `@openai/codex`, in one command:
 *
 *   pnpm run codex:upgrade <version|latest>
 *
 * 1. asks npm that the version exists (`latest` = `npm view @openai/codex version`);
 * 2. sets the exact pin of `@openai/codex` in every workspace `package.json` that pins it;
 * 3. runs `pnpm install` (updates pnpm-lock.yaml), `pnpm run codegen` (rewrites
 *    `packages/core/src/generated/`) and `pnpm run codegen:check`;
 * 4. lists the files that still mention the old version (tests, examples, docs and comments that
 *    state facts observed on it: re-verify each on the new binary) and what to run next.
 *
 * Plain Node (a script, not library code): it throws and exits non-zero on the first failure.
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const pkg = "@openai/codex"

const arg = process.argv[2]
if (arg === undefined || arg === "--help" || arg === "-h") {
  console.error("usage: pnpm run codex:upgrade <version|latest>")
  process.exit(arg === undefined ? 2 : 0)
}

const npmView = (spec: string): string =>
  execFileSync("npm", ["view", spec, "version"], { cwd: root, encoding: "utf8" }).trim().split("\n").at(-1)!
    .replace(/^.*'(.+)'$/, "$1")
const version = arg === "latest" ? npmView(pkg) : arg
if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) throw new Error(`not an exact version: ${version}`)
if (arg !== "latest" && npmView(`${pkg}@${version}`) !== version) throw new Error(`${pkg}@${version} is not published`)

/** Every workspace package.json (the root, packages/*, examples, bench), outside node_modules. */
const manifests = [
  "package.json",
  ...["packages", "."].flatMap((dir) =>
    fs.readdirSync(path.join(root, dir), { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name !== "node_modules" && !d.name.startsWith("."))
      .map((d) => path.join(dir, d.name, "package.json"))
      .filter((f) => fs.existsSync(path.join(root, f)))
  )
].map((f) => path.normalize(f))

const pinPattern = new RegExp(`("${pkg.replace("/", "\\/")}"\\s*:\\s*")([^"]+)(")`, "g")
const previous = new Set<string>()
const changed: Array<string> = []
for (const file of [...new Set(manifests)]) {
  const abs = path.join(root, file)
  const text = fs.readFileSync(abs, "utf8")
  const next = text.replace(pinPattern, (_m, a: string, old: string, c: string) => {
    previous.add(old)
    return `${a}${version}${c}`
  })
  if (next !== text) {
    fs.writeFileSync(abs, next)
    changed.push(file)
  }
}
if (previous.size === 0) throw new Error(`no package.json pins ${pkg}`)
const old = [...previous]
console.log(
  `codex:upgrade: ${pkg} ${old.join(", ")} -> ${version} in ${
    changed.length > 0 ? changed.join(", ") : "(already pinned)"
  }`
)

/** Runs a pnpm command with the pnpm that runs this script (`npm_execpath`), else `npx pnpm`. */
const pnpm = (...args: Array<string>): void => {
  console.log(`\n$ pnpm ${args.join(" ")}`)
  const execPath = process.env["npm_execpath"]
  if (execPath !== undefined && /pnpm/.test(execPath)) {
    execFileSync(process.execPath, [execPath, ...args], { cwd: root, stdio: "inherit" })
  } else {
    const packageManager = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).packageManager
    execFileSync("npx", ["-y", packageManager, ...args], { cwd: root, stdio: "inherit" })
  }
}
pnpm("install")
pnpm("run", "codegen")
pnpm("run", "codegen:check")

const mentions = old.filter((v) => v !== version).flatMap((v) => {
  try {
    return execFileSync(
      "git",
      ["grep", "-l", "-F", v, "--", ".", ":!pnpm-lock.yaml", ":!packages/core/src/generated", ":!**/CHANGELOG.md"],
      { cwd: root, encoding: "utf8" }
    ).trim().split("\n").filter((l) => l.length > 0).map((f) => `${f} (${v})`)
  } catch {
    return []
  }
})
console.log(`
codex:upgrade: pinned ${pkg}@${version}, lockfile and generated code updated.
${
  mentions.length > 0
    ? `Files that still mention the old version (update what tests assert; re-verify on ${version} the facts comments state):\n${
      mentions.map((m) => `  ${m}`).join("\n")
    }\n`
    : ""
}Next: pnpm run check (what the new protocol breaks in hand-written code), then the tests (pnpm test), then pnpm run ci.
      pnpm run docs if docs:check fails; git diff packages/core/src/generated shows the protocol's changes.`)
