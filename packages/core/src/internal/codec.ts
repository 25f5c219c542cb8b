/**
 * Encoding and decoding of JSON-RPC payloads with the generated schemas: the params encoder and
 * result decoder of each client request, the params decoder of each server notification (with the
 * flat-struct fast path for the streaming deltas), all built once per method; and the serialization
 * of outgoing messages, which refuses strings the server cannot read.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as Errors from "../Errors.ts"
import * as Protocol from "../generated/Protocol.ts"
import { type Notification, UnknownNotification } from "../Notification.ts"
import * as FlatStruct from "./flatStruct.ts"

// -----------------------------------------------------------------------------
// Client requests
// -----------------------------------------------------------------------------

interface RequestCodec {
  readonly encodeParams: (params: unknown) => Effect.Effect<unknown, Schema.SchemaError>
  readonly decodeResult: (result: unknown) => Effect.Effect<unknown, Schema.SchemaError>
}

const requestCodecs = new Map<string, RequestCodec | null>()

/** The params encoder and result decoder of a client request method, built once per method. */
const requestCodec = (method: string): RequestCodec | undefined => {
  let codec = requestCodecs.get(method)
  if (codec === undefined) {
    const entry = (Protocol.ClientRequests as Record<
      string,
      { readonly params: Schema.Top; readonly result: Schema.Top } | undefined
    >)[method]
    codec = entry === undefined ? null : {
      encodeParams: Schema.encodeUnknownEffect(entry.params as Schema.Codec<unknown>),
      decodeResult: Schema.decodeUnknownEffect(entry.result as Schema.Codec<unknown>)
    }
    requestCodecs.set(method, codec)
  }
  return codec ?? undefined
}

/** Encodes the params of a known method (unknown methods pass through); bad params fail with `InvalidOptionError`. */
export const encodeParams = (method: string, params: unknown): Effect.Effect<unknown, Errors.InvalidOptionError> => {
  const codec = requestCodec(method)
  if (codec === undefined) return Effect.succeed(params)
  if (params === undefined || params === null) return Effect.succeed(undefined)
  return codec.encodeParams(params).pipe(
    Effect.mapError((error) =>
      new Errors.InvalidOptionError({ option: "params", message: `invalid params for ${method}: ${error.message}` })
    )
  )
}

/** Decodes the result of a known method (unknown methods pass through); a mismatch is a `ProtocolError`. */
export const decodeResult = (method: string, result: unknown): Effect.Effect<unknown, Errors.ProtocolError> => {
  const codec = requestCodec(method)
  return codec === undefined ? Effect.succeed(result) : codec.decodeResult(result).pipe(
    Effect.mapError((error) =>
      new Errors.ProtocolError({ message: `unexpected result of ${method}: ${error.message}`, method })
    )
  )
}

// -----------------------------------------------------------------------------
// Server notifications
// -----------------------------------------------------------------------------

interface NotificationDecoder {
  /** The flat-struct fast path (deltas), when the schema allows one: the value, or `undefined` to run `decode`. */
  readonly fast: ((input: unknown) => object | undefined) | undefined
  readonly decode: (input: unknown) => Exit.Exit<unknown, Schema.SchemaError>
}

const notificationDecoders = new Map<string, NotificationDecoder | null>()

/**
 * The params decoder of a server notification method (`null`: a method this SDK does not know),
 * built once per method (`Schema.decodeUnknownExit(schema)` allocates a new parser per call).
 */
const notificationDecoder = (method: string): NotificationDecoder | null => {
  let decoder = notificationDecoders.get(method)
  if (decoder === undefined) {
    const entry = (Protocol.ServerNotifications as Record<string, { readonly params: Schema.Top } | undefined>)[method]
    decoder = entry === undefined ? null : {
      fast: FlatStruct.compile(
        entry.params.ast,
        (Protocol.ServerNotificationCopies as Record<string, FlatStruct.Copy | undefined>)[method]
      ),
      decode: Schema.decodeUnknownExit(entry.params as Schema.Codec<unknown>)
    }
    notificationDecoders.set(method, decoder)
  }
  return decoder
}

/**
 * A notification decoder for one connection: it remembers the last method's decoder (a stream of
 * deltas is one method over and over, which skips the map lookup). Params that do not match their
 * schema give an `UnknownNotification`, and `onMismatch` receives the diagnostic.
 */
export const makeNotificationDecoder = () => {
  let lastMethod: string | undefined
  let lastDecoder: NotificationDecoder | null = null
  return (method: string, rawParams: unknown, onMismatch: (error: Errors.ProtocolError) => void): Notification => {
    let decoder: NotificationDecoder | null
    if (method === lastMethod) decoder = lastDecoder
    else {
      decoder = notificationDecoder(method)
      lastMethod = method
      lastDecoder = decoder
    }
    if (decoder === null) return new UnknownNotification(method, rawParams)
    const fast = decoder.fast === undefined ? undefined : decoder.fast(rawParams)
    if (fast !== undefined) return { method, params: fast } as Notification
    const exit = decoder.decode(rawParams)
    if (Exit.isSuccess(exit)) return { method, params: exit.value } as Notification
    onMismatch(
      new Errors.ProtocolError({
        message: `notification ${method} does not match its schema: ${Cause.pretty(exit.cause)}`,
        method
      })
    )
    return new UnknownNotification(method, rawParams)
  }
}

// -----------------------------------------------------------------------------
// Outgoing messages
// -----------------------------------------------------------------------------

/**
 * `JSON.stringify` writes a lone UTF-16 surrogate as a `\udXXX` escape, which the server's JSON
 * parser rejects; it then never answers. A well-formed pair is written as is, so an escape in the
 * output comes from a lone surrogate (or from the text `\udXXX` typed by a user, hence the walk).
 */
const surrogateEscape = /\\ud[89a-f]/

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

const identifier = /^[A-Za-z_$][\w$]*$/

/** The JSON path of the first string (value or key) with a lone surrogate, if any. */
export const findLoneSurrogate = (value: unknown, path: string, depth = 0): string | undefined => {
  if (typeof value === "string") return loneSurrogate.test(value) ? path : undefined
  if (typeof value !== "object" || value === null || depth > 256) return undefined
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findLoneSurrogate(value[i], `${path}[${i}]`, depth + 1)
      if (found !== undefined) return found
    }
    return undefined
  }
  for (const key of Object.keys(value)) {
    const child = identifier.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`
    if (loneSurrogate.test(key)) return child
    const found = findLoneSurrogate((value as Record<string, unknown>)[key], child, depth + 1)
    if (found !== undefined) return found
  }
  return undefined
}

/**
 * Serializes an outgoing message to one line, or fails when a string in it is not well-formed
 * UTF-16 (nothing is sent). The check is one regex over the line; the message is walked only when
 * it matches, to name the path.
 */
export const serialize = (message: object): string | Errors.InvalidOptionError => {
  const line = JSON.stringify(message)
  if (!surrogateEscape.test(line)) return line
  const path = findLoneSurrogate(message, "$")
  if (path === undefined) return line
  const where = path.startsWith("$.") ? path.slice(2) : path
  return new Errors.InvalidOptionError({
    option: where,
    message: `${where} contains a lone UTF-16 surrogate, which the app-server cannot read; nothing was sent`
  })
}
