/**
 * The environment of the spawned app-server. By default it is an allowlist of the parent's
 * variables (see {@link allowed}); the caller's `env` is merged over it and `apiKey` becomes
 * `OPENAI_API_KEY`. With `inheritEnv: true` the whole parent environment is the base instead.
 *
 * Everything the app-server has is also what the commands the model runs can see, so the default
 * keeps secrets of the host program (`AWS_SECRET_ACCESS_KEY`, `DATABASE_URL`, `GITHUB_TOKEN`, …)
 * away from them. docs/security.md explains who decides what.
 *
 * @internal
 */
import * as Redacted from "effect/Redacted"

/** A child environment: `undefined` removes a variable; `Redacted` values are unwrapped at spawn. */
export type ChildEnv = Readonly<Record<string, string | Redacted.Redacted<string> | undefined>>

/**
 * Variables passed through by name (compared case-insensitively on Windows). Reasons:
 *
 * - `PATH`: the app-server finds `bash`, `git`, `rg`, `bwrap` and the tools the model runs on it.
 * - `HOME`, `USER`, `LOGNAME`, `SHELL`: codex resolves `~/.codex` and the user's shell from them;
 *   commands expect them.
 * - `SHLVL`: without it the `bash -c` running the model's commands believes a remote shell daemon
 *   started it and sources `~/.bashrc`, whose output then pollutes every command's output.
 * - `TMPDIR`, `TMP`, `TEMP`: where codex and the commands put temporary files.
 * - `LANG`, `TZ`, `TERM` (and `LC_*`, see {@link allowedPrefixes}): locale, time zone and terminal
 *   type of the commands' output.
 * - proxy variables, both cases (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`): codex's
 *   HTTP client honours them (even for 127.0.0.1), so a host behind a proxy needs them.
 * - `SSL_CERT_FILE`, `SSL_CERT_DIR`: custom CA roots for codex's TLS client (corporate proxies).
 * - `RUST_LOG`, `RUST_BACKTRACE`: codex's own logging (stderr only) and panic reports.
 * - `OPENAI_BASE_URL`: base URL of the built-in OpenAI provider in codex builds that read it.
 * - `XDG_CONFIG_HOME`, `XDG_DATA_HOME`, `XDG_CACHE_HOME`, `XDG_RUNTIME_DIR`: read by the binary
 *   (runtime sockets, caches) and by the commands.
 * - Windows: `SYSTEMROOT`, `WINDIR`, `COMSPEC`, `PATHEXT`, `USERPROFILE`, `APPDATA`, `LOCALAPPDATA`,
 *   `PROGRAMDATA`, `USERNAME`: processes, shells and home lookup do not work without them.
 */
export const allowed: ReadonlyArray<string> = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "SHLVL",
  "TMPDIR",
  "TMP",
  "TEMP",
  "LANG",
  "TZ",
  "TERM",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "ALL_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "all_proxy",
  "no_proxy",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "RUST_LOG",
  "RUST_BACKTRACE",
  "OPENAI_BASE_URL",
  "XDG_CONFIG_HOME",
  "XDG_DATA_HOME",
  "XDG_CACHE_HOME",
  "XDG_RUNTIME_DIR",
  "SYSTEMROOT",
  "WINDIR",
  "COMSPEC",
  "PATHEXT",
  "USERPROFILE",
  "APPDATA",
  "LOCALAPPDATA",
  "PROGRAMDATA",
  "USERNAME"
]

/**
 * Prefixes passed through: `LC_` (locale categories) and `CODEX_` (what codex itself reads:
 * `CODEX_HOME` (config, auth and sessions), `CODEX_SQLITE_HOME` (state database),
 * `CODEX_CA_CERTIFICATE` (extra CA bundle), `CODEX_INTERNAL_ORIGINATOR_OVERRIDE` (originator
 * header), `CODEX_SANDBOX*` (set when running inside codex), …), except {@link isCredential}
 * names.
 */
export const allowedPrefixes: ReadonlyArray<string> = ["LC_", "CODEX_"]

const credentialWords = ["KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL"]

/**
 * Whether a name looks like a credential (`CODEX_API_KEY`, `CODEX_ACCESS_TOKEN`,
 * `CODEX_GITHUB_PERSONAL_ACCESS_TOKEN`, …): such names are never passed through by prefix.
 */
export const isCredential = (name: string): boolean => {
  const upper = name.toUpperCase()
  return credentialWords.some((word) => upper.includes(word))
}

const allowedUpper = new Set(allowed.map((name) => name.toUpperCase()))
const allowedExact = new Set(allowed)

/** Whether a parent variable is passed to the child by default. */
export const isAllowed = (name: string, platform: string = process.platform): boolean => {
  const upper = name.toUpperCase()
  if (platform === "win32" ? allowedUpper.has(upper) : allowedExact.has(name)) return true
  const key = platform === "win32" ? upper : name
  return allowedPrefixes.some((prefix) => key.startsWith(prefix)) && !isCredential(name)
}

/** The parent variables the child gets by default (values `undefined` are dropped). */
export const allowlisted = (
  parent: Readonly<Record<string, string | undefined>>,
  platform: string = process.platform
): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(parent)) {
    if (value !== undefined && isAllowed(name, platform)) env[name] = value
  }
  return env
}

/** What {@link make} builds the child environment from. */
export interface Options {
  /** The parent's environment (default `process.env`). */
  readonly parent?: Readonly<Record<string, string | undefined>> | undefined
  /** `true`: the whole parent environment is the base; default: only {@link allowlisted} variables. */
  readonly inheritEnv: boolean
  /** Variables set over the base (`undefined` removes one). */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Becomes `OPENAI_API_KEY` (over `env`). */
  readonly apiKey: Redacted.Redacted<string> | undefined
  /** Default `process.platform`. */
  readonly platform?: string | undefined
}

/**
 * The complete child environment (spawn it with `extendEnv: false`). Variables set to `undefined`
 * are absent from the result.
 */
export const make = (options: Options): Record<string, string | Redacted.Redacted<string>> => {
  const parent = options.parent ?? process.env
  const platform = options.platform ?? process.platform
  const base: Record<string, string | Redacted.Redacted<string>> = options.inheritEnv
    ? definedOnly(parent)
    : allowlisted(parent, platform)
  for (const [name, value] of Object.entries(options.env)) {
    if (value === undefined) delete base[name]
    else base[name] = value
  }
  if (options.apiKey !== undefined) base.OPENAI_API_KEY = options.apiKey
  return base
}

const definedOnly = (env: Readonly<Record<string, string | undefined>>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(env)) if (value !== undefined) out[name] = value
  return out
}

/** The value of a child variable as text (for PATH manipulation; never for logging a secret). */
export const text = (value: string | Redacted.Redacted<string> | undefined): string | undefined =>
  value === undefined ? undefined : Redacted.isRedacted(value) ? Redacted.value(value) : value
