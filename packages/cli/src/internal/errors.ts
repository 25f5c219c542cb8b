/** The CLI's typed errors (re-exported by `Cli`). */
import * as Schema from "effect/Schema"

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
