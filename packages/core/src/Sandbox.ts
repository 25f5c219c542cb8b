/**
 * Sandbox presets for threads and turns.
 *
 * - `readOnly`: read files, write nothing.
 * - `workspaceWrite`: read files and write inside the workspace and the configured writable roots.
 * - `fullAccess`: no filesystem restrictions.
 *
 * The same value is sent in two forms: thread lifecycle calls (`thread/start|resume|fork`) take a
 * `sandbox` mode string (`"read-only"`, `"workspace-write"`, `"danger-full-access"`), turns
 * (`turn/start`) take a `sandboxPolicy` object. A turn's sandbox applies to that turn and later ones.
 * Leaving the sandbox out keeps the server's configured default.
 *
 * @example
 * ```ts
 * import * as Sandbox from "@effect-codex/core/Sandbox"
 *
 * const thread = yield* codex.threadStart({ sandbox: Sandbox.workspaceWrite })
 * yield* thread.run("Review the diff only.", { sandbox: Sandbox.readOnly })
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import { InvalidOptionError } from "./Errors.ts"
import type * as Schemas from "./generated/Schemas.ts"

/**
 * Read files without allowing writes. `networkAccess` applies to turns only.
 *
 * @example
 * ```ts
 * const sandbox: Sandbox.ReadOnly = Sandbox.readOnly
 * ```
 */
export interface ReadOnly {
  readonly _tag: "ReadOnly"
  readonly networkAccess: boolean
}

/**
 * Read files and write inside the workspace and `writableRoots` (absolute paths). The options
 * apply to turns only.
 *
 * @example
 * ```ts
 * const sandbox: Sandbox.WorkspaceWrite = Sandbox.workspaceWriteWith({ writableRoots: ["/data"] })
 * ```
 */
export interface WorkspaceWrite {
  readonly _tag: "WorkspaceWrite"
  readonly writableRoots: ReadonlyArray<string>
  readonly networkAccess: boolean
  readonly excludeTmpdirEnvVar: boolean
  readonly excludeSlashTmp: boolean
}

/**
 * No filesystem restrictions.
 *
 * @example
 * ```ts
 * const sandbox: Sandbox.FullAccess = Sandbox.fullAccess
 * ```
 */
export interface FullAccess {
  readonly _tag: "FullAccess"
}

/**
 * A sandbox preset.
 *
 * @example
 * ```ts
 * const sandbox: Sandbox.Sandbox = Sandbox.workspaceWrite
 * ```
 */
export type Sandbox = ReadOnly | WorkspaceWrite | FullAccess

/**
 * The read-only preset (no network access).
 *
 * @example
 * ```ts
 * thread.run("Explain this repo.", { sandbox: Sandbox.readOnly })
 * ```
 */
export const readOnly: ReadOnly = { _tag: "ReadOnly", networkAccess: false }

/**
 * The workspace-write preset (no extra writable roots, no network access).
 *
 * @example
 * ```ts
 * codex.threadStart({ sandbox: Sandbox.workspaceWrite })
 * ```
 */
export const workspaceWrite: WorkspaceWrite = {
  _tag: "WorkspaceWrite",
  writableRoots: [],
  networkAccess: false,
  excludeTmpdirEnvVar: false,
  excludeSlashTmp: false
}

/**
 * The full-access preset.
 *
 * @example
 * ```ts
 * codex.threadStart({ sandbox: Sandbox.fullAccess })
 * ```
 */
export const fullAccess: FullAccess = { _tag: "FullAccess" }

/**
 * The read-only preset with options (turn-level only).
 *
 * @example
 * ```ts
 * thread.run("Fetch the docs and summarize.", { sandbox: Sandbox.readOnlyWith({ networkAccess: true }) })
 * ```
 */
export const readOnlyWith = (options: { readonly networkAccess?: boolean | undefined }): ReadOnly => ({
  _tag: "ReadOnly",
  networkAccess: options.networkAccess ?? readOnly.networkAccess
})

/**
 * The workspace-write preset with options (turn-level only). Unset options keep the preset's
 * defaults (`[]`, `false`, `false`, `false`).
 *
 * @example
 * ```ts
 * Sandbox.workspaceWriteWith({ writableRoots: ["/data/out"], networkAccess: true })
 * ```
 */
