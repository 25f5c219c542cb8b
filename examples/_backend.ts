/**
 * Where the examples run. Every example provides `Backend.layer(...)` and nothing else:
 *
 * - **live**: with `OPENAI_API_KEY` set, `NodeCodex.layer()` spawns the pinned `codex app-server`
 *   with your usual `CODEX_HOME` and talks to the real service. If Codex has no account yet, it logs
 *   in with the key first (`codex.loginApiKey`, which stores it in `CODEX_HOME/auth.json`).
 * - **offline** (the default, and what CI runs): the same real `codex app-server`, pointed at the
 *   embedded `FakeModel` from `@effect-codex/testing` on 127.0.0.1, in a temporary `CODEX_HOME`
 *   and workspace that are removed at exit. The FakeModel answers with the example's `script`.
 *
 * Either way the example gets the same `Codex` service, so its code does not change.
 *
 * @example
 * ```ts
 * import { Codex } from "@effect-codex/core"
 * import { FakeModel } from "@effect-codex/testing"
 * import { NodeRuntime } from "@effect/platform-node"
 * import { Console, Effect } from "effect"
 * import * as Backend from "./_backend.ts"
 *
 * const program = Effect.gen(function*() {
 *   const codex = yield* Codex.Codex
 *   const thread = yield* codex.threadStart()
 *   const result = yield* thread.run("Say hello")
 *   yield* Console.log(result.finalResponse)
 * })
 *
 * program.pipe(Effect.provide(Backend.layer({ script: [FakeModel.message("Hello!")] })), NodeRuntime.runMain)
 * ```
 */
import type { AppServerClient } from "@effect-codex/core"
import { Codex } from "@effect-codex/core"
import { NodeCodex } from "@effect-codex/node"
import { CodexTest, FakeModel } from "@effect-codex/testing"
import { Config, Console, Context, Effect, Layer, Option, Redacted } from "effect"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"

/** How an example chooses and prepares its backend. */
export interface Options {
  /** What the embedded FakeModel answers, one entry per model request, in order (offline only). */
  readonly script?: ReadonlyArray<FakeModel.Reply> | undefined
  /** Options of the offline backend (`CodexTest.layer`): `requiresAuth`, `sandboxMode`, … */
  readonly offline?: CodexTest.Options | undefined
  /** Files (relative path → content) written into the offline workspace before the example runs. */
  readonly files?: Readonly<Record<string, string>> | undefined
  /** Live only: log in with `OPENAI_API_KEY` when Codex has no account (default `true`). */
  readonly autoLogin?: boolean | undefined
  /** Print the one-line `[live]` / `[offline]` banner (default `true`). */
  readonly banner?: boolean | undefined
}

/** What the example may want to know about its backend. */
export interface Service {
  readonly mode: "live" | "offline"
  /** The app-server's working directory: the current directory (live) or a temporary workspace (offline). */
  readonly workspace: string
  /** The key from `OPENAI_API_KEY` (live only). */
  readonly apiKey: Option.Option<Redacted.Redacted<string>>
}

/** The `Backend` service. */
export class Backend extends Context.Service<Backend, Service>()("effect-codex-examples/Backend") {}

/** Everything the examples use. */
export type Services = Codex.Codex | AppServerClient.AppServerClient | Backend

/** `OPENAI_API_KEY`, when set and not blank. */
export const apiKey: Config.Config<Option.Option<Redacted.Redacted<string>>> = Config.option(
  Config.Redacted("OPENAI_API_KEY")
).pipe(Config.map(Option.filter((key) => Redacted.value(key).trim() !== "")))

const live = (key: Redacted.Redacted<string>, options: Options) =>
  Layer.effect(
    Backend,
    Effect.gen(function*() {
      const codex = yield* Codex.Codex
      const say = options.banner === false ? () => Effect.void : Console.log
      yield* say("[live] OPENAI_API_KEY is set: talking to the real Codex service.")
      if (options.autoLogin !== false) {
        const { account, requiresOpenaiAuth } = yield* codex.account()
        if ((account === null || account === undefined) && requiresOpenaiAuth) {
          yield* codex.loginApiKey(key)
          yield* say("[live] Codex had no account: logged in with OPENAI_API_KEY.")
        }
      }
      return { mode: "live" as const, workspace: process.cwd(), apiKey: Option.some(key) }
    })
  ).pipe(Layer.provideMerge(NodeCodex.layer()))

const offline = (options: Options) =>
  Layer.effect(
    Backend,
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const { workspace } = yield* CodexTest.CodexTest
      yield* model.enqueue(...(options.script ?? []))
      yield* Effect.promise(async () => {
        for (const [file, content] of Object.entries(options.files ?? {})) {
          const target = Path.join(workspace, file)
          await Fs.mkdir(Path.dirname(target), { recursive: true })
          await Fs.writeFile(target, content)
        }
      })
      if (options.banner !== false) {
        yield* Console.log(
          "[offline] OPENAI_API_KEY is not set: running the real codex app-server against the embedded " +
            "FakeModel (scripted replies) in a temporary CODEX_HOME."
        )
      }
      return { mode: "offline" as const, workspace, apiKey: Option.none() }
    })
  ).pipe(Layer.provideMerge(CodexTest.layer(options.offline)))

/**
 * The backend of an example: live with `OPENAI_API_KEY`, otherwise offline on the FakeModel.
 * Provides `Codex`, `AppServerClient` and `Backend`.
 */
export const layer = (options: Options = {}): Layer.Layer<Services, unknown> =>
  Layer.unwrap(
    Effect.map(
      apiKey,
      Option.match({ onNone: () => offline(options), onSome: (key) => live(key, options) })
    )
  )
