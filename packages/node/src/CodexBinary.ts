/**
 * Finds the `codex` executable to spawn.
 *
 * Order: an explicit `codexBin` (it must exist and be executable; no fallback), else the native
 * binary shipped with the pinned `@openai/codex` dependency: `@openai/codex/package.json` is
 * resolved from this package, then `@openai/codex-<platform>-<arch>/package.json` from there, and
 * the binary is `vendor/<target-triple>/bin/codex` (`codex.exe` on Windows). Like `codex.js`, the
 * `vendor` directory inside `@openai/codex` itself is tried as a fallback. The native binary is
 * spawned directly, never through `codex.js` or `npx`.
 *
 * `EFFECT_CODEX_BIN`, when set, names a native binary of another `@openai/codex` release that the
 * default lookup returns in place of the pinned one (`source` stays `"bundled"`; its `codex-path`
 * sibling is used the same way). It is for running a whole test suite against another codex version
 * (`pnpm run compat`) without changing the pin; an explicit `codexBin` and a lookup with `from`,
 * `platform` or `arch` ignore it.
 *
 * For the bundled binary, the package's `codex-path` directory (helper tools such as `rg`) is
 * reported in `pathDirs`, and `NodeTransport` prepends it to the child's PATH, as the Python SDK
 * does. `codex-resources` (the bundled `bwrap`) is not added: codex 0.169 finds it next to itself
 * anyway, and its "could not find bubblewrap on PATH" `configWarning` ignores that directory even
 * when it is on PATH (checked: only a `bwrap` outside the package silences it).
 *
 * `CODEX_MANAGED_BY_NPM` / `CODEX_MANAGED_PACKAGE_ROOT` (set by `codex.js`) are deliberately not
 * set: they only drive the CLI's self-update and `doctor` hints, which do not apply to a binary
 * pinned by this SDK; the Python SDK does not set them either.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { createRequire } from "node:module"
import * as Path from "node:path"
import * as Files from "./internal/files.ts"

/** The `codex` binary could not be found; `tried` lists every place that was looked at. */
export class CodexBinaryNotFoundError extends Schema.TaggedError<CodexBinaryNotFoundError>(
  "@effect-codex/node/CodexBinary/CodexBinaryNotFoundError"
)("CodexBinaryNotFoundError", { tried: Schema.Array(Schema.String) }) {
  override get message(): string {
    return `codex binary not found; tried: ${this.tried.join(", ")}`
  }
}

/**
 * The `codex` binary exists but cannot be run: it is not a regular file (e.g. a directory), it has
 * no execute permission, or the OS refused to execute it. `reason` says which.
 */
export class CodexBinaryNotExecutableError extends Schema.TaggedError<CodexBinaryNotExecutableError>(
  "@effect-codex/node/CodexBinary/CodexBinaryNotExecutableError"
)("CodexBinaryNotExecutableError", { path: Schema.String, reason: Schema.String }) {
  override get message(): string {
    return `codex binary ${this.path} is not executable: ${this.reason}`
  }
}

/** Errors of resolving the binary. */
export type ResolveError = CodexBinaryNotFoundError | CodexBinaryNotExecutableError

/** Where a resolved binary came from. */
export type BinarySource = "codexBin" | "bundled"

/** A `codex` executable that exists and is executable. */
export interface ResolvedBinary {
  /** Absolute path of the executable. */
  readonly path: string
  /** `"codexBin"` for an explicit path, `"bundled"` for the `@openai/codex` dependency. */
  readonly source: BinarySource
  /** Existing helper directories of the bundled package, to prepend to the child's PATH. */
  readonly pathDirs: ReadonlyArray<string>
}

/** Options of {@link resolve}. */
export interface ResolveOptions {
  /** Explicit path; when set, nothing else is tried. */
  readonly codexBin?: string | undefined
  /** Module path or URL from which `@openai/codex` is resolved (default: this module). */
  readonly from?: string | URL | undefined
  /** Platform to resolve for (default `process.platform`). */
  readonly platform?: string | undefined
  /** CPU architecture to resolve for (default `process.arch`). */
  readonly arch?: string | undefined
}

const triples: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  linux: { x64: "x86_64-unknown-linux-musl", arm64: "aarch64-unknown-linux-musl" },
  android: { x64: "x86_64-unknown-linux-musl", arm64: "aarch64-unknown-linux-musl" },
  darwin: { x64: "x86_64-apple-darwin", arm64: "aarch64-apple-darwin" },
  win32: { x64: "x86_64-pc-windows-msvc", arm64: "aarch64-pc-windows-msvc" }
}

const packages: Readonly<Record<string, string>> = {
  "x86_64-unknown-linux-musl": "@openai/codex-linux-x64",
  "aarch64-unknown-linux-musl": "@openai/codex-linux-arm64",
  "x86_64-apple-darwin": "@openai/codex-darwin-x64",
  "aarch64-apple-darwin": "@openai/codex-darwin-arm64",
  "x86_64-pc-windows-msvc": "@openai/codex-win32-x64",
  "aarch64-pc-windows-msvc": "@openai/codex-win32-arm64"
}

/** The Rust target triple of the native binary for a platform/arch pair (as `codex.js` maps them). */
export const targetTriple = (platform: string, arch: string): string | undefined => triples[platform]?.[arch]

/** The npm package (an optional dependency of `@openai/codex`) that carries a triple's binary. */
export const platformPackage = (triple: string): string | undefined => packages[triple]

/**
 * Whether `path` is an existing regular file with execute permission (on Windows: an existing
 * regular file). The OS has the last word when the file is spawned.
 */
