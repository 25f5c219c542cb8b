/**
 * The `initialize` handshake's response: decoding and validation of the server's metadata, as the
 * Python SDK does it.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Metadata } from "../AppServerClient.ts"
import * as Errors from "../Errors.ts"
import * as Protocol from "../generated/Protocol.ts"
import type * as Schemas from "../generated/Schemas.ts"

/** Splits a user agent such as `"codex-cli/0.169.0 (Linux)"` into name and version. */
export const splitUserAgent = (userAgent: string): readonly [string | undefined, string | undefined] => {
  const ua = userAgent.trim()
  if (ua === "") return [undefined, undefined]
  const slash = ua.indexOf("/")
  if (slash >= 0) {
    const name = ua.slice(0, slash).trim()
    const version = ua.slice(slash + 1).trim().split(/\s+/)[0] ?? ""
    return [name || undefined, version || undefined]
  }
  const parts = ua.split(/\s+/)
  return parts.length >= 2 ? [parts[0], parts[1]] : [ua, undefined]
}

/**
 * Validates the initialize response as the Python SDK does: `userAgent` is required, and the
 * server name and version come from `serverInfo` or else from the user agent.
 */
export const validateMetadata = (
  response: Schemas.InitializeResponse & { readonly serverInfo?: unknown }
): Effect.Effect<Metadata, Errors.ProtocolError> => {
  const info = (typeof response.serverInfo === "object" && response.serverInfo !== null ? response.serverInfo : {}) as {
    readonly name?: unknown
    readonly version?: unknown
  }
  const str = (u: unknown) => (typeof u === "string" && u.trim() !== "" ? u.trim() : undefined)
  const [uaName, uaVersion] = splitUserAgent(response.userAgent ?? "")
  const name = str(info.name) ?? uaName
  const version = str(info.version) ?? uaVersion
  if (!str(response.userAgent) || !name || !version) {
    return Effect.fail(
      new Errors.ProtocolError({
        message: `initialize response missing required metadata (userAgent=${
          JSON.stringify(response.userAgent)
        }, serverName=${JSON.stringify(name)}, serverVersion=${JSON.stringify(version)})`,
        method: "initialize"
      })
    )
  }
  return Effect.succeed({ ...response, serverInfo: { name, version } })
}

// built on first use: the protocol's schemas are not built at import
let decodeInitializeMemo: ((u: unknown) => Effect.Effect<unknown, Schema.SchemaError>) | undefined
const decodeInitialize = (u: unknown) =>
  (decodeInitializeMemo ??= Schema.decodeUnknownEffect(Schema.Struct({
    ...(Protocol.ClientRequests.initialize.result as unknown as Schema.Struct<{
      readonly userAgent: Schema.String
    }>).fields,
    serverInfo: Schema.optional(Schema.Unknown)
  })))(u)

/** Decodes and validates the raw result of `initialize`. */
export const fromInitializeResult = (result: unknown): Effect.Effect<Metadata, Errors.ProtocolError> =>
  decodeInitialize(result).pipe(
    Effect.mapError((error) =>
      new Errors.ProtocolError({ message: `unexpected result of initialize: ${error.message}`, method: "initialize" })
    ),
    Effect.flatMap((decoded) =>
      validateMetadata(decoded as Schemas.InitializeResponse & { readonly serverInfo?: unknown })
    )
  )
