/**
 * Runs the repository against another published `@openai/codex` without changing the pin:
 *
 *   pnpm run compat [version|latest] [--drift-only] [--keep] [-- <vitest filters>]
 *
 * 1. installs `@openai/codex@<version>` (default `latest`, `npm view @openai/codex version`) into a
 *    temporary directory (`npm install --prefix`);
 * 2. drift: runs `scripts/codegen.ts --bin <that binary> --out <temporary directory>` and lists how
 *    its protocol differs from the committed `packages/core/src/generated/` (methods, notifications
 *    and server requests added or removed or retyped, definitions added, removed or changed);
 * 3. tests: runs the vitest projects whose tests spawn the real binary (node, testing, cli, cluster,
 *    examples; core's tests never do) with `EFFECT_CODEX_BIN` set to that binary, which
 *    `@effect-codex/node`'s `CodexBinary` lookup returns in place of the pinned one (so every test,
 *    example and child program that spawns the default binary runs the other version), and lists the
 *    failed tests.
 *
 * Exit 0 when there is no drift and every test passes; 1 otherwise. It never writes package.json,
 * the lockfile or the generated code. Plain Node (a script, not library code).
 */
import { execFileSync, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { resolveBundledBinary } from "./codex-bin.ts"
import { drift, readProtocol } from "./protocol-drift.ts"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const committedDir = path.join(root, "packages/core/src/generated")
const projects = ["node", "testing", "cli", "cluster", "examples"]

const dash = process.argv.indexOf("--")
const args = dash < 0 ? process.argv.slice(2) : process.argv.slice(2, dash)
const vitestFilters = dash < 0 ? [] : process.argv.slice(dash + 1)
const driftOnly = args.includes("--drift-only")
const keep = args.includes("--keep")
const positional = args.filter((a) => !a.startsWith("--"))
if (args.includes("--help") || positional.length > 1) {
  console.error("usage: pnpm run compat [version|latest] [--drift-only] [--keep] [-- <vitest filters>]")
  process.exit(args.includes("--help") ? 0 : 2)
}
const requested = positional[0] ?? "latest"

/** The environment without the `npm_config_*` settings pnpm passes to scripts (npm warns about them). */
const npmEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_config_"))
)

const npmVersion = (spec: string): string => {
  const out = execFileSync("npm", ["view", spec, "version"], { cwd: os.tmpdir(), encoding: "utf8", env: npmEnv }).trim()
  const last = out.split("\n").at(-1) ?? ""
  return last.replace(/^.*'(.+)'$/, "$1")
}
const version = requested === "latest" ? npmVersion("@openai/codex") : requested
if (npmVersion(`@openai/codex@${version}`) !== version) {
  console.error(`compat: @openai/codex@${version} is not published`)
  process.exit(2)
}
const pinned = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).devDependencies["@openai/codex"]

// ---------------------------------------------------------------------------------------------
// 1. Install
// ---------------------------------------------------------------------------------------------

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "effect-codex-compat-"))
const cleanup = () => {
  if (!keep) fs.rmSync(tmp, { recursive: true, force: true })
}
process.on("exit", cleanup)
console.log(`compat: installing @openai/codex@${version} into ${tmp} (the pin is ${pinned})`)
execFileSync("npm", [
  "install",
  "--prefix",
  tmp,
  "--no-audit",
  "--no-fund",
  "--loglevel=error",
  `@openai/codex@${version}`
], { stdio: ["ignore", "ignore", "inherit"], env: npmEnv })
const bin = resolveBundledBinary(path.join(tmp, "package.json"))
const binVersion = execFileSync(bin, ["--version"], { encoding: "utf8" }).trim().replace(/^codex-cli\s+/, "")
console.log(`compat: ${bin} (codex-cli ${binVersion})`)

// ---------------------------------------------------------------------------------------------
// 2. Drift of the protocol against the committed generated code
// ---------------------------------------------------------------------------------------------

