import * as Errors from "@effect-codex/core/Errors"
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Fs from "node:fs"
import * as CodexConfig from "../src/CodexConfig.ts"

describe("CodexConfig", () => {
  it("version matches package.json", () => {
    const pkg = JSON.parse(Fs.readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
    expect(CodexConfig.version).toBe(pkg.version)
  })

  it.effect("resolve applies the defaults", () =>
    Effect.gen(function*() {
      const resolved = yield* CodexConfig.resolve()
      expect(resolved).toEqual({
        codexBin: undefined,
        launchArgsOverride: undefined,
        configOverrides: [],
        cwd: undefined,
        env: {},
        inheritEnv: false,
        apiKey: undefined,
        clientName: "effect_codex",
        clientTitle: "Effect Codex SDK",
        clientVersion: CodexConfig.version,
        experimentalApi: true,
        forceKillAfter: Duration.seconds(2),
        stderrTailLines: 50,
        maxLineLength: 256 * 1024 * 1024
      })
    }))

  it.effect("config overrides: array form verbatim, record form as key=value", () =>
    Effect.gen(function*() {
      const a = yield* CodexConfig.resolve({ configOverrides: ["model=\"o3\"", "features.plugins=false"] })
      expect(a.configOverrides).toEqual(["model=\"o3\"", "features.plugins=false"])
      const r = yield* CodexConfig.resolve({
        configOverrides: { model: "\"o3\"", "features.plugins": false, "model_providers.m.request_max_retries": 0 }
      })
      expect(r.configOverrides).toEqual([
        "model=\"o3\"",
        "features.plugins=false",
        "model_providers.m.request_max_retries=0"
      ])
    }))

  it.effect("invalid options fail with InvalidOptionError", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [CodexConfig.CodexConfig, string]> = [
        [{ launchArgsOverride: [] }, "launchArgsOverride"],
        [{ codexBin: "" }, "codexBin"],
        [{ configOverrides: ["novalue"] }, "configOverrides"],
        [{ stderrTailLines: -1 }, "stderrTailLines"],
        [{ stderrTailLines: 1.5 }, "stderrTailLines"],
        [{ forceKillAfter: "Infinity" }, "forceKillAfter"],
        [{ maxLineLength: 0 }, "maxLineLength"],
        [{ maxLineLength: 1.5 }, "maxLineLength"],
        // untyped JS passing a plain string where a Redacted is required
        [{ apiKey: "sk-plain" as unknown as Redacted.Redacted<string> }, "apiKey"]
      ]
      for (const [config, option] of cases) {
        const error = yield* Effect.flip(CodexConfig.resolve(config))
        expect(error).toBeInstanceOf(Errors.InvalidOptionError)
        expect(error.option).toBe(option)
      }
    }))

  it.effect("config reads CODEX_BIN and friends from the environment", () =>
    Effect.gen(function*() {
      const provider = ConfigProvider.fromEnv({
        env: {
          CODEX_BIN: "/opt/codex",
          CODEX_CWD: "/work",
          CODEX_CONFIG_OVERRIDES: "model=\"o3\",features.plugins=false",
          CODEX_CLIENT_NAME: "svc",
          CODEX_EXPERIMENTAL_API: "false",
          CODEX_FORCE_KILL_AFTER: "5 seconds",
          CODEX_STDERR_TAIL_LINES: "10",
          CODEX_MAX_LINE_LENGTH: "1024",
          CODEX_INHERIT_ENV: "true",
          CODEX_REQUEST_TIMEOUT: "30 seconds",
          CODEX_MAX_IN_FLIGHT: "16",
          CODEX_MAX_STARTING_TURNS: "Infinity",
          CODEX_STARTING_TURN_TIMEOUT: "2 seconds",
          OPENAI_API_KEY: "sk-from-env"
        }
      })
      const { apiKey, ...config } = yield* CodexConfig.config.parse(provider)
      expect(apiKey !== undefined && Redacted.value(apiKey)).toBe("sk-from-env")
      expect(String(apiKey)).not.toContain("sk-from-env")
      expect(config).toEqual({
        codexBin: "/opt/codex",
        cwd: "/work",
        configOverrides: ["model=\"o3\"", "features.plugins=false"],
        clientName: "svc",
        clientTitle: undefined,
        clientVersion: undefined,
        experimentalApi: false,
        forceKillAfter: Duration.seconds(5),
        stderrTailLines: 10,
        maxLineLength: 1024,
        inheritEnv: true,
        requestTimeout: Duration.seconds(30),
        maxInFlight: 16,
        maxStartingTurns: Infinity,
        startingTurnTimeout: Duration.seconds(2)
      })
      const empty = yield* CodexConfig.config.parse(ConfigProvider.fromEnv({ env: {} }))
      expect(Object.values(empty).every((v) => v === undefined)).toBe(true)
      const bad = yield* Effect.flip(
        CodexConfig.config.parse(ConfigProvider.fromEnv({ env: { CODEX_STDERR_TAIL_LINES: "x" } }))
      )
      expect(bad._tag).toBe("ConfigError")
    }))
})
