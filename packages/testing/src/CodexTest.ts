/**
 * Test layers for programs built on effect-codex: the REAL `codex app-server` (the pinned binary)
 * against a scripted `FakeModel` on loopback, in a fresh temporary `CODEX_HOME` and workspace.
 * Everything (process, server, folders) is removed when the layer's scope closes, and two test
 * files never share ports, homes or processes.
 *
 * The app-server is spawned over stdio, unless `EFFECT_CODEX_TEST_TRANSPORT` says `ws` or `unix`
 * (or the `transport` option does): then it is spawned listening (`--listen`) and the client
 * connects over that socket, so a whole suite written for stdio runs over another transport with
 * one switch (`EFFECT_CODEX_TEST_TRANSPORT=ws pnpm exec vitest run …`).
 *
 * @example
 * ```ts
 * import { describe, expect, it } from "@effect/vitest"
 * import * as Effect from "effect/Effect"
 * import { Codex } from "@effect-codex/core"
 * import { CodexTest, FakeModel } from "@effect-codex/testing"
 *
 * it.effect("answers", () =>
 *   Effect.gen(function*() {
 *     const model = yield* FakeModel.FakeModel
 *     yield* model.enqueue(FakeModel.message("Hello!"))
 *     const codex = yield* Codex.Codex
 *     const thread = yield* codex.threadStart()
 *     const result = yield* thread.run("Hi")
 *     expect(result.finalResponse).toBe("Hello!")
 *   }).pipe(Effect.provide(CodexTest.layer())))
 * ```
 *
 * @since 0.1.0
 */
import type * as AppServerClient from "@effect-codex/core/AppServerClient"
import type * as Codex from "@effect-codex/core/Codex"
import type { Transport } from "@effect-codex/core/Transport"
import * as NodeCodex from "@effect-codex/node/NodeCodex"
import type * as NodeTransport from "@effect-codex/node/NodeTransport"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as CodexHome from "./CodexHome.ts"
import * as FakeModel from "./FakeModel.ts"
import * as Folders from "./internal/folders.ts"
import * as Offline from "./internal/offline.ts"
import * as Remote from "./internal/remote.ts"

/** Options of the test layer. */
export interface Options {
  /** Whether the provider requires OpenAI auth (to test login flows). Default `false`. */
  readonly requiresAuth?: boolean | undefined
  /** The config's default `approval_policy` (default `"never"`). */
  readonly approvalPolicy?: CodexHome.ApprovalPolicy | undefined
  /** The config's default `sandbox_mode` (default `"read-only"`). */
  readonly sandboxMode?: CodexHome.SandboxMode | undefined
  /** The model slug written in the config (default `"mock-model"`). */
  readonly model?: string | undefined
  /** Raw TOML appended to config.toml (start it with a `[table]` header). */
  readonly extraConfig?: string | undefined
  /** Extra `[features]` flags. */
  readonly features?: Readonly<Record<string, boolean>> | undefined
  /** Launch and client options passed to `NodeCodex.layer` (env and cwd are set by the test layer). */
  readonly codex?: NodeCodex.Options | undefined
  /** Extra environment variables for the app-server. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  /** Options of the `FakeModel` (e.g. `maxRecordedRequests`, default the last 1,000 requests). */
  readonly fakeModel?: FakeModel.Options | undefined
  /**
   * How the client reaches the app-server: `"stdio"`, or a listener over `"ws"` or `"unix"` (its
   * `ProcessInfo` is then the listener's). Default: `EFFECT_CODEX_TEST_TRANSPORT`, else `"stdio"`.
   */
  readonly transport?: "stdio" | "ws" | "unix" | undefined
}

/** Where the test's files are. */
export interface Service {
  /** The temporary `CODEX_HOME` (config.toml, sessions, sqlite state, auth.json). */
  readonly codexHome: string
  /** A temporary workspace folder, the app-server's working directory. Pass it as `cwd`. */
  readonly workspace: string
}

/** The `CodexTest` service: the test's folders. */
export class CodexTest extends Context.Service<CodexTest, Service>()("@effect-codex/testing/CodexTest") {}

/** Everything `layer` provides. */
export type Services = NodeCodex.Services | FakeModel.FakeModel | CodexTest

/** The environment the app-server gets in tests: an isolated home and no proxy for loopback. */
export const testEnv: (codexHome: string) => Readonly<Record<string, string | undefined>> = Offline.testEnv

/**
 * The real app-server against a fresh `FakeModel`, in temporary folders. Provides `Codex`,
 * `AppServerClient`, `Transport`, `ProcessInfo`, `FakeModel` and `CodexTest`. Over stdio unless
 * `options.transport` or `EFFECT_CODEX_TEST_TRANSPORT` says `ws` or `unix` (see the module doc).
 */
export const layer = (options: Options = {}): Layer.Layer<Services, unknown> =>
  Layer.unwrap(
    Effect.gen(function*() {
      const transport = options.transport ?? (yield* Remote.transportFromEnv())
      if (transport !== "stdio") {
        const { dirs, listener } = yield* Remote.listen({ ...options, transport })
        const remote: Layer.Layer<Exclude<Services, FakeModel.FakeModel>, unknown> = Remote.client(
          options,
          listener,
          undefined
        ).pipe(
          Layer.merge(Layer.succeed(CodexTest, dirs)),
          Layer.merge(Remote.processInfo(listener))
        )
        return remote
      }
      const model = yield* FakeModel.FakeModel
      const dirs = yield* Folders.make(options, model.port)
      const codex = NodeCodex.layer({
        ...options.codex,
        cwd: dirs.workspace,
        env: { ...testEnv(dirs.codexHome), ...options.codex?.env, ...options.env }
      })
      return codex.pipe(Layer.merge(Layer.succeed(CodexTest, dirs)))
    })
  ).pipe(Layer.provideMerge(FakeModel.layerWith(options.fakeModel)))

/** Re-exported for convenience: the services a test usually needs. */
export type { AppServerClient, Codex, NodeTransport, Transport }
