/**
 * The real app-server gets a minimal environment: read back from `/proc/<pid>/environ` of the
 * spawned `codex` process, a secret planted in the parent's environment is absent, allowlisted
 * variables are present, `env` adds, `apiKey` arrives as `OPENAI_API_KEY`, and `inheritEnv: true`
 * restores the whole parent environment. The server works in the minimal environment.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import type * as CodexConfig from "../../src/CodexConfig.ts"
import * as NodeTransport from "../../src/NodeTransport.ts"

const planted = {
  EFFECT_CODEX_PLANTED_SECRET: "planted-secret-value",
  AWS_SECRET_ACCESS_KEY: "planted-aws-secret",
  CODEX_API_KEY: "planted-codex-api-key",
  OPENAI_API_KEY: "planted-openai-key",
  LC_EFFECT_CODEX_PROBE: "allowlisted-by-prefix"
}

/** Sets the planted variables in this process's environment for the scope. */
const plant = Effect.acquireRelease(
  Effect.sync(() => {
    const before = Object.fromEntries(Object.keys(planted).map((k) => [k, process.env[k]]))
    Object.assign(process.env, planted)
    return before
  }),
  (before) =>
    Effect.sync(() => {
      for (const [k, v] of Object.entries(before)) {
        if (v === undefined) delete process.env[k]
        else process.env[k] = v
      }
    })
)

const codexHome = Effect.acquireRelease(
  Effect.sync(() => {
    const home = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-codex-env-"))
    Fs.writeFileSync(Path.join(home, "config.toml"), "[features]\nplugins = false\nshell_snapshot = false\n")
    return home
  }),
  (home) => Effect.sync(() => Fs.rmSync(home, { recursive: true, force: true }))
)

/** The environment of a running process, from `/proc/<pid>/environ`. */
const environOf = (pid: number): Record<string, string> =>
  Object.fromEntries(
    Fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter((e) => e.length > 0).map((entry) => {
      const eq = entry.indexOf("=")
      return [entry.slice(0, eq), entry.slice(eq + 1)]
    })
  )

const initialize = JSON.stringify({
  id: 1,
  method: "initialize",
  params: { clientInfo: { name: "t", title: null, version: "0" }, capabilities: { experimentalApi: true } }
})

/** Spawns the real app-server, checks it answers `initialize`, and returns its environment. */
const childEnvironment = (config: (home: string) => CodexConfig.CodexConfig) =>
  Effect.scoped(Effect.gen(function*() {
    yield* plant
    const home = yield* codexHome
    const { process: info, transport } = yield* NodeTransport.make(config(home))
    const env = environOf(info.pid)
    yield* transport.send(initialize)
    const first = yield* Stream.runHead(transport.incoming)
    expect(first._tag === "Some" && (JSON.parse(first.value) as { readonly id: number }).id).toBe(1)
    return { env, home, argv: info.argv }
  }))

describe("child environment (real codex app-server)", () => {
  it.live("by default: planted secrets absent, allowlist present, env adds, apiKey becomes OPENAI_API_KEY", () =>
    Effect.gen(function*() {
      const { argv, env, home } = yield* childEnvironment((home) => ({
        env: { CODEX_HOME: home, NO_PROXY: "127.0.0.1,localhost", EFFECT_CODEX_ADDED: "added" },
        apiKey: Redacted.make("sk-explicit")
      }))
      expect(env.EFFECT_CODEX_PLANTED_SECRET).toBeUndefined()
      expect(env.AWS_SECRET_ACCESS_KEY).toBeUndefined()
      expect(env.CODEX_API_KEY).toBeUndefined()
      expect(env.OPENAI_API_KEY).toBe("sk-explicit")
      expect(env.LC_EFFECT_CODEX_PROBE).toBe("allowlisted-by-prefix")
      expect(env.HOME).toBe(process.env.HOME)
      // PATH is the parent's, with the bundled helper directory (next to the binary) in front.
      expect(env.PATH?.endsWith(process.env.PATH ?? "")).toBe(true)
      expect(env.PATH?.split(":")[0]).toBe(Path.join(Path.dirname(Path.dirname(argv[0]!)), "codex-path"))
      expect(env.EFFECT_CODEX_ADDED).toBe("added")
      expect(env.CODEX_HOME).toBe(home)
      // No planted value reaches the child under any name (apart from the explicit apiKey).
      const values = Object.values(env)
      for (const [name, value] of Object.entries(planted)) {
        if (name !== "LC_EFFECT_CODEX_PROBE") expect(values).not.toContain(value)
      }
    }))

  it.live("inheritEnv: true passes the parent's whole environment", () =>
    Effect.gen(function*() {
      const { env } = yield* childEnvironment((home) => ({
        env: { CODEX_HOME: home, NO_PROXY: "127.0.0.1,localhost", AWS_SECRET_ACCESS_KEY: undefined },
        inheritEnv: true
      }))
      expect(env.EFFECT_CODEX_PLANTED_SECRET).toBe("planted-secret-value")
      expect(env.OPENAI_API_KEY).toBe("planted-openai-key")
      expect(env.CODEX_API_KEY).toBe("planted-codex-api-key")
      // `env` still removes.
      expect(env.AWS_SECRET_ACCESS_KEY).toBeUndefined()
    }))
})
