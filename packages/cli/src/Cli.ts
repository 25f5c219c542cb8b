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
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import { createRequire } from "node:module"
import * as Errors from "./internal/errors.ts"

/** The version of this package (from its package.json, so it follows releases). */
export const version: string = (createRequire(import.meta.url)("../package.json") as { readonly version: string })
  .version

/** A live session found no credentials (`account/read` says OpenAI auth is required and there is no account). */
export const NoCredentialsError = Errors.NoCredentialsError

/** A live session found no credentials. */
export type NoCredentialsError = Errors.NoCredentialsError

/** The flags contradict each other (e.g. `--save-login` without `OPENAI_API_KEY`). */
export const InvalidFlagsError = Errors.InvalidFlagsError

/** The flags contradict each other. */
export type InvalidFlagsError = Errors.InvalidFlagsError

/** The sandbox modes `--sandbox` accepts. */
const sandboxModes = ["read-only", "workspace-write", "danger-full-access"] as const

/** The approval modes `--approval` accepts (`manual` needs a handler: use the SDK for that). */
const approvals = ["autoReview", "denyAll"] as const satisfies ReadonlyArray<ApprovalMode.ApprovalMode>

/** The parsed command line. */
export interface Input {
  readonly prompt: ReadonlyArray<string>
  readonly model: Option.Option<string>
  readonly cwd: Option.Option<string>
  readonly sandbox: Option.Option<(typeof sandboxModes)[number]>
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
  sandbox: Flag.Literals("sandbox", sandboxModes).pipe(
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

/** The `effect-codex` command (flags, positional prompt, handler). */
export const command = Command.make(
  "effect-codex",
  flags,
  // The session (SDK, app-server, fake model) loads only when a turn runs: --help and --version stay fast.
  (input: Input) =>
    Effect.flatMap(Effect.promise(() => import("./internal/session.ts")), (session) => session.run(input))
).pipe(
  Command.withDescription(
    "Start a Codex thread and watch one turn live: reasoning, commands, file changes, the answer, token usage."
  )
)

/** Runs `command` with the process arguments (`Stdio`); `--help` and `--version` print and return. */
export const run = Command.run(command, { version })
