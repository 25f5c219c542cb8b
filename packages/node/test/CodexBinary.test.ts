import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as CodexBinary from "../src/CodexBinary.ts"

const tmpDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-codex-bin-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

describe("CodexBinary", () => {
  it("maps platforms to target triples and packages like codex.js", () => {
    expect(CodexBinary.targetTriple("linux", "x64")).toBe("x86_64-unknown-linux-musl")
    expect(CodexBinary.targetTriple("linux", "arm64")).toBe("aarch64-unknown-linux-musl")
    expect(CodexBinary.targetTriple("android", "arm64")).toBe("aarch64-unknown-linux-musl")
    expect(CodexBinary.targetTriple("darwin", "x64")).toBe("x86_64-apple-darwin")
    expect(CodexBinary.targetTriple("darwin", "arm64")).toBe("aarch64-apple-darwin")
    expect(CodexBinary.targetTriple("win32", "x64")).toBe("x86_64-pc-windows-msvc")
    expect(CodexBinary.targetTriple("win32", "arm64")).toBe("aarch64-pc-windows-msvc")
    expect(CodexBinary.targetTriple("linux", "ia32")).toBeUndefined()
    expect(CodexBinary.targetTriple("aix", "ppc64")).toBeUndefined()
    expect(CodexBinary.platformPackage("x86_64-unknown-linux-musl")).toBe("@openai/codex-linux-x64")
    expect(CodexBinary.platformPackage("aarch64-apple-darwin")).toBe("@openai/codex-darwin-arm64")
  })

  it.effect("resolves the native binary of the pinned @openai/codex", () =>
    Effect.gen(function*() {
      // `from` given: the pinned package, even when EFFECT_CODEX_BIN is set (`pnpm run compat`)
      const binary = yield* CodexBinary.resolve({ from: new URL("../src/CodexBinary.ts", import.meta.url) })
      expect(binary.source).toBe("bundled")
      expect(binary.path).toMatch(/vendor\/x86_64-unknown-linux-musl\/bin\/codex$/)
      expect(yield* CodexBinary.isExecutable(binary.path)).toBe(true)
      expect(binary.pathDirs).toEqual([Path.join(Path.dirname(Path.dirname(binary.path)), "codex-path")])
      // The pinned version is the one in this package's package.json.
      const pkg = JSON.parse(Fs.readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
        dependencies: Record<string, string>
      }
      const vendored = JSON.parse(
        Fs.readFileSync(Path.join(Path.dirname(Path.dirname(binary.path)), "codex-package.json"), "utf8")
      ) as { version: string }
      expect(vendored.version).toBe(pkg.dependencies["@openai/codex"])
    }))

  it.effect("EFFECT_CODEX_BIN replaces the pinned binary in the default lookup only (no codexBin, from, platform or arch)", () => {
    const before = process.env[CodexBinary.overrideVariable]
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-codex-override-"))
    const bin = Path.join(dir, "vendor", "x", "bin", "codex")
    Fs.mkdirSync(Path.dirname(bin), { recursive: true })
    Fs.mkdirSync(Path.join(dir, "vendor", "x", "codex-path"))
    Fs.copyFileSync(process.execPath, bin)
    return Effect.gen(function*() {
      process.env[CodexBinary.overrideVariable] = bin
      expect(yield* CodexBinary.resolve()).toEqual({
        path: bin,
        source: "bundled",
        pathDirs: [Path.join(dir, "vendor", "x", "codex-path")]
      })
      // an explicit codexBin and a lookup from elsewhere ignore it
      expect((yield* CodexBinary.resolve({ codexBin: process.execPath })).path).toBe(process.execPath)
      const pinned = yield* CodexBinary.resolve({ from: new URL("../src/CodexBinary.ts", import.meta.url) })
      expect(pinned.path).not.toBe(bin)
      const other = yield* Effect.flip(CodexBinary.resolveBundled({ platform: "aix", arch: "ppc64" }))
      expect(other._tag).toBe("CodexBinaryNotFoundError")
      process.env[CodexBinary.overrideVariable] = Path.join(dir, "missing")
      const error = yield* Effect.flip(CodexBinary.resolve())
      expect(error._tag).toBe("CodexBinaryNotFoundError")
      expect(error.message).toContain(`${Path.join(dir, "missing")} (EFFECT_CODEX_BIN)`)
    }).pipe(Effect.ensuring(Effect.sync(() => {
      if (before === undefined) delete process.env[CodexBinary.overrideVariable]
      else process.env[CodexBinary.overrideVariable] = before
      Fs.rmSync(dir, { recursive: true, force: true })
    })))
  })

  it.effect("an explicit codexBin is used as is, with no PATH changes", () =>
    Effect.gen(function*() {
      const binary = yield* CodexBinary.resolve({ codexBin: process.execPath })
      expect(binary).toEqual({ path: process.execPath, source: "codexBin", pathDirs: [] })
    }))

  it.effect("an explicit codexBin that is missing is not found (no fallback)", () =>
    Effect.gen(function*() {
      const dir = yield* tmpDir
      const missing = Path.join(dir, "missing")
      const error = yield* Effect.flip(CodexBinary.resolve({ codexBin: missing }))
      expect(error).toBeInstanceOf(CodexBinary.CodexBinaryNotFoundError)
      expect(error._tag === "CodexBinaryNotFoundError" && error.tried).toEqual([missing])
    }))

  it.effect("an explicit codexBin that exists but cannot run says why (not \"not found\")", () =>
    Effect.gen(function*() {
      const dir = yield* tmpDir
      const plain = Path.join(dir, "codex")
      Fs.writeFileSync(plain, "#!/bin/sh\n", { mode: 0o644 })
      const cases = [[dir, "it is a directory"], [plain, "it has no execute permission (chmod +x)"]] as const
      for (const [candidate, reason] of cases) {
        const error = yield* Effect.flip(CodexBinary.resolve({ codexBin: candidate }))
        expect(error).toBeInstanceOf(CodexBinary.CodexBinaryNotExecutableError)
        expect(error._tag === "CodexBinaryNotExecutableError" && error.reason).toBe(reason)
        expect(error.message).toBe(`codex binary ${candidate} is not executable: ${reason}`)
      }
      expect(yield* CodexBinary.isExecutable(plain)).toBe(false)
    }))

  it.effect("a codexBin whose stat fails for another reason than \"not found\" says what it is", () =>
    Effect.gen(function*() {
      // a symlink loop: stat fails with ELOOP (permission failures cannot be made as root; on Deno
      // without --allow-read it is NotCapable, checked by test/runtimes)
      const dir = yield* tmpDir
      const loop = Path.join(dir, "codex")
      Fs.symlinkSync(Path.join(dir, "other"), loop)
      Fs.symlinkSync(loop, Path.join(dir, "other"))
      const error = yield* Effect.flip(CodexBinary.resolve({ codexBin: loop }))
      expect(error._tag).toBe("CodexBinaryNotExecutableError")
      expect(error.message).toContain("cannot be inspected")
      expect(error.message).toContain("ELOOP")
    }))

  it.effect("without @openai/codex in reach, the error names the lookup", () =>
    Effect.gen(function*() {
      const dir = yield* tmpDir
      // An @openai/codex whose `exports` hide package.json: the lookup stops here instead of
      // walking up to some node_modules above the temporary directory.
      const pkgDir = Path.join(dir, "node_modules", "@openai", "codex")
      Fs.mkdirSync(pkgDir, { recursive: true })
      Fs.writeFileSync(Path.join(pkgDir, "package.json"), JSON.stringify({ name: "@openai/codex", exports: "./x.js" }))
      const error = yield* Effect.flip(CodexBinary.resolveBundled({ from: Path.join(dir, "index.js") }))
      expect(error.tried).toEqual([`@openai/codex/package.json (not resolvable from ${Path.join(dir, "index.js")})`])
      expect(error.message).toContain("codex binary not found")
    }))

  it.effect("a missing platform package lists every path tried", () =>
    Effect.gen(function*() {
      // A fake install: node_modules/@openai/codex without its optional platform package.
      const dir = yield* tmpDir
      const pkgDir = Path.join(dir, "node_modules", "@openai", "codex")
      Fs.mkdirSync(pkgDir, { recursive: true })
      Fs.writeFileSync(Path.join(pkgDir, "package.json"), JSON.stringify({ name: "@openai/codex", version: "0.0.0" }))
      const from = Path.join(dir, "index.js")
      const error = yield* Effect.flip(CodexBinary.resolveBundled({ from, platform: "darwin", arch: "arm64" }))
      expect(error.tried).toEqual([
        `@openai/codex-darwin-arm64/package.json (not resolvable from ${Fs.realpathSync(pkgDir)})`,
        Path.join(Fs.realpathSync(pkgDir), "vendor", "aarch64-apple-darwin", "bin", "codex")
      ])
      // codex.js's fallback location works.
      const bin = Path.join(pkgDir, "vendor", "aarch64-apple-darwin", "bin")
      Fs.mkdirSync(bin, { recursive: true })
      Fs.writeFileSync(Path.join(bin, "codex"), "#!/bin/sh\n", { mode: 0o755 })
      const found = yield* CodexBinary.resolve({ from, platform: "darwin", arch: "arm64" })
      expect(found.path).toBe(Path.join(Fs.realpathSync(bin), "codex"))
      expect(found.pathDirs).toEqual([])
    }))

  it.effect("an unsupported platform is reported", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(CodexBinary.resolveBundled({ platform: "aix", arch: "ppc64" }))
      expect(error.tried).toEqual(["@openai/codex has no native binary for aix ppc64"])
    }))
})
