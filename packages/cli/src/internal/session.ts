/**
 * One CLI session: decides how to authenticate, starts the backend, checks the account, and
 * watches one turn. Loaded by the command's handler only when it runs.
 */
import * as Sandbox from "@effect-codex/core/Sandbox"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Path from "node:path"
import type { Input } from "../Cli.ts"
import * as Backend from "./backend.ts"
import * as Demo from "./demo.ts"
import { InvalidFlagsError, NoCredentialsError } from "./errors.ts"
import * as Render from "./render.ts"
import * as Screen from "./Screen.ts"

/** The SDK presets of the `--sandbox` modes. */
const sandboxes = {
  "read-only": Sandbox.readOnly,
  "workspace-write": Sandbox.workspaceWrite,
  "danger-full-access": Sandbox.fullAccess
} as const

/** `OPENAI_API_KEY`, when set and not blank. */
const apiKey = Config.option(Config.Redacted("OPENAI_API_KEY")).pipe(
  Config.map(Option.filter((key) => Redacted.value(key).trim() !== ""))
)

/** Decides how to authenticate, before anything is started. */
const resolveAuth = (input: Input, key: Option.Option<Redacted.Redacted<string>>) => {
  const offline = Option.getOrElse(input.offline, () => Option.isNone(key))
  if (input.saveLogin && (offline || Option.isNone(key))) {
    return Effect.fail(
      new InvalidFlagsError({ message: "--save-login needs OPENAI_API_KEY and a live session (not --offline)" })
    )
  }
  if (offline) return Effect.succeed<Backend.Auth>({ _tag: "Offline" })
  return Effect.succeed<Backend.Auth>(
    Option.match(key, {
      onNone: () => ({ _tag: "StoredLogin" }),
      onSome: (key) => (input.saveLogin ? { _tag: "SaveLogin", key } : { _tag: "SessionKey", key })
    })
  )
}

const banner = (auth: Backend.Auth): string => {
  switch (auth._tag) {
    case "Offline":
      return "offline demo: the real codex app-server against a scripted fake model (no OPENAI_API_KEY)"
    case "SessionKey":
      return "live: OPENAI_API_KEY for this session only (not saved)"
    case "SaveLogin":
      return "live: logging in with OPENAI_API_KEY, saved in CODEX_HOME/auth.json (--save-login)"
    case "StoredLogin":
      return "live: the credentials of `codex login`"
  }
}

/** A failure as one line: the server's details when it sent any. */
const describe = (error: unknown): string => {
  if (typeof error !== "object" || error === null) return String(error)
  if ("_tag" in error && error._tag === "TurnFailedError" && "turnError" in error) {
    return `turn failed: ${Render.errorText(error.turnError as { readonly message: string })}`
  }
  const tag = "_tag" in error && typeof error._tag === "string" ? `${error._tag}: ` : ""
  return "message" in error && typeof error.message === "string" ? `${tag}${error.message}` : `${tag}${String(error)}`
}

/** The session: resolve credentials, start the backend, check the account, watch one turn. */
export const run = Effect.fnUntraced(function*(input: Input) {
  const screen = Screen.make()
  const { style } = screen
  const key = yield* apiKey
  const run = Effect.gen(function*() {
    const auth = yield* resolveAuth(input, key)
    const prompt = input.prompt.join(" ").trim() ||
      (auth._tag === "Offline"
        ? Demo.defaultPrompt
        : "What is this project? Look at the files and tell me in two sentences.")
    const live = auth._tag !== "Offline"
    yield* screen.line(style.bold("effect-codex") + " · " + (live ? style.green : style.yellow)(banner(auth)))
    yield* screen.line(style.bold(`› ${prompt}`))
    yield* screen.status("starting codex app-server")
    yield* Effect.gen(function*() {
      const { codex, workspace } = yield* Backend.make({
        auth,
        prompt,
        cwd: Path.resolve(Option.getOrElse(input.cwd, () => process.cwd())),
        model: Option.getOrUndefined(input.model),
        baseUrl: process.env["OPENAI_BASE_URL"]?.trim() || undefined
      })
      yield* screen.status("checking credentials")
      const before = yield* codex.account()
      if (auth._tag === "SaveLogin" && before.requiresOpenaiAuth && !before.account) {
        yield* codex.loginApiKey(auth.key)
        yield* screen.line(style.dim("logged in with OPENAI_API_KEY (saved in CODEX_HOME/auth.json)"))
      }
      const { account, requiresOpenaiAuth } = auth._tag === "SaveLogin" ? yield* codex.account() : before
      if (requiresOpenaiAuth && !account) return yield* new NoCredentialsError()
      yield* Render.watchTurn(codex, screen, workspace, prompt, {
        ...Option.match(input.model, { onNone: () => ({}), onSome: (model) => ({ model }) }),
        ...Option.match(input.sandbox, { onNone: () => ({}), onSome: (mode) => ({ sandbox: sandboxes[mode] }) }),
        ...Option.match(input.approval, { onNone: () => ({}), onSome: (approvalMode) => ({ approvalMode }) }),
        ...(live ? { cwd: workspace } : {})
      })
    }).pipe(Effect.scoped, screen.withSpinner)
  })
  yield* run.pipe(
    Effect.catch((error) =>
      Effect.andThen(
        screen.line(style.red(`error: ${describe(error)}`)),
        Effect.sync(() => void (process.exitCode = 1))
      )
    )
  )
})
