/**
 * Per-turn routing of notifications, as a small state machine of its own.
 *
 * A turn's events go to the subscribers of that turn. The hard part is the window between sending
 * `turn/start` and reading its reply: the server may emit the turn's first events (`turn/started`,
 * even `turn/completed`) before the reply that names the turn id. While a start is pending on a
 * thread, events of turns nobody watches are buffered, and the caller of `turn/start` attaches with
 * `replay` to receive them. When no start is pending any more, buffers nobody claimed are dropped.
 *
 * A turn's states: unknown → (buffering while a start is pending | routed to subscribers) →
 * completed (subscribers end; the id joins a ring of recently completed turns, so that a late
 * subscriber ends at once instead of waiting forever) → forgotten.
 *
 * Everything here is synchronous: it runs on the reading fiber, one line at a time.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Queue from "effect/Queue"
import type * as Errors from "../Errors.ts"
import type { Notification } from "../Notification.ts"

/** The queue of one subscriber: it ends after `turn/completed`, fails when the connection closes. */
export type Subscriber = Queue.Queue<Notification, Errors.TransportClosedError | Cause.Done>

interface TurnState {
  threadId: string | undefined
  /** Usually one; an array is cheaper than a Set to walk on every event. */
  readonly subscribers: Array<Subscriber>
  /** Events kept while a `turn/start` is pending on the thread and nobody subscribed yet. */
  buffer: Array<Notification> | undefined
  completed: boolean
}

/** How many completed turn ids are remembered (a subscriber that comes later ends at once). */
export const RECENTLY_COMPLETED = 1024

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

/** The turn id a notification's params belong to: `turnId` (the deltas) or `turn.id` (`turn/*` events). */
export const turnIdOf = (params: unknown): string | undefined => {
  if (!isObject(params) || Array.isArray(params)) return undefined
  if (typeof params.turnId === "string") return params.turnId
  const turn = params.turn
  return isObject(turn) && typeof turn.id === "string" ? turn.id : undefined
}

/** The thread id a notification's params belong to, if any. */
export const threadIdOf = (params: unknown): string | undefined =>
  isObject(params) && typeof params.threadId === "string" ? params.threadId : undefined

/** The router of one connection. */
export interface TurnRouter {
  /** Routes a decoded notification to its turn, if its params name one. */
  readonly route: (method: string, rawParams: unknown, n: Notification) => void
  /**
   * Registers a subscriber for a turn. With `replay`, it first receives what was buffered for the
   * turn (the caller of `turn/start`); `threadId` fills in the turn's thread when events did not name it.
   */
  readonly attach: (turnId: string, q: Subscriber, replay: boolean, threadId?: string) => void
  /** Removes a subscriber (its consumer closed); the turn is forgotten when nobody else watches it. */
  readonly detach: (turnId: string, q: Subscriber) => void
  /** A `turn/start` on this thread is about to be sent: buffer the thread's unclaimed events. */
  readonly beginStart: (threadId: string) => void
  /** That `turn/start` got its reply (or failed): drop the buffers nobody can claim any more. */
  readonly endStart: (threadId: string) => void
  /** Fails every subscriber with the error; later attaches fail at once. */
  readonly failAll: (error: Errors.TransportClosedError) => void
  /** How many turns are tracked (for tests: nothing leaks). */
  readonly size: () => number
}

