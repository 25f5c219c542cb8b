/**
 * How to launch `codex app-server` and how to introduce the client to it. Mirrors the Python SDK's
 * `CodexConfig` (camelCase), plus the Node transport's shutdown grace and stderr tail size.
 *
 * Every field is optional; {@link resolve} applies the defaults. `CodexEnv.config`
 * (`@effect-codex/node/CodexEnv`) reads the same settings from the environment (`CODEX_BIN`, …) for
 * `NodeCodex.layerConfig` and `NodeTransport.layerConfig`.
 *
 * @since 0.1.0
 */
import { InvalidOptionError } from "@effect-codex/core/Errors"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"

/** The version of this package; the default `clientVersion`. Kept equal to package.json by a test. */
export const version = "0.1.0"

/** Default `initialize.clientInfo.name`. */
export const defaultClientName = "effect_codex"

/** Default `initialize.clientInfo.title`. */
export const defaultClientTitle = "Effect Codex SDK"

/** Default grace period between SIGTERM and SIGKILL when the transport's scope closes. */
export const defaultForceKillAfter: Duration.Input = "2 seconds"

/** Default number of stderr lines kept for `TransportClosedError.stderrTail`. */
export const defaultStderrTailLines = 50

/**
 * Default longest line accepted from the app-server's stdout, in bytes (256 MiB). The server's own
 * messages are far smaller (a whole thread read back is a few MiB); the cap only stops a broken or
 * hostile server from growing the client's memory without bound.
 */
export const defaultMaxLineLength = 256 * 1024 * 1024

/**
 * `--config key=value` overrides for the app-server. The value part is TOML, exactly as for the
 * CLI's `-c` flag (`model="o3"`, `features.plugins=false`); a value that is not valid TOML is used as
 * a literal string by codex. The record form `{ "features.plugins": false }` is turned into
 * `key=value` entries (strings are passed as written, i.e. as TOML text).
 */
export type ConfigOverrides =
  | ReadonlyArray<string>
  | Readonly<Record<string, string | number | boolean>>

/**
 * Launch and handshake settings. All fields are optional; `undefined` means "use the default".
 */
export interface CodexConfig {
  /**
   * Path of the `codex` executable. It must exist and be executable; there is no fallback.
   * When absent, the native binary of the pinned `@openai/codex` dependency is used.
   */
  readonly codexBin?: string | undefined
  /**
   * The full argv, used verbatim (`[program, ...args]`): no binary resolution, no `--config`, no
   * `app-server` arguments, no PATH changes.
   */
  readonly launchArgsOverride?: ReadonlyArray<string> | undefined
  /** Each entry becomes `--config <key=value>` (placed before `app-server`, as the Python SDK does). */
  readonly configOverrides?: ConfigOverrides | undefined
  /** Working directory of the child process (default: the current directory). */
  readonly cwd?: string | undefined
  /**
   * Variables set in the child's environment, over the allowlisted parent variables (or over the
   * whole parent environment with `inheritEnv`). A variable set to `undefined` is removed.
   */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  /**
   * `true` passes the parent's whole environment to the app-server (and so to every command the
   * model runs). Default `false`: only an allowlist (PATH, HOME, locale, proxy and TLS settings,
   * `CODEX_*` except credential-like names, …; see docs/security.md) plus `env` and `apiKey`.
   */
  readonly inheritEnv?: boolean | undefined
  /**
   * An API key given to the app-server as `OPENAI_API_KEY` (read by model providers declaring
   * `env_key = "OPENAI_API_KEY"`). Never inherited from the parent by `layer`; `layerConfig` reads
   * it from `OPENAI_API_KEY`. codex 0.169 does not log in from this variable by itself: for the
   * built-in OpenAI provider use `Codex.loginApiKey` or `codex login`.
   */
  readonly apiKey?: Redacted.Redacted<string> | undefined
  /** `initialize.clientInfo.name` (default `"effect_codex"`). */
  readonly clientName?: string | undefined
  /** `initialize.clientInfo.title` (default `"Effect Codex SDK"`). */
  readonly clientTitle?: string | undefined
  /** `initialize.clientInfo.version` (default: this package's version). */
  readonly clientVersion?: string | undefined
  /** `initialize.capabilities.experimentalApi` (default `true`). */
  readonly experimentalApi?: boolean | undefined
  /** Grace period between SIGTERM and SIGKILL when the scope closes (default `"2 seconds"`). */
  readonly forceKillAfter?: Duration.Input | undefined
  /** How many of the last stderr lines `TransportClosedError.stderrTail` carries (default 50). */
  readonly stderrTailLines?: number | undefined
  /**
   * Longest stdout line accepted from the app-server, in bytes (default 256 MiB). A longer line
   * closes the connection with `TransportClosedError` (every pending call fails at once) instead of
   * growing memory without bound.
   */
  readonly maxLineLength?: number | undefined
  /**
   * The deadline of every request, counted from its write (default 60 seconds, see
   * `AppServerClient.Options.requestTimeout`); turns are not bounded by it.
   */
  readonly requestTimeout?: Duration.Input | undefined
  /** The most requests outstanding at once (default 64, see `AppServerClient.defaultMaxInFlight`); `Infinity`: none. */
  readonly maxInFlight?: number | undefined
  /**
   * The most turns starting at once (default 2, see `AppServerClient.defaultMaxStartingTurns`);
   * `Infinity` turns admission off.
   */
  readonly maxStartingTurns?: number | undefined
  /** The safety deadline of a starting turn's admission permit (default 5 seconds). */
  readonly startingTurnTimeout?: Duration.Input | undefined
}

