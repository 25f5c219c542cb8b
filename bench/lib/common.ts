/**
 * Shared by the bench orchestrator and its workers: the binary, the offline environment, fresh
 * CODEX_HOMEs, and small statistics helpers. No Effect here, so the raw driver's process loads none.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { resolveBundledBinary } from "../../scripts/codex-bin.ts"

export const BIN = process.env.BENCH_CODEX_BIN ?? resolveBundledBinary()

/** The environment every codex process of the bench gets (the same as `CodexTest.testEnv`). */
export const codexEnv = (codexHome: string): Record<string, string | undefined> => ({
  CODEX_HOME: codexHome,
  NO_PROXY: "127.0.0.1,localhost",
  no_proxy: "127.0.0.1,localhost",
  HTTP_PROXY: undefined,
  HTTPS_PROXY: undefined,
  ALL_PROXY: undefined,
  http_proxy: undefined,
  https_proxy: undefined,
  all_proxy: undefined,
  OPENAI_API_KEY: undefined,
  CODEX_API_KEY: undefined,
  RUST_LOG: "warn"
})

/** `process.env` with the overrides applied (`undefined` removes a variable), for `child_process.spawn`. */
export const mergedEnv = (overrides: Record<string, string | undefined>): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete env[k]
    else env[k] = v
  }
  return env
}

/** The offline config.toml (the text `CodexHome.configToml` writes, kept in sync by hand). */
export const configToml = (port: number): string =>
  [
    `model = "mock-model"`,
    `model_provider = "mock_provider"`,
    `approval_policy = "never"`,
    `sandbox_mode = "read-only"`,
    "",
    "[features]",
    "plugins = false",
    "shell_snapshot = false",
    "",
    "[model_providers.mock_provider]",
    `name = "Mock provider"`,
    `base_url = "http://127.0.0.1:${port}/v1"`,
    `wire_api = "responses"`,
    "request_max_retries = 0",
    "stream_max_retries = 0",
    ""
  ].join("\n")

/** The `--config` overrides every codex process of the bench gets (plugins stay off even if config.toml changes). */
export const configOverrides: ReadonlyArray<string> = ["features.plugins=false"]

/** A fresh CODEX_HOME and workspace; `cleanup` removes both. */
export const makeHome = (port: number): { codexHome: string; workspace: string; cleanup: () => void } => {
  const codexHome = Fs.mkdtempSync(Path.join(Os.tmpdir(), "bench-codex-home-"))
  Fs.writeFileSync(Path.join(codexHome, "config.toml"), configToml(port))
  const workspace = Fs.realpathSync(Fs.mkdtempSync(Path.join(Os.tmpdir(), "bench-workspace-")))
  return {
    codexHome,
    workspace,
    cleanup: () => {
      for (const dir of [codexHome, workspace]) {
        try {
          Fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
        } catch {
          // a codex process may still be writing; the OS cleans /tmp eventually
        }
      }
    }
  }
}

export const now = (): number => performance.now()

export const median = (xs: ReadonlyArray<number>): number => {
  const s = xs.toSorted((a, b) => a - b)
  const n = s.length
  if (n === 0) return NaN
  const mid = Math.floor(n / 2)
  return n % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

export const gc = (): void => {
  const g = (globalThis as { gc?: () => void }).gc
  if (g) {
    g()
    g()
  }
}

/** RSS and heap after a forced GC. */
export const memorySample = (): { rss: number; heapUsed: number } => {
  gc()
  const m = process.memoryUsage()
  return { rss: m.rss, heapUsed: m.heapUsed }
}
