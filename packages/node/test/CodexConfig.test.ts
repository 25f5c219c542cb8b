import * as Errors from "@effect-codex/core/Errors"
import { describe, expect, it } from "@effect/vitest"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Fs from "node:fs"
import * as CodexBinary from "../src/CodexBinary.ts"
import * as CodexConfig from "../src/CodexConfig.ts"
import * as CodexEnv from "../src/CodexEnv.ts"
import * as NodeCodex from "../src/NodeCodex.ts"
import * as NodeCodexRemote from "../src/NodeCodexRemote.ts"

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

  it.effect("CodexEnv.config reads CODEX_BIN and friends from the environment", () =>
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
      const { apiKey, ...config } = yield* CodexEnv.config.parse(provider)
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
      const empty = yield* CodexEnv.config.parse(ConfigProvider.fromEnv({ env: {} }))
      expect(Object.values(empty).every((v) => v === undefined)).toBe(true)
      const bad = yield* Effect.flip(
        CodexEnv.config.parse(ConfigProvider.fromEnv({ env: { CODEX_STDERR_TAIL_LINES: "x" } }))
      )
      expect(bad._tag).toBe("ConfigError")
    }))

  it.effect("CodexEnv.remoteConfig reads CODEX_APP_SERVER_URL and its auth settings", () =>
    Effect.gen(function*() {
      const remote = yield* CodexEnv.remoteConfig.parse(ConfigProvider.fromEnv({
        env: {
          CODEX_APP_SERVER_URL: "ws://127.0.0.1:4500",
          CODEX_APP_SERVER_TOKEN: "secret-token",
          CODEX_APP_SERVER_AUDIENCE: "codex"
        }
      }))
      expect(remote.url).toBe("ws://127.0.0.1:4500")
      expect(Option.map(remote.token, Redacted.value)).toEqual(Option.some("secret-token"))
      expect(remote.tokenFile).toEqual(Option.none())
      expect(remote.audience).toEqual(Option.some("codex"))
      const missing = yield* Effect.flip(CodexEnv.remoteConfig.parse(ConfigProvider.fromEnv({ env: {} })))
      expect(missing._tag).toBe("ConfigError")
    }))

  // The layerConfigs load effect/Config and CodexEnv when built: their defaults must still read the environment.
  it.live("NodeCodex.layerConfig() reads the environment by default, or the Config it is given", () =>
    Effect.gen(function*() {
      const fromEnv = yield* Effect.flip(
        Effect.provide(Effect.void, NodeCodex.layerConfig()).pipe(
          Effect.provideService(
            ConfigProvider.ConfigProvider,
            ConfigProvider.fromEnv({ env: { CODEX_BIN: "/nonexistent/env/codex" } })
          )
        )
      )
      expect(fromEnv).toBeInstanceOf(CodexBinary.CodexBinaryNotFoundError)
      expect((fromEnv as CodexBinary.CodexBinaryNotFoundError).tried).toEqual(["/nonexistent/env/codex"])
      const badEnv = yield* Effect.flip(
        Effect.provide(Effect.void, NodeCodex.layerConfig()).pipe(
          Effect.provideService(
            ConfigProvider.ConfigProvider,
            ConfigProvider.fromEnv({ env: { CODEX_MAX_LINE_LENGTH: "long" } })
          )
        )
      )
      expect(badEnv._tag).toBe("ConfigError")
      const given = yield* Effect.flip(
        Effect.provide(Effect.void, NodeCodex.layerConfig({ codexBin: Config.succeed("/nonexistent/given/codex") }))
      )
      expect((given as CodexBinary.CodexBinaryNotFoundError).tried).toEqual(["/nonexistent/given/codex"])
    }))

  it.live("NodeCodexRemote.layerConfig() reads CODEX_APP_SERVER_URL by default, or the Config it is given", () =>
    Effect.gen(function*() {
      const withEnv = (env: Record<string, string>) =>
        Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))
      const badUrl = yield* Effect.flip(
        Effect.provide(Effect.void, NodeCodexRemote.layerConfig()).pipe(
          withEnv({ CODEX_APP_SERVER_URL: "http://127.0.0.1:1" })
        )
      )
      expect(badUrl).toBeInstanceOf(Errors.InvalidOptionError)
      expect((badUrl as Errors.InvalidOptionError).message).toContain("http://127.0.0.1:1")
      const missing = yield* Effect.flip(Effect.provide(Effect.void, NodeCodexRemote.layerConfig()).pipe(withEnv({})))
      expect(missing._tag).toBe("ConfigError")
      const given = yield* Effect.flip(Effect.provide(
        Effect.void,
        NodeCodexRemote.layerConfig({
          config: Config.all({
            url: Config.succeed("unix://relative.sock"),
            token: Config.succeed(Option.none()),
            tokenFile: Config.succeed(Option.none()),
            sharedSecretFile: Config.succeed(Option.none()),
            issuer: Config.succeed(Option.none()),
            audience: Config.succeed(Option.none())
          })
        })
      ))
      expect(given).toBeInstanceOf(Errors.InvalidOptionError)
      expect((given as Errors.InvalidOptionError).message).toContain("unix://relative.sock")
    }))
})