export const isExecutable = (path: string): Effect.Effect<boolean> =>
  Files.runnable(path, process.platform).pipe(
    Effect.map((c) => c._tag === "Executable")
  )

const requireResolve = (from: string | URL, request: string): string | undefined => {
  try {
    return createRequire(from).resolve(request)
  } catch {
    return undefined
  }
}

const display = (from: string | URL): string => (typeof from === "string" ? from : from.href)

/**
 * Resolves the `codex` executable (see the module documentation for the order). Fails with
 * `CodexBinaryNotFoundError` listing every path (or package lookup) that was tried, or with
 * `CodexBinaryNotExecutableError` when an explicit `codexBin` exists but cannot be run.
 */
export const resolve: (options?: ResolveOptions | undefined) => Effect.Effect<ResolvedBinary, ResolveError> = Effect
  .fn("CodexBinary.resolve")(function*(options: ResolveOptions | undefined) {
    const codexBin = options?.codexBin
    if (codexBin === undefined) return yield* bundled(options)
    const path = Path.resolve(codexBin)
    const result = yield* Files.runnable(path, options?.platform ?? process.platform)
    switch (result._tag) {
      case "Executable":
        return { path, source: "codexBin", pathDirs: [] } satisfies ResolvedBinary
      case "Missing":
        return yield* new CodexBinaryNotFoundError({ tried: [path] })
      case "NotExecutable":
        return yield* new CodexBinaryNotExecutableError({ path, reason: result.reason })
    }
  })

/**
 * Resolves the native binary of the pinned `@openai/codex` dependency only. A binary that is there
 * but cannot be inspected or run is listed in `tried` with the reason (`resolve` fails with
 * `CodexBinaryNotExecutableError` for it).
 */
export const resolveBundled: (options?: ResolveOptions | undefined) => Effect.Effect<
  ResolvedBinary,
  CodexBinaryNotFoundError
> = Effect.fn("CodexBinary.resolveBundled")(function*(options: ResolveOptions | undefined) {
  return yield* bundled(options).pipe(
    Effect.catchTag(
      "CodexBinaryNotExecutableError",
      (error) => Effect.fail(new CodexBinaryNotFoundError({ tried: [`${error.path} (${error.reason})`] }))
    )
  )
})

/** The variable that replaces the pinned binary in the default lookup (see the module documentation). */
export const overrideVariable = "EFFECT_CODEX_BIN"

const readOverride = (): string | undefined => {
  try {
    const value = process.env[overrideVariable]
    return value === undefined || value === "" ? undefined : value
  } catch {
    return undefined // a runtime that denies reading the environment (Deno without --allow-env)
  }
}

const bundled = Effect.fnUntraced(function*(options: ResolveOptions | undefined) {
  const defaultLookup = options?.from === undefined && options?.platform === undefined && options?.arch === undefined
  const override = defaultLookup ? readOverride() : undefined
  if (override !== undefined) {
    const path = Path.resolve(override)
    const result = yield* Files.runnable(path, options?.platform ?? process.platform)
    if (result._tag === "Missing") {
      return yield* new CodexBinaryNotFoundError({ tried: [`${path} (${overrideVariable})`] })
    }
    if (result._tag === "NotExecutable") {
      return yield* new CodexBinaryNotExecutableError({ path, reason: result.reason })
    }
    const helpers = Path.join(Path.dirname(Path.dirname(path)), "codex-path")
    const pathDirs = (yield* Files.isDirectory(helpers)) ? [helpers] : []
    return { path, source: "bundled", pathDirs } satisfies ResolvedBinary
  }
  const platform = options?.platform ?? process.platform
  const arch = options?.arch ?? process.arch
  const from = options?.from ?? import.meta.url
  const tried: Array<string> = []
  const triple = targetTriple(platform, arch)
  const pkg = triple === undefined ? undefined : platformPackage(triple)
  if (triple === undefined || pkg === undefined) {
    tried.push(`@openai/codex has no native binary for ${platform} ${arch}`)
    return yield* new CodexBinaryNotFoundError({ tried })
  }
  const exe = platform === "win32" ? "codex.exe" : "codex"
  const codexPackageJson = requireResolve(from, "@openai/codex/package.json")
  if (codexPackageJson === undefined) {
    tried.push(`@openai/codex/package.json (not resolvable from ${display(from)})`)
    return yield* new CodexBinaryNotFoundError({ tried })
  }
  const vendorRoots: Array<string> = []
  let notRunnable: { readonly path: string; readonly reason: string } | undefined
  const platformPackageJson = requireResolve(codexPackageJson, `${pkg}/package.json`)
  if (platformPackageJson === undefined) {
    tried.push(`${pkg}/package.json (not resolvable from ${Path.dirname(codexPackageJson)})`)
  } else {
    vendorRoots.push(Path.join(Path.dirname(platformPackageJson), "vendor", triple))
  }
  vendorRoots.push(Path.join(Path.dirname(codexPackageJson), "vendor", triple))
  for (const root of vendorRoots) {
    const path = Path.join(root, "bin", exe)
    tried.push(path)
    const result = yield* Files.runnable(path, platform)
    if (result._tag === "Executable") {
      const helpers = Path.join(root, "codex-path")
      const pathDirs = (yield* Files.isDirectory(helpers)) ? [helpers] : []
      return { path, source: "bundled", pathDirs } satisfies ResolvedBinary
    }
    // there, but not runnable (or not readable, e.g. Deno without --allow-read): say so, not "not found"
    if (result._tag === "NotExecutable") notRunnable ??= { path, reason: result.reason }
  }
  if (notRunnable !== undefined) return yield* new CodexBinaryNotExecutableError(notRunnable)
  return yield* new CodexBinaryNotFoundError({ tried })
})
