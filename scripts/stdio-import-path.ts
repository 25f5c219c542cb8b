/**
 * What a program that runs codex over stdio must not load when it imports `@effect-codex/core` and
 * `@effect-codex/node`: what only the remote transports need (`ws` and Node's HTTP/TLS stack,
 * `effect/socket`, `NodeWS`), what only the `layerConfig`s need (`effect/Config`), effect's
 * process stack (the stdio transport spawns with `node:child_process`), and `effect/ai` (only
 * threads given tools need it). They load on the first
 * build of a layer that needs them.
 *
 * Used by `packages/testing/test/transports/importPath.test.ts` (the sources) and by
 * `scripts/pack-check.ts` (the bundled packages as npm installs them). Each pattern matches a module
 * URL as a `module.registerHooks` load hook sees it.
 */
export interface Entry {
  readonly name: string
  readonly pattern: RegExp
}

export const offStdioPath: ReadonlyArray<Entry> = [
  { name: "ws", pattern: /\/node_modules\/ws\// },
  { name: "effect/socket/*", pattern: /\/node_modules\/effect\/dist\/socket\// },
  { name: "@effect/platform-node-shared/NodeWS", pattern: /\/@effect\/platform-node-shared\/dist\/NodeWS\.js$/ },
  { name: "effect/Config", pattern: /\/node_modules\/effect\/dist\/Config\.js$/ },
  { name: "effect/ConfigProvider", pattern: /\/node_modules\/effect\/dist\/ConfigProvider\.js$/ },
  { name: "node:http", pattern: /^node:http$/ },
  { name: "node:https", pattern: /^node:https$/ },
  { name: "node:tls", pattern: /^node:tls$/ },
  { name: "node:zlib", pattern: /^node:zlib$/ },
  { name: "effect/process/*", pattern: /\/node_modules\/effect\/dist\/process\// },
  // dynamic tools load effect/ai only when a thread is given tools
  { name: "effect/ai/*", pattern: /\/node_modules\/effect\/dist\/ai\// },
  {
    name: "@effect/platform-node-shared/NodeChildProcessSpawner",
    pattern: /\/@effect\/platform-node-shared\/dist\/NodeChildProcessSpawner\.js$/
  }
]

/** The URLs among `urls` that `entry` matches. */
export const matching = (urls: ReadonlyArray<string>, entry: Entry): ReadonlyArray<string> =>
  urls.filter((url) => entry.pattern.test(url))

/** The entries of {@link offStdioPath} that `urls` load, as `name: url` lines. */
export const offenders = (urls: ReadonlyArray<string>): ReadonlyArray<string> =>
  offStdioPath.flatMap((entry) => matching(urls, entry).map((url) => `${entry.name}: ${url}`))

/**
 * A module (`node --input-type=module -e`) that imports the two entry points and prints, as JSON,
 * every module URL that loading them loaded.
 */
export const recorder = `
import * as Module from "node:module"
const loaded = []
Module.registerHooks({ load: (url, context, nextLoad) => { loaded.push(url); return nextLoad(url, context) } })
await import("@effect-codex/core")
await import("@effect-codex/node")
process.stdout.write(JSON.stringify(loaded))
`
