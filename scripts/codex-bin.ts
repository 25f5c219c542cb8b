/**
 * Resolves the native `codex` binary shipped by the pinned `@openai/codex` dependency, for scripts
 * and benchmarks (the SDK itself resolves it in `@effect-codex/node`'s `CodexBinary` module).
 */
import { createRequire } from "node:module"
import * as path from "node:path"

const targets: Record<string, string> = {
  "linux-x64": "x86_64-unknown-linux-musl",
  "linux-arm64": "aarch64-unknown-linux-musl",
  "darwin-x64": "x86_64-apple-darwin",
  "darwin-arm64": "aarch64-apple-darwin"
}

/**
 * The absolute path of the native `codex` binary for this platform: the pinned one, or with `from`
 * (a file path inside a directory whose `node_modules` holds another `@openai/codex`, as
 * `pnpm run compat` installs it) that install's.
 */
export const resolveBundledBinary = (from: string = import.meta.url): string => {
  const key = `${process.platform}-${process.arch}`
  const triple = targets[key]
  if (!triple) throw new Error(`unsupported platform ${key}`)
  const fromCodex = createRequire(createRequire(from).resolve("@openai/codex/package.json"))
  const pkg = fromCodex.resolve(`@openai/codex-${key}/package.json`)
  return path.join(path.dirname(pkg), "vendor", triple, "bin", "codex")
}
