import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as CodexConfig from "../src/CodexConfig.ts"
import * as ChildEnv from "../src/internal/childEnv.ts"
import * as Launch from "../src/internal/launch.ts"

const launch = (config: CodexConfig.CodexConfig, parent: Record<string, string | undefined>) =>
  Effect.flatMap(CodexConfig.resolve(config), (resolved) => Launch.launchCommand(resolved, parent)).pipe(
    Effect.provide(NodeFileSystem.layer)
  )

describe("launch command", () => {
  it.effect("bundled binary: --config overrides before app-server, codex-path first on PATH", () =>
    Effect.gen(function*() {
      const command = yield* launch(
        { configOverrides: ["a=1", "b=\"x y\""], env: { X: "1" } },
        { PATH: "/usr/bin:/bin", SECRET_TOKEN: "s" }
      )
      expect(command.binary?.source).toBe("bundled")
      expect(command.command).toBe(command.binary?.path)
      expect(command.args).toEqual(["--config", "a=1", "--config", "b=\"x y\"", "app-server", "--listen", "stdio://"])
      expect(command.env).toEqual({ PATH: `${command.binary?.pathDirs[0]}:/usr/bin:/bin`, X: "1" })
    }))

  it.effect("launchArgsOverride is used verbatim; codexBin adds no PATH entries", () =>
    Effect.gen(function*() {
      const override = yield* launch(
        { launchArgsOverride: ["/x/codex", "app-server", "--foo"], configOverrides: ["a=1"] },
        { PATH: "/usr/bin" }
      )
      expect([override.command, ...override.args]).toEqual(["/x/codex", "app-server", "--foo"])
      expect(override.env).toEqual({ PATH: "/usr/bin" })
      const explicit = yield* launch({ codexBin: process.execPath }, { PATH: "/usr/bin" })
      expect(explicit.command).toBe(process.execPath)
      expect(explicit.env).toEqual({ PATH: "/usr/bin" })
    }))

  it.effect("a cwd that is not a directory is an InvalidOptionError", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(launch({ cwd: process.execPath }, {}))
      expect(error._tag).toBe("InvalidOptionError")
      expect(error.message).toContain("is not an existing directory")
    }))

  it.effect("a cwd whose stat fails for another reason than \"not found\" says what it is", () =>
    Effect.gen(function*() {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-codex-cwd-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true })))
      const loop = Path.join(dir, "loop")
      Fs.symlinkSync(loop, loop)
      const error = yield* Effect.flip(launch({ cwd: loop }, {}))
      expect(error._tag).toBe("InvalidOptionError")
      expect(error.message).toContain("cannot be inspected")
      expect(error.message).toContain("ELOOP")
      expect(error.message).not.toContain("is not an existing directory")
    }).pipe(Effect.scoped))

  it("prependPath mirrors the Python SDK (dedupe, drop empty entries, Windows key)", () => {
    expect(Launch.prependPath({ PATH: "/usr/bin:/d::/bin" }, ["/d"], "linux")).toEqual({ PATH: "/d:/usr/bin:/bin" })
    expect(Launch.prependPath({ PATH: "/usr/bin" }, [], "linux")).toEqual({ PATH: "/usr/bin" })
    expect(Launch.prependPath({}, ["/d"], "linux")).toEqual({ PATH: "/d" })
    expect(Launch.prependPath({ PATH: "/usr/bin", Path: "C:\\Windows;C:\\d" }, ["C:\\d"], "win32"))
      .toEqual({ Path: "C:\\d;C:\\Windows" })
    expect(Launch.prependPath({ PATH: "C:\\W" }, ["C:\\d"], "win32")).toEqual({ PATH: "C:\\d;C:\\W" })
  })
})

describe("child environment", () => {
  const parent = {
    PATH: "/usr/bin",
    HOME: "/home/u",
    SHLVL: "1",
    LC_ALL: "C.UTF-8",
    NO_PROXY: "127.0.0.1",
    https_proxy: "http://proxy:3128",
    CODEX_HOME: "/home/u/.codex",
    CODEX_SQLITE_HOME: "/var/codex",
    CODEX_API_KEY: "sk-codex",
    CODEX_ACCESS_TOKEN: "tok",
    OPENAI_API_KEY: "sk-openai",
    AWS_SECRET_ACCESS_KEY: "aws",
    DATABASE_URL: "postgres://u:p@h/db",
    GITHUB_TOKEN: "gh",
    path: "lower-case is another variable on POSIX"
  }

  it("by default only allowlisted variables pass, and no credential", () => {
    expect(ChildEnv.make({ parent, inheritEnv: false, env: {}, apiKey: undefined, platform: "linux" })).toEqual({
      PATH: "/usr/bin",
      HOME: "/home/u",
      SHLVL: "1",
      LC_ALL: "C.UTF-8",
      NO_PROXY: "127.0.0.1",
      https_proxy: "http://proxy:3128",
      CODEX_HOME: "/home/u/.codex",
      CODEX_SQLITE_HOME: "/var/codex"
    })
  })

  it("env adds and removes, apiKey becomes OPENAI_API_KEY (still Redacted)", () => {
    const env = ChildEnv.make({
      parent,
      inheritEnv: false,
      env: { EXTRA: "1", HOME: undefined },
      apiKey: Redacted.make("sk-explicit"),
      platform: "linux"
    })
    expect(env.EXTRA).toBe("1")
    expect("HOME" in env).toBe(false)
    const key = env.OPENAI_API_KEY
    expect(Redacted.isRedacted(key) && Redacted.value(key)).toBe("sk-explicit")
  })

  it("inheritEnv passes the whole parent environment", () => {
    const env = ChildEnv.make({ parent, inheritEnv: true, env: { DATABASE_URL: undefined }, apiKey: undefined })
    expect(env.AWS_SECRET_ACCESS_KEY).toBe("aws")
    expect(env.OPENAI_API_KEY).toBe("sk-openai")
    expect("DATABASE_URL" in env).toBe(false)
  })

  it("names compare case-insensitively on Windows only", () => {
    expect(ChildEnv.isAllowed("Path", "win32")).toBe(true)
    expect(ChildEnv.isAllowed("Path", "linux")).toBe(false)
    expect(ChildEnv.isAllowed("SystemRoot", "win32")).toBe(true)
    expect(ChildEnv.isAllowed("codex_home", "win32")).toBe(true)
    expect(ChildEnv.isAllowed("codex_home", "linux")).toBe(false)
    expect(ChildEnv.isAllowed("CODEX_GITHUB_PERSONAL_ACCESS_TOKEN", "linux")).toBe(false)
  })
})
