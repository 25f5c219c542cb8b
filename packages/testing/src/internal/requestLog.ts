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

/**
 * How many requests a `FakeModel` keeps unless told otherwise. Measured: a kept request of a fresh
 * thread (a 43 K-character body) costs about 150 KB of heap, so the default log stays near 150 MB
 * at most for short threads; long threads send longer bodies (+0.7 K characters a turn).
 */
export const defaultCapacity = 1000

const decodeJson = Schema.decodeUnknownOption(Schema.fromJsonString(Schema.Unknown))

const parseJson = (text: string): unknown => text.length === 0 ? undefined : Option.getOrUndefined(decodeJson(text))

/** Records request number `index`, its body parsed as JSON. */
export const record = (index: number, incoming: Incoming): RecordedRequest => ({
  index,
  method: incoming.method,
  path: incoming.path,
  headers: incoming.headers,
  bodyText: incoming.bodyText,
  body: parseJson(incoming.bodyText)
})

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