/** Builds the router of one connection. */
export const make = (): TurnRouter => {
  let closed: Errors.TransportClosedError | undefined
  const turns = new Map<string, TurnState>()
  /** The last turn an event was routed to (a stream of deltas is one turn over and over); reset when `turns` shrinks. */
  let lastTurnId: string | undefined
  let lastTurn: TurnState | undefined
  const recentlyCompleted = new Set<string>()
  const pendingStarts = new Map<string, number>()

  const isPendingThread = (threadId: string | undefined) =>
    threadId === undefined ? pendingStarts.size > 0 : pendingStarts.has(threadId)

  const remember = (turnId: string) => {
    recentlyCompleted.add(turnId)
    if (recentlyCompleted.size > RECENTLY_COMPLETED) {
      recentlyCompleted.delete(recentlyCompleted.values().next().value as string)
    }
  }

  /** Forgets a turn nobody watches, unless it keeps events for a pending `turn/start`. */
  const release = (turnId: string, state: TurnState) => {
    if (state.subscribers.length > 0) return
    if (state.buffer !== undefined && isPendingThread(state.threadId)) return
    if (turns.get(turnId) === state) {
      turns.delete(turnId)
      lastTurnId = lastTurn = undefined
    }
  }

  const routeTurnEvent = (turnId: string, threadId: string | undefined, n: Notification, completed: boolean) => {
    // comparing with the last id is cheaper than hashing a fresh string for the map
    let state = turnId === lastTurnId ? lastTurn : turns.get(turnId)
    if (state === undefined) {
      if (!isPendingThread(threadId)) {
        if (completed) remember(turnId)
        return
      }
      state = { threadId, subscribers: [], buffer: undefined, completed: false }
      turns.set(turnId, state)
    }
    lastTurnId = turnId
    lastTurn = state
    if (state.threadId === undefined) state.threadId = threadId
    const subscribers = state.subscribers
    if (subscribers.length === 1) Queue.offerUnsafe(subscribers[0]!, n)
    else if (subscribers.length > 1) {
      // a copy: offering can wake a consumer that closes its subscription (and splices the array)
      for (const q of subscribers.slice()) Queue.offerUnsafe(q, n)
    } else if (isPendingThread(state.threadId)) {
      ;(state.buffer ??= []).push(n)
    }
    if (completed) {
      state.completed = true
      remember(turnId)
      for (const q of subscribers.splice(0)) Queue.endUnsafe(q)
      release(turnId, state)
    }
  }

  const route = (method: string, rawParams: unknown, n: Notification) => {
    if (typeof rawParams !== "object" || rawParams === null) return
    const p = rawParams as Record<string, unknown>
    // the deltas carry `turnId`, `turn/*` events carry `turn.id`
    const turnId = typeof p.turnId === "string" ? p.turnId : turnIdOf(p)
    if (turnId !== undefined) {
      routeTurnEvent(turnId, typeof p.threadId === "string" ? p.threadId : undefined, n, method === "turn/completed")
    }
  }

  const attach = (turnId: string, q: Subscriber, replay: boolean, threadId?: string) => {
    if (closed) {
      Queue.failCauseUnsafe(q, Cause.fail(closed))
      return
    }
    let state = turns.get(turnId)
    if (state === undefined && recentlyCompleted.has(turnId)) {
      Queue.endUnsafe(q)
      return
    }
    if (state === undefined) {
      state = { threadId: undefined, subscribers: [], buffer: undefined, completed: false }
      turns.set(turnId, state)
    }
    if (state.threadId === undefined && threadId !== undefined) state.threadId = threadId
    if (replay && state.buffer) Queue.offerAllUnsafe(q, state.buffer)
    state.buffer = undefined
    if (state.completed) {
      Queue.endUnsafe(q)
      release(turnId, state)
    } else state.subscribers.push(q)
  }

  const detach = (turnId: string, q: Subscriber) => {
    const state = turns.get(turnId)
    if (state) {
      const i = state.subscribers.indexOf(q)
      if (i >= 0) state.subscribers.splice(i, 1)
      release(turnId, state)
    }
  }

  const beginStart = (threadId: string) => {
    pendingStarts.set(threadId, (pendingStarts.get(threadId) ?? 0) + 1)
  }

  const endStart = (threadId: string) => {
    const n = (pendingStarts.get(threadId) ?? 1) - 1
    if (n <= 0) pendingStarts.delete(threadId)
    else pendingStarts.set(threadId, n)
    for (const [id, state] of turns) {
      if (state.threadId === threadId || state.threadId === undefined) {
        if (state.subscribers.length === 0 && !isPendingThread(state.threadId)) {
          state.buffer = undefined
          release(id, state)
        }
      }
    }
  }

  const failAll = (error: Errors.TransportClosedError) => {
    if (closed) return
    closed = error
    for (const state of turns.values()) {
      // spliced out first: failing a queue can run its consumer's `close`, which edits the array
      for (const q of state.subscribers.splice(0)) Queue.failCauseUnsafe(q, Cause.fail(error))
    }
    turns.clear()
    lastTurnId = lastTurn = undefined
  }

  return { route, attach, detach, beginStart, endStart, failAll, size: () => turns.size }
}