/** A {@link CodexConfig} with its defaults applied and validated. */
export interface ResolvedCodexConfig {
  readonly codexBin: string | undefined
  readonly launchArgsOverride: ReadonlyArray<string> | undefined
  readonly configOverrides: ReadonlyArray<string>
  readonly cwd: string | undefined
  readonly env: Readonly<Record<string, string | undefined>>
  readonly inheritEnv: boolean
  readonly apiKey: Redacted.Redacted<string> | undefined
  readonly clientName: string
  readonly clientTitle: string
  readonly clientVersion: string
  readonly experimentalApi: boolean
  readonly forceKillAfter: Duration.Duration
  readonly stderrTailLines: number
  readonly maxLineLength: number
}

/** Turns {@link ConfigOverrides} into `key=value` strings, in order. */
export const overrideEntries = (overrides: ConfigOverrides | undefined): ReadonlyArray<string> => {
  if (overrides === undefined) return []
  if (isStringArray(overrides)) return overrides
  return Object.entries(overrides).map(([key, value]) => `${key}=${String(value)}`)
}

const isStringArray = (u: ConfigOverrides): u is ReadonlyArray<string> => Array.isArray(u)

const invalid = (option: string, message: string) => Effect.fail(new InvalidOptionError({ option, message }))

/**
 * Applies the defaults and validates the options (nothing is spawned).
 *
 * @example
 * ```ts
 * const resolved = yield* CodexConfig.resolve({ configOverrides: { "features.plugins": false } })
 * resolved.configOverrides // ["features.plugins=false"]
 * ```
 */
export const resolve: (config?: CodexConfig | undefined) => Effect.Effect<ResolvedCodexConfig, InvalidOptionError> =
  Effect.fn("CodexConfig.resolve")(function*(config: CodexConfig | undefined) {
    const c = config ?? {}
    if (c.launchArgsOverride !== undefined && c.launchArgsOverride.length === 0) {
      return yield* invalid("launchArgsOverride", "launchArgsOverride must contain at least the program")
    }
    if (c.codexBin !== undefined && c.codexBin.length === 0) {
      return yield* invalid("codexBin", "codexBin must not be empty")
    }
    const configOverrides = overrideEntries(c.configOverrides)
    for (const entry of configOverrides) {
      if (!entry.includes("=")) {
        return yield* invalid(
          "configOverrides",
          `config override ${JSON.stringify(entry)} is not of the form key=value`
        )
      }
    }
    const stderrTailLines = c.stderrTailLines ?? defaultStderrTailLines
    if (!Number.isInteger(stderrTailLines) || stderrTailLines < 0) {
      return yield* invalid("stderrTailLines", `stderrTailLines must be a non-negative integer, got ${stderrTailLines}`)
    }
    const maxLineLength = c.maxLineLength ?? defaultMaxLineLength
    if (!Number.isSafeInteger(maxLineLength) || maxLineLength < 1) {
      return yield* invalid("maxLineLength", `maxLineLength must be a positive integer, got ${maxLineLength}`)
    }
    if (c.apiKey !== undefined && !Redacted.isRedacted(c.apiKey)) {
      return yield* invalid("apiKey", "apiKey must be a Redacted value (Redacted.make(key))")
    }
    const forceKillAfter = Duration.fromInput(c.forceKillAfter ?? defaultForceKillAfter)
    if (forceKillAfter._tag === "None" || !Duration.isFinite(forceKillAfter.value)) {
      return yield* invalid("forceKillAfter", "forceKillAfter must be a finite duration")
    }
    return {
      codexBin: c.codexBin,
      launchArgsOverride: c.launchArgsOverride,
      configOverrides,
      cwd: c.cwd,
      env: c.env ?? {},
      inheritEnv: c.inheritEnv ?? false,
      apiKey: c.apiKey,
      clientName: c.clientName ?? defaultClientName,
      clientTitle: c.clientTitle ?? defaultClientTitle,
      clientVersion: c.clientVersion ?? version,
      experimentalApi: c.experimentalApi ?? true,
      forceKillAfter: forceKillAfter.value,
      stderrTailLines,
      maxLineLength
    }
  })
