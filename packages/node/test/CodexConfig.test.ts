import * as Errors from "@effect-codex/core/Errors"
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as CodexConfig from "../src/CodexConfig.ts"
import * as NodeTransport from "../src/NodeTransport.ts"

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
        clientName: "effect_codex",
        clientTitle: "Effect Codex SDK",
        clientVersion: CodexConfig.version,
        experimentalApi: true,
        forceKillAfter: Duration.seconds(2),
        stderrTailLines: 50
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
        [{ forceKillAfter: "Infinity" }, "forceKillAfter"]
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
          CODEX_STDERR_TAIL_LINES: "10"
        }
      })
      const config = yield* CodexConfig.config.parse(provider)
      expect(config).toEqual({
        codexBin: "/opt/codex",
        cwd: "/work",
        configOverrides: ["model=\"o3\"", "features.plugins=false"],
        clientName: "svc",
        clientTitle: undefined,
        clientVersion: undefined,
        experimentalApi: false,
        forceKillAfter: Duration.seconds(5),
        stderrTailLines: 10
      })
      const empty = yield* CodexConfig.config.parse(ConfigProvider.fromEnv({ env: {} }))
      expect(Object.values(empty).every((v) => v === undefined)).toBe(true)
      const bad = yield* Effect.flip(
        CodexConfig.config.parse(ConfigProvider.fromEnv({ env: { CODEX_STDERR_TAIL_LINES: "x" } }))
      )
      expect(bad._tag).toBe("ConfigError")
    }))
})

describe("NodeTransport command line", () => {
  it.effect("bundled binary: --config overrides before app-server, codex-path first on PATH", () =>
    Effect.gen(function*() {
      const resolved = yield* CodexConfig.resolve({
        configOverrides: ["a=1", "b=\"x y\""],
        env: { PATH: "/usr/bin:/bin", X: "1" }
      })
      const launch = yield* NodeTransport.launchCommand(resolved)
      expect(launch.binary?.source).toBe("bundled")
      expect(launch.command).toBe(launch.binary?.path)
      expect(launch.args).toEqual(["--config", "a=1", "--config", "b=\"x y\"", "app-server", "--listen", "stdio://"])
      expect(launch.env).toEqual({ PATH: `${launch.binary?.pathDirs[0]}:/usr/bin:/bin`, X: "1" })
    }))

  it.effect("launchArgsOverride is used verbatim; codexBin adds no PATH entries", () =>
    Effect.gen(function*() {
      const override = yield* NodeTransport.launchCommand(
        yield* CodexConfig.resolve({
          launchArgsOverride: ["/x/codex", "app-server", "--foo"],
          configOverrides: ["a=1"]
        })
      )
      expect([override.command, ...override.args]).toEqual(["/x/codex", "app-server", "--foo"])
      expect(override.env).toEqual({})
      const explicit = yield* NodeTransport.launchCommand(yield* CodexConfig.resolve({ codexBin: process.execPath }))
      expect(explicit.command).toBe(process.execPath)
      expect(explicit.env).toEqual({})
    }))

  it("prependPath mirrors the Python SDK (dedupe, drop empty entries, Windows key)", () => {
    expect(NodeTransport.prependPath({}, ["/d"], { base: { PATH: "/usr/bin:/d::/bin" }, platform: "linux" }))
      .toEqual({ PATH: "/d:/usr/bin:/bin" })
    expect(NodeTransport.prependPath({ PATH: "/mine" }, ["/d"], { base: { PATH: "/usr/bin" }, platform: "linux" }))
      .toEqual({ PATH: "/d:/mine" })
    expect(NodeTransport.prependPath({}, [], { base: { PATH: "/usr/bin" }, platform: "linux" })).toEqual({})
    expect(
      NodeTransport.prependPath({}, ["C:\\d"], {
        base: { PATH: "/usr/bin", Path: "C:\\Windows;C:\\d" },
        platform: "win32"
      })
    ).toEqual({ Path: "C:\\d;C:\\Windows", PATH: undefined })
    expect(NodeTransport.prependPath({}, ["C:\\d"], { base: { PATH: "C:\\W" }, platform: "win32" }))
      .toEqual({ PATH: "C:\\d;C:\\W" })
  })
})
