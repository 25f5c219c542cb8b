/**
 * Where the CLI's turn runs: the real service (the pinned `codex app-server`, with the user's
 * `CODEX_HOME`) or the offline demo (the same real app-server against the embedded FakeModel, in a
 * temporary `CODEX_HOME` and workspace). Either way the turn gets the same `Codex` service.
 */
import * as Codex from "@effect-codex/core/Codex"
import * as NodeCodex from "@effect-codex/node/NodeCodex"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import * as Demo from "./demo.ts"

/**
 * How the CLI authenticates, decided from the flags and `OPENAI_API_KEY` before anything starts:
 *
 * - `Offline`: the demo; no credentials at all.
 * - `SessionKey`: `OPENAI_API_KEY` is used for this session only. The app-server gets it in its
 *   environment and a model provider that reads it from there (`env_key`); nothing is written to
 *   `CODEX_HOME`. (The app-server ignores `OPENAI_API_KEY`/`CODEX_API_KEY` in its environment for
 *   the built-in provider, and its API-key login always writes `CODEX_HOME/auth.json`.)
 * - `SaveLogin`: `--save-login`: logs in through the app-server (`account/login/start`), which
 *   stores the key in `CODEX_HOME/auth.json` for later sessions.
 * - `StoredLogin`: `--no-offline` without a key: whatever `codex login` stored.
 */
export type Auth =
  | { readonly _tag: "Offline" }
  | { readonly _tag: "SessionKey"; readonly key: Redacted.Redacted<string> }
  | { readonly _tag: "SaveLogin"; readonly key: Redacted.Redacted<string> }
  | { readonly _tag: "StoredLogin" }

/** The model provider of a `SessionKey` session. */
export const sessionProviderId = "effect-codex-session"

/** The `--config` overrides of a `SessionKey` session: an OpenAI provider that reads `OPENAI_API_KEY`. */
export const sessionProvider = (baseUrl: string): Readonly<Record<string, string>> => {
  const key = `model_providers.${sessionProviderId}`
  return {
    model_provider: JSON.stringify(sessionProviderId),
    [`${key}.name`]: JSON.stringify("OpenAI (OPENAI_API_KEY, this session only)"),
    [`${key}.base_url`]: JSON.stringify(baseUrl),
    [`${key}.env_key`]: JSON.stringify("OPENAI_API_KEY"),
    [`${key}.wire_api`]: JSON.stringify("responses")
  }
}

/** What the turn needs from its backend. */
export interface Backend {
  readonly codex: Codex.Service
  /** The app-server's working directory: `--cwd` or the current directory, or the demo's workspace. */
  readonly workspace: string
}

/** Options of `make`. */
export interface Options {
  readonly auth: Auth
  readonly prompt: string
  readonly cwd: string
  readonly model: string | undefined
  /** `OPENAI_BASE_URL`, the base URL of a `SessionKey` session (default `https://api.openai.com/v1`). */
  readonly baseUrl: string | undefined
}

const writeFiles = (root: string, files: Readonly<Record<string, string>>) =>
  Effect.promise(async () => {
    for (const [file, content] of Object.entries(files)) {
      const target = Path.join(root, file)
      await Fs.mkdir(Path.dirname(target), { recursive: true })
      await Fs.writeFile(target, content)
    }
  })

const offline = (options: Options) =>
  Effect.gen(function*() {
    const services = yield* Layer.build(CodexTest.layer({
      sandboxMode: "workspace-write",
      ...(options.model === undefined ? {} : { model: options.model })
    }))
    const { workspace } = Context.get(services, CodexTest.CodexTest)
    yield* Context.get(services, FakeModel.FakeModel).enqueue(...Demo.script(options.prompt))
    yield* writeFiles(workspace, Demo.files)
    return { codex: Context.get(services, Codex.Codex), workspace }
  })

const live = (options: Options, launch: NodeCodex.Options) =>
  Effect.gen(function*() {
    const services = yield* Layer.build(NodeCodex.layer({ cwd: options.cwd, ...launch }))
    return { codex: Context.get(services, Codex.Codex), workspace: options.cwd }
  })

/**
 * Starts the backend in the current scope (the app-server stops when the scope closes) and
 * returns its `Codex` service.
 */
export const make = (options: Options) => {
  const auth = options.auth
  switch (auth._tag) {
    case "Offline":
      return offline(options)
    case "SessionKey":
      return live(options, {
        env: { OPENAI_API_KEY: Redacted.value(auth.key) },
        configOverrides: sessionProvider(options.baseUrl ?? "https://api.openai.com/v1")
      })
    case "SaveLogin":
    case "StoredLogin":
      return live(options, {})
  }
}
