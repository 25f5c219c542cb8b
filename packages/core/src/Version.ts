/**
 * Runtime version gating of newer options (python-sdk-behaviour §3.8): some options need a codex
 * newer than the one the server reports; using them on an older server fails locally with
 * `InvalidOptionError`, and nothing is sent.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Errors from "./Errors.ts"

/** The oldest codex that supports the gated options. */
export const minimumRuntimeVersion = "0.151.0"

interface Parsed {
  readonly release: ReadonlyArray<number>
  /** `[n, m]` for `-alpha.n.m` (m = post release of the pre-release), undefined for a final release. */
  readonly pre: readonly [number, number] | undefined
  readonly post: number
}

/**
 * Parses a version as PEP 440 does for codex tags: `x.y.z-alpha.N` is the pre-release `x.y.zaN`,
 * `x.y.z-alpha.N.M` ranks above it (`aN.postM`), and `x.y.z.postN` ranks above `x.y.z`.
 * Leading text such as `codex-cli/` and anything after a space are ignored.
 */
export const parse = (raw: string): Parsed | undefined => {
  const text = raw.trim().replace(/^[^0-9]*/, "").split(/\s+/)[0] ?? ""
  const m = /^(\d+(?:\.\d+)*?)(?:-alpha\.(\d+)(?:\.(\d+))?)?(?:\.post(\d+))?$/.exec(text)
  if (!m) return undefined
  return {
    release: m[1]!.split(".").map(Number),
    pre: m[2] === undefined ? undefined : [Number(m[2]), Number(m[3] ?? 0)],
    post: Number(m[4] ?? 0)
  }
}

/** Compares two parsed versions (negative, zero or positive). */
export const compare = (a: Parsed, b: Parsed): number => {
  const n = Math.max(a.release.length, b.release.length)
  for (let i = 0; i < n; i++) {
    const d = (a.release[i] ?? 0) - (b.release[i] ?? 0)
    if (d !== 0) return d
  }
  if (a.pre && !b.pre) return -1
  if (!a.pre && b.pre) return 1
  if (a.pre && b.pre) {
    if (a.pre[0] !== b.pre[0]) return a.pre[0] - b.pre[0]
    if (a.pre[1] !== b.pre[1]) return a.pre[1] - b.pre[1]
  }
  return a.post - b.post
}

/** Whether `version` is at least `minimum`; an unparsable version is not. */
export const atLeast = (version: string | undefined, minimum: string = minimumRuntimeVersion): boolean => {
  const v = version === undefined ? undefined : parse(version)
  const min = parse(minimum)!
  return v !== undefined && compare(v, min) >= 0
}

/**
 * Fails when one of `fields` (keyed by the option names the caller used) is set and the server is
 * older than `minimumRuntimeVersion`. `wireNames` gives the wire field an option is sent as, for
 * the message.
 *
 * @example
 * ```ts
 * Version.gate("0.147.0", "turn/start", { source: "automation" }, { source: "turnTrigger" })
 * // fails: InvalidOptionError "turn/start with source (sent as turnTrigger): Codex CLI 0.151.0 or newer is required; …"
 * ```
 */
export const gate = (
  serverVersion: string | undefined,
  method: string,
  fields: Readonly<Record<string, unknown>>,
  wireNames: Readonly<Record<string, string>> = {}
): Effect.Effect<void, Errors.InvalidOptionError> => {
  const used = Object.keys(fields).filter((k) => fields[k] !== undefined && fields[k] !== null)
  if (used.length === 0 || atLeast(serverVersion)) return Effect.void
  const described = used.map((k) => (wireNames[k] === undefined ? k : `${k} (sent as ${wireNames[k]})`))
  return Effect.fail(
    new Errors.InvalidOptionError({
      option: used.join(", "),
      message: `${method} with ${
        described.join(", ")
      }: Codex CLI ${minimumRuntimeVersion} or newer is required; reported version is ${
        JSON.stringify(serverVersion || "unknown")
      }. Configure codexBin with a supported CLI.`
    })
  )
}
