/**
 * Where the examples run. Every example provides `Backend.layer(...)` and nothing else:
 *
 * - **live**: with `OPENAI_API_KEY` set, `NodeCodex.layer()` spawns the pinned `codex app-server`
 *   with your usual `CODEX_HOME` and talks to the real service. The key is used for this session
 *   only: the app-server gets it in its environment, with a model provider that reads it from there
 *   (`env_key`), so nothing is written to `CODEX_HOME` (an API-key login, `codex.loginApiKey`,
 *   would store it in `CODEX_HOME/auth.json`; example 11 shows that flow).
 * - **offline** (the default, and what CI runs): the same real `codex app-server`, pointed at the
 *   embedded `FakeModel` from `@effect-codex/testing` on 127.0.0.1, in a temporary `CODEX_HOME`
 *   and workspace that are removed at exit. The FakeModel answers with the example's `script`.
 *
 * Either way the example gets the same `Codex` service, so its code does not change.
 *
 * @example
 * ```ts
 *  * import { FakeModel } from "@effect-codex/testing"
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
import type { AppServerClient, Codex } from "@effect-codex/core"
import { NodeCodex } from "@effect-codex/node"
import { CodexTest, FakeModel } from "@effect-codex/testing"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Semaphore from "effect/Semaphore"
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
  /** Live only: use `OPENAI_API_KEY` for the session (default `true`); `false` leaves auth to the example. */
  readonly sessionKey?: boolean | undefined
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
  /**
   * Runs `effect`, whose first model request is answered by `reply` offline (live: the real model
   * answers and `reply` is unused). Offline, concurrent callers take turns until their request has
   * reached the FakeModel (only that hand-over is serialized, not the turns), so each request gets
   * its own reply whatever order the requests would otherwise arrive in.
   */
  readonly answering: <A, E, R>(reply: FakeModel.Reply, effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
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
      if (options.banner !== false) {
        yield* Console.log("[live] OPENAI_API_KEY is set: talking to the real Codex service (key not saved).")
      }
      return { mode: "live" as const, workspace: process.cwd(), apiKey: Option.some(key), answering }
    })
  ).pipe(Layer.provideMerge(NodeCodex.layer(
    options.sessionKey === false ? {} : {
      env: { OPENAI_API_KEY: Redacted.value(key) },
      configOverrides: sessionProvider(process.env["OPENAI_BASE_URL"]?.trim() || "https://api.openai.com/v1")
    }
  )))

/** The `--config` overrides of a live session: an OpenAI provider that reads `OPENAI_API_KEY` (`env_key`). */
const sessionProvider = (baseUrl: string): Readonly<Record<string, string>> => ({
  model_provider: "\"examples-session\"",
  "model_providers.examples-session.name": "\"OpenAI (OPENAI_API_KEY, this session only)\"",
  "model_providers.examples-session.base_url": JSON.stringify(baseUrl),
  "model_providers.examples-session.env_key": "\"OPENAI_API_KEY\"",
  "model_providers.examples-session.wire_api": "\"responses\""
})

/** Live: the effect itself (the real model answers). */
const answering = <A, E, R>(_reply: FakeModel.Reply, effect: Effect.Effect<A, E, R>) => effect

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
      const handOver = yield* Semaphore.make(1)
      const answering = <A, E, R>(reply: FakeModel.Reply, effect: Effect.Effect<A, E, R>) =>
        handOver.withPermits(1)(Effect.gen(function*() {
          const before = (yield* model.requests).length
          yield* model.enqueue(reply)
          const fiber = yield* Effect.forkChild(effect)
          // Released when the request arrived, or when the effect ended without one.
          yield* Effect.raceFirst(model.waitForRequests(before + 1), Fiber.await(fiber))
          return fiber
        })).pipe(Effect.flatMap(Fiber.join))
      if (options.banner !== false) {
        yield* Console.log(
          "[offline] OPENAI_API_KEY is not set: running the real codex app-server against the embedded " +
            "FakeModel (scripted replies) in a temporary CODEX_HOME."
        )
      }
      return { mode: "offline" as const, workspace, apiKey: Option.none(), answering }
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
