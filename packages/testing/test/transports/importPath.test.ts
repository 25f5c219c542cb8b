/**
 * The stdio import path stays light: importing `@effect-codex/core` and `@effect-codex/node` (what a
 * program that spawns codex over stdio does) loads none of `scripts/stdio-import-path.ts`'s list (the
 * remote transports' modules, `effect/Config`, effect's process stack); `scripts/pack-check.ts` checks
 * the same of the bundled packages as npm installs them.
 *
 * A child `node` process (type-stripping the sources, which import exactly what the built `dist/`
 * imports) records every module URL it loads with a `module.registerHooks` load hook (ES modules,
 * CommonJS `require`s and `node:` builtins alike), first for the two entry points, then (the control)
 * for the modules that the remote and `Config` paths load on demand, so that every pattern is shown
 * to match a real URL (a module already loaded by the first phase is not loaded again).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as ChildProcess from "node:child_process"
import { fileURLToPath } from "node:url"
import { matching, offenders, offStdioPath } from "../../../../scripts/stdio-import-path.ts"

const testingDir = fileURLToPath(new URL("../..", import.meta.url))
const nodeSrc = new URL("../../../node/src/", import.meta.url)

/** What the remote transports and the `layerConfig`s load on demand, plus the process stack. */
const controlModules = [
  new URL("internal/webSocket.ts", nodeSrc).href,
  new URL("CodexEnv.ts", nodeSrc).href,
  "effect/process/ChildProcess",
  "@effect/platform-node-shared/NodeChildProcessSpawner",
  // what a thread given tools loads (effect/ai)
  new URL("../../../core/src/internal/toolkit.ts", import.meta.url).href
]

const childScript = `
import * as Module from "node:module"
const loaded = []
Module.registerHooks({ load: (url, context, nextLoad) => { loaded.push(url); return nextLoad(url, context) } })
await import("@effect-codex/core")
await import("@effect-codex/node")
const stdio = loaded.splice(0)
for (const specifier of JSON.parse(process.argv[1])) await import(specifier)
process.stdout.write(JSON.stringify({ stdio, control: loaded }))
`

const loadedUrls = Effect.promise(() =>
  new Promise<{ readonly stdio: ReadonlyArray<string>; readonly control: ReadonlyArray<string> }>(
    (resolve, reject) => {
      ChildProcess.execFile(
        process.execPath,
        ["--input-type=module", "--no-warnings", "-e", childScript, JSON.stringify(controlModules)],
        // cwd: the testing package, which depends on core and node (their sources, through the workspace)
        { cwd: testingDir, maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => error === null ? resolve(JSON.parse(stdout)) : reject(new Error(stderr))
      )
    }
  )
)

describe("the stdio import path", () => {
  it.effect("importing @effect-codex/core and @effect-codex/node loads no remote-transport, Config or process-stack module", () =>
    Effect.gen(function*() {
      const { control, stdio } = yield* loadedUrls
      // The recorder saw the SDK itself (else an empty list would pass).
      assert.isTrue(stdio.some((url) => url.endsWith("/packages/core/src/index.ts")))
      assert.isTrue(stdio.some((url) => url.endsWith("/packages/node/src/NodeCodexRemote.ts")))
      assert.isTrue(stdio.some((url) => url.endsWith("/packages/core/src/SocketTransport.ts")))
      // Each pattern matches a module really loaded (by the control, or already by the entry points).
      for (const entry of offStdioPath) {
        assert.isNotEmpty(matching([...stdio, ...control], entry), `the pattern of ${entry.name} matches nothing`)
      }
      assert.deepStrictEqual(offenders(stdio), [])
    }))
})
