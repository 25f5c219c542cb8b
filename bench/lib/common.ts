/**
 * Shared by the bench orchestrator and its workers: the binary, the offline environment, fresh
 * CODEX_HOMEs, and small statistics helpers. No Effect here, so the raw driver's process loads none.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { configToml as offlineConfigToml, testEnv } from "../../packages/testing/src/internal/offline.ts"
import { resolveBundledBinary } from "../../scripts/codex-bin.ts"

export const BIN = process.env.BENCH_CODEX_BIN ?? resolveBundledBinary()

/** The environment every codex process of the bench gets (the one `CodexTest` uses). */
export const codexEnv = (codexHome: string): Record<string, string | undefined> => ({ ...testEnv(codexHome) })

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

/** The offline config.toml (what `CodexHome.configToml` writes for `CodexTest`). */
export const configToml = (port: number): string => offlineConfigToml({ port })

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

/** CPU time (user + system) this process has used so far, in ms. */
export const cpuMs = (): number => {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1000
}

/**
 * Prints a whole-process program's result line for `bench/process.ts`: its phase times (`loaded`
 * after the imports; `t0` start, `t1` started, `t2` turns done, `t3` closed) and CPU marks.
 */
export const printPhases = (p: {
  readonly loaded: number
  readonly t0: number
  readonly t1: number
  readonly t2: number
  readonly t3: number
  readonly turns: ReadonlyArray<number>
  readonly cpuMarks: ReadonlyArray<number>
}): void => {
  process.stdout.write(
    JSON.stringify({
      loadMs: p.loaded,
      startMs: p.t1 - p.t0,
      turns: p.turns,
      workMs: p.t2 - p.t0,
      closeMs: p.t3 - p.t2,
      cpuMs: cpuMs(),
      cpuMarks: p.cpuMarks
    }) + "\n"
  )
}

/** The figures of the concurrency scenario (raw and SDK alike): phase times, CPU, RSS before and at peak. */
export const concurrencyReport = (
  times: { readonly t0: number; readonly t1: number; readonly t2: number },
  cpuStart: NodeJS.CpuUsage,
  rssBefore: number
) => {
  const cpu = process.cpuUsage(cpuStart)
  return {
    threadsMs: times.t1 - times.t0,
    turnsMs: times.t2 - times.t1,
    wallMs: times.t2 - times.t0,
    cpuMs: (cpu.user + cpu.system) / 1000,
    rssBefore,
    peakRss: process.resourceUsage().maxRSS * 1024
  }
}

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
