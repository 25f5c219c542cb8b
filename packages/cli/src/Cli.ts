/**
 * The `effect-codex` command: start a thread and watch one turn live in the terminal.
 *
 * Arguments are parsed by `effect/cli` (`--help`, `--version`, flags, the positional prompt). With
 * `OPENAI_API_KEY` set it talks to the real Codex service and uses the key for this session only
 * (`--save-login` stores it with the app-server's login instead). Without it, it runs an offline
 * demo: the real `codex app-server` against a scripted fake model that answers the prompt typed.
 *
 * @since 0.1.0
 */
import type * as ApprovalMode from "@effect-codex/core/ApprovalMode"
import * as Sandbox from "@effect-codex/core/Sandbox"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { createRequire } from "node:module"
import * as Path from "node:path"
import * as Backend from "./internal/backend.ts"
import * as Demo from "./internal/demo.ts"
import * as Render from "./internal/render.ts"
import * as Screen from "./internal/Screen.ts"

/** The version of this package (from its package.json, so it follows releases). */
export const version: string = (createRequire(import.meta.url)("../package.json") as { readonly version: string })
  .version

/** A live session found no credentials (`account/read` says OpenAI auth is required and there is no account). */
export class NoCredentialsError extends Schema.TaggedError<NoCredentialsError>(
  "@effect-codex/cli/Cli/NoCredentialsError"
)("NoCredentialsError", {}) {
  override get message(): string {
    return "no credentials: set OPENAI_API_KEY or run `codex login`"
  }
}

/** The flags contradict each other (e.g. `--save-login` without `OPENAI_API_KEY`). */
export class InvalidFlagsError extends Schema.TaggedError<InvalidFlagsError>(
  "@effect-codex/cli/Cli/InvalidFlagsError"
)("InvalidFlagsError", { message: Schema.String }) {}

/** The sandbox modes `--sandbox` accepts, and their SDK presets. */
const sandboxes = {
  "read-only": Sandbox.readOnly,
  "workspace-write": Sandbox.workspaceWrite,
  "danger-full-access": Sandbox.fullAccess
} as const

/** The approval modes `--approval` accepts (`manual` needs a handler: use the SDK for that). */
const approvals = ["autoReview", "denyAll"] as const satisfies ReadonlyArray<ApprovalMode.ApprovalMode>

/** The parsed command line. */
export interface Input {
  readonly prompt: ReadonlyArray<string>
  readonly model: Option.Option<string>
  readonly cwd: Option.Option<string>
  readonly sandbox: Option.Option<keyof typeof sandboxes>
  readonly approval: Option.Option<(typeof approvals)[number]>
  readonly offline: Option.Option<boolean>
  readonly saveLogin: boolean
}

const flags = {
  prompt: Argument.String("prompt").pipe(
    Argument.withDescription("What to ask (several words are joined); a demo prompt when absent"),
    Argument.variadic()
  ),
  model: Flag.String("model").pipe(
    Flag.withAlias("m"),
    Flag.withDescription("The model of the thread (default: Codex's configured model)"),
    Flag.optional
  ),
  cwd: Flag.Directory("cwd", { mustExist: true }).pipe(
    Flag.withDescription(
      "Live: the working directory of the app-server and the thread (default: the current one; the offline demo uses its own)"
    ),
    Flag.optional
  ),
  sandbox: Flag.Literals("sandbox", ["read-only", "workspace-write", "danger-full-access"]).pipe(
    Flag.withDescription("Where the model's commands may write (default: Codex's configuration)"),
    Flag.optional
  ),
  approval: Flag.Literals("approval", approvals).pipe(
    Flag.withDescription("Who approves escalated commands: the server's reviewer (autoReview, default) or nobody"),
    Flag.optional
  ),
  offline: Flag.Boolean("offline").pipe(
    Flag.withDescription(
      "Run the offline demo (a scripted fake model); --no-offline goes live even without OPENAI_API_KEY " +
        "(with the credentials of `codex login`). Default: offline unless OPENAI_API_KEY is set"
    ),
    Flag.optional
  ),
  saveLogin: Flag.Boolean("save-login").pipe(
    Flag.withDescription(
      "Log in with OPENAI_API_KEY and store it in CODEX_HOME/auth.json (default: use it for this session only)"
    ),
    Flag.withDefault(false)
  )
}

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

/** The handler: resolve credentials, start the backend, check the account, watch one turn. */
const handler = Effect.fnUntraced(function*(input: Input) {
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

/** The `effect-codex` command (flags, positional prompt, handler). */
export const command = Command.make("effect-codex", flags, handler).pipe(
  Command.withDescription(
    "Start a Codex thread and watch one turn live: reasoning, commands, file changes, the answer, token usage."
  )
)

/** Runs `command` with the process arguments (`Stdio`); `--help` and `--version` print and return. */
export const run = Command.run(command, { version })
