/**
 * Request capture: turning an incoming request into a `RecordedRequest`, and a bounded log that
 * keeps only the latest ones (codex sends the whole conversation with every request, so an
 * unbounded log of a long run held hundreds of megabytes).
 *
 * @internal
 */
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { RecordedRequest } from "../FakeModelRequest.ts"
import type { Incoming } from "./httpServer.ts"

/** How many requests a `FakeModel` keeps unless told otherwise. */
export const defaultCapacity = 1000

const decodeJson = Schema.decodeUnknownOption(Schema.fromJsonString(Schema.Unknown))

const parseJson = (text: string): unknown => text.length === 0 ? undefined : Option.getOrUndefined(decodeJson(text))

/** Records request number `index`; its `body` is parsed from `bodyText` on first read. */
export const record = (index: number, incoming: Incoming): RecordedRequest => {
  let parsed: { readonly value: unknown } | undefined
  const recorded = {
    index,
    method: incoming.method,
    path: incoming.path,
    headers: incoming.headers,
    bodyText: incoming.bodyText
  }
  return Object.defineProperty(recorded, "body", {
    enumerable: true,
    get: () => (parsed ??= { value: parseJson(incoming.bodyText) }).value
  }) as typeof recorded & { readonly body: unknown }
}

/** The latest requests (at most `capacity`), and how many were ever appended. */
export interface RequestLog {
  readonly capacity: number
  /** Every request ever appended, evicted ones included. */
  readonly total: number
  /** The retained requests, oldest first. */
  readonly entries: ReadonlyArray<RecordedRequest>
}

/** An empty log that keeps the latest `capacity` requests. */
export const empty = (capacity: number): RequestLog => ({ capacity, total: 0, entries: [] })

/** The log with `request` added, the oldest entry dropped when it is full. */
export const append = (log: RequestLog, request: RecordedRequest): RequestLog => ({
  capacity: log.capacity,
  total: log.total + 1,
  entries: log.entries.length < log.capacity
    ? [...log.entries, request]
    : [...log.entries.slice(log.entries.length - log.capacity + 1), request]
})