const driftLines: Array<string> = []
{
  const out = path.join(tmp, "generated")
  const codegen = spawnSync(
    process.execPath,
    [path.join(root, "scripts/codegen.ts"), "--bin", bin, "--out", out],
    { cwd: root, encoding: "utf8" }
  )
  if (codegen.status !== 0) {
    const why = (codegen.stderr || codegen.stdout).trim().split("\n").filter((l) => /Error|codegen:/.test(l)).slice(
      0,
      3
    )
    driftLines.push(`  codegen fails on codex-cli ${binVersion}: ${why.join(" / ") || `exit ${codegen.status}`}`)
  } else {
    const committed = readProtocol(committedDir)
    driftLines.push(...drift(committed, readProtocol(out)))
    console.log(
      `\ncompat: protocol drift, codex-cli ${binVersion} against the committed generated code (${committed.version}):`
    )
    console.log(driftLines.length > 0 ? driftLines.join("\n") : "  none")
  }
  if (codegen.status !== 0) console.log(`\ncompat: protocol drift:\n${driftLines.join("\n")}`)
}

// ---------------------------------------------------------------------------------------------
// 3. The real-binary test suites on that binary
// ---------------------------------------------------------------------------------------------

interface VitestJson {
  readonly testResults: ReadonlyArray<{
    readonly name: string
    readonly status: string
    readonly message?: string
    readonly assertionResults: ReadonlyArray<{
      readonly fullName: string
      readonly status: string
      readonly failureMessages: ReadonlyArray<string>
    }>
  }>
  readonly numTotalTests: number
  readonly numPassedTests: number
  readonly numFailedTests: number
}

const failures: Array<string> = []
let testSummary = "not run (--drift-only)"
if (!driftOnly) {
  const report = path.join(tmp, "vitest.json")
  console.log(`\ncompat: vitest (projects ${projects.join(", ")}) with EFFECT_CODEX_BIN=${bin}`)
  const run = spawnSync(
    process.execPath,
    [
      path.join(root, "node_modules/vitest/vitest.mjs"),
      "run",
      ...projects.flatMap((p) => ["--project", p]),
      "--reporter=dot",
      "--reporter=json",
      `--outputFile.json=${report}`,
      ...vitestFilters
    ],
    { cwd: root, stdio: "inherit", env: { ...process.env, EFFECT_CODEX_BIN: bin } }
  )
  if (!fs.existsSync(report)) {
    failures.push(`vitest wrote no report (exit ${run.status ?? run.signal})`)
    testSummary = "no report"
  } else {
    const result = JSON.parse(fs.readFileSync(report, "utf8")) as VitestJson
    for (const file of result.testResults) {
      const rel = path.relative(root, file.name)
      const failed = file.assertionResults.filter((a) => a.status === "failed")
      for (const a of failed) {
        const first = (a.failureMessages[0] ?? "").split("\n").find((l) => l.trim() !== "")?.slice(0, 200) ?? ""
        failures.push(`${rel} > ${a.fullName}: ${first}`)
      }
      if (file.status === "failed" && failed.length === 0) {
        failures.push(`${rel}: ${(file.message ?? "failed").split("\n")[0]!.slice(0, 200)}`)
      }
    }
    testSummary = `${result.numPassedTests}/${result.numTotalTests} passed, ${result.numFailedTests} failed`
    if (run.status !== 0 && failures.length === 0) failures.push(`vitest exited ${run.status ?? run.signal}`)
  }
}

// ---------------------------------------------------------------------------------------------
// 4. Summary
// ---------------------------------------------------------------------------------------------

console.log(`\ncompat: @openai/codex@${version} (codex-cli ${binVersion}; the pin is ${pinned})`)
console.log(`  drift: ${driftLines.length === 0 ? "none" : `${driftLines.length} kind(s) of change, listed above`}`)
console.log(`  tests: ${testSummary}`)
for (const f of failures) console.log(`    FAILED ${f}`)
if (keep) console.log(`  kept ${tmp}`)
process.exitCode = driftLines.length === 0 && failures.length === 0 ? 0 : 1
