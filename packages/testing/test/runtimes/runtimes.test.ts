/**
 * Bun and Deno (the exact versions pinned in the root package.json) run the SDK from source:
 * `scenarios.ts` under each runtime, its `RESULT` lines checked here. A turn over stdio through
 * `CodexTest.layer` + `FakeModel`, a turn over ws with a capability token through the runtime's own
 * WebSocket (`SocketTransport.layerWebSocketConstructorGlobal`), a refused token
 * (`AuthenticationError` 401), and on Deno without `--allow-read` errors that say so.
 */
import { assert, describe, it } from "@effect/vitest"
import * as NodeChildProcess from "node:child_process"
import * as NodePath from "node:path"

const root = NodePath.resolve(import.meta.dirname, "../../../..")
const script = NodePath.join(import.meta.dirname, "scenarios.ts")

/** The Deno permissions each scenario needs (the README lists them per path). */
const denoFlags: Record<string, ReadonlyArray<string>> = {
  stdio: ["--allow-read", "--allow-env", "--allow-run", "--allow-write", "--allow-net"],
  ws: ["--allow-read", "--allow-env", "--allow-run", "--allow-write", "--allow-net"],
  binary: ["--allow-env", "--allow-run"] // no --allow-read: the errors must say so
}

const runtimes = {
  bun: (scenario: string) => [NodePath.join(root, "node_modules/.bin/bun"), script, scenario],
  deno: (
    scenario: string
  ) => [NodePath.join(root, "node_modules/.bin/deno"), "run", ...denoFlags[scenario]!, script, scenario]
} as const

/** Runs a scenario and returns its `RESULT` lines by name. */
const run = (runtime: keyof typeof runtimes, scenario: string): Promise<Record<string, Record<string, unknown>>> =>
  new Promise((resolve, reject) => {
    const [command, ...args] = runtimes[runtime](scenario)
    NodeChildProcess.execFile(command!, args, { cwd: root, timeout: 90_000 }, (error, stdout, stderr) => {
      const results: Record<string, Record<string, unknown>> = {}
      for (const line of stdout.split("\n")) {
        const match = /^RESULT (\S+) (.*)$/.exec(line)
        if (match !== null) results[match[1]!] = JSON.parse(match[2]!) as Record<string, unknown>
      }
      if (error !== null || stdout.includes("FAILED")) {
        reject(new Error(`${runtime} ${scenario} failed: ${error?.message ?? ""}\n${stdout}\n${stderr}`))
      } else {
        resolve(results)
      }
    })
  })

describe.each(["bun", "deno"] as const)("on %s", (runtime) => {
  it("a CodexTest.layer test: a turn over stdio against FakeModel", async () => {
    const results = await run(runtime, "stdio")
    assert.deepStrictEqual(results.stdio, { status: "completed", finalResponse: "Hello over stdio." })
  })

  it("a turn over ws with a token through the runtime's WebSocket; a wrong token is AuthenticationError", async () => {
    const results = await run(runtime, "ws")
    assert.deepStrictEqual(results.ws, { status: "completed", finalResponse: "Hello over ws." })
    assert.deepStrictEqual(results.refused, { tag: "AuthenticationError", status: 401 })
  })
})

describe("on deno without --allow-read", () => {
  it("an existing binary or cwd is not reported missing: the error names the permission", async () => {
    const results = await run("deno", "binary")
    assert.strictEqual(results.bundled?.tag, "CodexBinaryNotExecutableError")
    assert.include(String(results.bundled?.message), "--allow-read")
    assert.strictEqual(results.cwd?.tag, "InvalidOptionError")
    assert.include(String(results.cwd?.message), "--allow-read")
    assert.notInclude(String(results.cwd?.message), "not an existing directory")
  })
})