export const workspaceWriteWith = (options: {
  readonly writableRoots?: ReadonlyArray<string> | undefined
  readonly networkAccess?: boolean | undefined
  readonly excludeTmpdirEnvVar?: boolean | undefined
  readonly excludeSlashTmp?: boolean | undefined
}): WorkspaceWrite => ({
  _tag: "WorkspaceWrite",
  writableRoots: options.writableRoots ?? workspaceWrite.writableRoots,
  networkAccess: options.networkAccess ?? workspaceWrite.networkAccess,
  excludeTmpdirEnvVar: options.excludeTmpdirEnvVar ?? workspaceWrite.excludeTmpdirEnvVar,
  excludeSlashTmp: options.excludeSlashTmp ?? workspaceWrite.excludeSlashTmp
})

/**
 * The thread-level wire value: the protocol's `SandboxMode` (`"read-only"`, `"workspace-write"`,
 * `"danger-full-access"`).
 *
 * @example
 * ```ts
 * const mode: Sandbox.SandboxMode = "workspace-write"
 * ```
 */
export type SandboxMode = Schemas.SandboxMode

/**
 * The turn-level wire value: the protocol's `SandboxPolicy` (this module sends its `readOnly`,
 * `workspaceWrite` and `dangerFullAccess` variants).
 *
 * @example
 * ```ts
 * const policy: Sandbox.SandboxPolicy = { type: "readOnly", networkAccess: false }
 * ```
 */
export type SandboxPolicy = Schemas.SandboxPolicy

const OPTION = "sandbox"

const invalid = (message: string) => Effect.fail(new InvalidOptionError({ option: OPTION, message }))

const describe = (u: unknown): string => {
  if (typeof u === "string") return JSON.stringify(u)
  if (u === null) return "null"
  if (Predicate.hasProperty(u, "_tag") && typeof u._tag === "string") return `{ _tag: ${JSON.stringify(u._tag)} }`
  return typeof u
}

/** POSIX (`/x`), Windows drive (`C:\x`, `C:/x`) or UNC (`\\host\x`) absolute paths. */
const isAbsolutePath = (path: string): boolean => /^(?:\/|[A-Za-z]:[\\/]|\\\\)/.test(path)

const isBoolean = (u: unknown): u is boolean => typeof u === "boolean"

/** Checks an untyped value; returns the preset, or the reason it is not one. */
const check = (u: unknown): Sandbox | string => {
  const tag = Predicate.hasProperty(u, "_tag") ? u._tag : undefined
  switch (tag) {
    case "FullAccess":
      return fullAccess
    case "ReadOnly": {
      const networkAccess = (u as { readonly networkAccess?: unknown }).networkAccess
      if (!isBoolean(networkAccess)) return "sandbox networkAccess must be a boolean"
      return u as ReadOnly
    }
    case "WorkspaceWrite": {
      const w = u as { readonly [K in keyof WorkspaceWrite]?: unknown }
      for (const flag of ["networkAccess", "excludeTmpdirEnvVar", "excludeSlashTmp"] as const) {
        if (!isBoolean(w[flag])) return `sandbox ${flag} must be a boolean`
      }
      if (!Array.isArray(w.writableRoots)) return "sandbox writableRoots must be an array of absolute paths"
      for (const root of w.writableRoots as ReadonlyArray<unknown>) {
        if (typeof root !== "string" || !isAbsolutePath(root)) {
          return `sandbox writableRoots must be absolute paths (got ${describe(root)})`
        }
      }
      return u as WorkspaceWrite
    }
    default:
      return `sandbox must be one of: Sandbox.readOnly, Sandbox.workspaceWrite, Sandbox.fullAccess (got ${describe(u)})`
  }
}

/**
 * Whether a value is a well-formed sandbox preset.
 *
 * @example
 * ```ts
 * Sandbox.isSandbox(Sandbox.readOnly) // true
 * Sandbox.isSandbox("workspace")      // false
 * ```
 */
export const isSandbox = (u: unknown): u is Sandbox => typeof check(u) !== "string"

