/**
 * An offline `CODEX_HOME` for the real `codex` binary: a `config.toml` that points codex at a
 * `FakeModel` on 127.0.0.1, with no auth, no retries and no network-using features.
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import { CodexHome, FakeModel } from "@effect-codex/testing"
 *
 * const home = Effect.gen(function*() {
 *   const fake = yield* FakeModel.FakeModel
 *   return yield* CodexHome.makeTemp({ port: fake.port, approvalPolicy: "never" })
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Path from "effect/Path"
import type * as PlatformError from "effect/PlatformError"
import type * as Scope from "effect/Scope"

import * as Offline from "./internal/offline.ts"

/** `approval_policy` values (as in config.toml). */
export type ApprovalPolicy = Offline.ApprovalPolicy

/** `sandbox_mode` values (as in config.toml). */
export type SandboxMode = Offline.SandboxMode

/** What goes into the generated config.toml. */
export type Options = Offline.Options

/** The name of the model provider the config defines. */
export const providerId = Offline.providerId

/** The config.toml text for these options. */
export const configToml: (options: Options) => string = Offline.configToml

/** Writes `dir/config.toml` (creating `dir` if needed). */
export const writeCodexHome = Effect.fn("CodexHome.writeCodexHome")(function*(
  dir: string,
  options: Options
): Effect.fn.Return<void, PlatformError.PlatformError, FileSystem.FileSystem | Path.Path> {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  yield* fs.makeDirectory(dir, { recursive: true })
  yield* fs.writeFileString(path.join(dir, "config.toml"), configToml(options))
})

/**
 * A fresh temporary `CODEX_HOME` with its config.toml, removed (with everything codex wrote in it)
 * when the scope closes. Returns its path.
 */
export const makeTemp = Effect.fn("CodexHome.makeTemp")(function*(
  options: Options
): Effect.fn.Return<string, PlatformError.PlatformError, FileSystem.FileSystem | Path.Path | Scope.Scope> {
  const fs = yield* FileSystem.FileSystem
  const dir = yield* fs.makeTempDirectoryScoped({ prefix: "effect-codex-home-" })
  yield* writeCodexHome(dir, options)
  return dir
})