/**
 * Validates an untyped value as a sandbox preset. Anything else (for example the raw string
 * `"workspace"`, or a `writableRoots` entry that is not an absolute path) fails with
 * `InvalidOptionError` (option `"sandbox"`).
 *
 * @example
 * ```ts
 * Sandbox.decode("workspace")
 * // fails: sandbox must be one of: Sandbox.readOnly, Sandbox.workspaceWrite, Sandbox.fullAccess (got "workspace")
 * ```
 */
export const decode = (u: unknown): Effect.Effect<Sandbox, InvalidOptionError> => {
  const result = check(u)
  return typeof result === "string" ? invalid(result) : Effect.succeed(result)
}

const isDefault = (sandbox: Sandbox): boolean => {
  switch (sandbox._tag) {
    case "FullAccess":
      return true
    case "ReadOnly":
      return sandbox.networkAccess === readOnly.networkAccess
    case "WorkspaceWrite":
      return sandbox.writableRoots.length === 0 && sandbox.networkAccess === workspaceWrite.networkAccess &&
        sandbox.excludeTmpdirEnvVar === workspaceWrite.excludeTmpdirEnvVar &&
        sandbox.excludeSlashTmp === workspaceWrite.excludeSlashTmp
  }
}

const modes: { readonly [K in Sandbox["_tag"]]: SandboxMode } = {
  ReadOnly: "read-only",
  WorkspaceWrite: "workspace-write",
  FullAccess: "danger-full-access"
}

/**
 * The thread-level `sandbox` mode string: `readOnly` → `"read-only"`, `workspaceWrite` →
 * `"workspace-write"`, `fullAccess` → `"danger-full-access"`. The mode string cannot carry options,
 * so a preset with non-default options (network access, writable roots, …) fails with
 * `InvalidOptionError` (option `"sandbox"`) rather than being silently weakened: pass it to a turn.
 *
 * @example
 * ```ts
 * yield* Sandbox.toThreadMode(Sandbox.fullAccess) // "danger-full-access"
 * ```
 */
export const toThreadMode: (sandbox: Sandbox) => Effect.Effect<SandboxMode, InvalidOptionError> = Effect.fn(
  "Sandbox.toThreadMode"
)(function*(sandbox: Sandbox) {
  const valid = yield* decode(sandbox)
  if (!isDefault(valid)) {
    return yield* invalid(
      "sandbox options (networkAccess, writableRoots, excludeTmpdirEnvVar, excludeSlashTmp) apply to turns only; " +
        "thread/start, thread/resume and thread/fork take a plain preset"
    )
  }
  return modes[valid._tag]
})

/**
 * The turn-level `sandboxPolicy` object, defaults included:
 * `readOnly` → `{"type":"readOnly","networkAccess":false}`,
 * `workspaceWrite` → `{"type":"workspaceWrite","writableRoots":[],"networkAccess":false,"excludeTmpdirEnvVar":false,"excludeSlashTmp":false}`,
 * `fullAccess` → `{"type":"dangerFullAccess"}`. An invalid value fails with `InvalidOptionError`
 * (option `"sandbox"`).
 *
 * @example
 * ```ts
 * yield* Sandbox.toTurnPolicy(Sandbox.readOnly) // { type: "readOnly", networkAccess: false }
 * ```
 */
export const toTurnPolicy: (sandbox: Sandbox) => Effect.Effect<SandboxPolicy, InvalidOptionError> = Effect.fn(
  "Sandbox.toTurnPolicy"
)(function*(sandbox: Sandbox) {
  const valid = yield* decode(sandbox)
  switch (valid._tag) {
    case "ReadOnly":
      return { type: "readOnly", networkAccess: valid.networkAccess } satisfies SandboxPolicy
    case "WorkspaceWrite":
      return {
        type: "workspaceWrite",
        writableRoots: [...valid.writableRoots],
        networkAccess: valid.networkAccess,
        excludeTmpdirEnvVar: valid.excludeTmpdirEnvVar,
        excludeSlashTmp: valid.excludeSlashTmp
      } satisfies SandboxPolicy
    case "FullAccess":
      return { type: "dangerFullAccess" } satisfies SandboxPolicy
  }
})
