/**
 * A fair FIFO gate (a counting semaphore with a queue): at most `permits` holders at once, the
 * others wait in order of arrival. Used by the in-flight window of requests and by the admission
 * of turn starts — the same waiting logic in one place.
 *
 * - `take` grants a permit at once when one is free and nobody waits, otherwise waits in the FIFO.
 *   It must run inside `Effect.uninterruptibleMask`, with its `restore`: only the waiting part is
 *   interruptible, and an interrupted waiter leaves the queue (passing a wake it got on to the next
 *   one), so a permit is never lost between a grant and the caller.
 * - `release` returns a permit and wakes the first waiter.
 * - `close(error)` wakes every waiter, which fails with `error`; later `take`s fail at once.
 *
 * A woken waiter takes its permit itself when it runs (and waits again if someone else got it
 * first): nothing is handed to a fiber that may be interrupted in between.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"

/** The `restore` of `Effect.uninterruptibleMask`. */
export type Restore = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/** A FIFO gate. */
export interface FifoGate<E> {
  /** Takes a permit, waiting in FIFO order for one (interruptibly, through `restore`). */
  readonly take: (restore: Restore) => Effect.Effect<void, E>
  /** Returns a permit. */
  readonly release: () => void
  /** Fails every waiter with `error`, and every later `take`. */
  readonly close: (error: E) => void
  /** Permits held. */
  readonly taken: () => number
  /** Fibers waiting for a permit. */
  readonly queued: () => number
}

interface Waiter {
  resume: ((effect: Effect.Effect<void>) => void) | undefined
  removed: boolean
}

/** Builds a gate of `permits` (a positive integer, or `Infinity`: never waits). */
export const make = <E>(permits: number): FifoGate<E> => {
  let closed: { readonly error: E } | undefined
  let taken = 0
  // an array with a moving head (a removed waiter is skipped, the array compacted now and then)
  let waiters: Array<Waiter> = []
  let head = 0
  let queued = 0

  const first = (): Waiter | undefined => {
    while (head < waiters.length) {
      const w = waiters[head]!
      if (!w.removed) return w
      head++
    }
    if (head > 0) {
      waiters = []
      head = 0
    }
    return undefined
  }

  const remove = (w: Waiter) => {
    if (w.removed) return
    w.removed = true
    queued--
    if (head > 1024 && head * 2 > waiters.length) {
      waiters = waiters.slice(head)
      head = 0
    }
  }

  /** Wakes the first waiter if a permit is free; it takes the permit itself when it runs. */
  const wake = () => {
    if (taken >= permits) return
    const w = first()
    if (w !== undefined && w.resume !== undefined) {
      const resume = w.resume
      w.resume = undefined
      resume(Effect.void)
    }
  }

  const release = () => {
    if (taken > 0) taken--
    wake()
  }

  const canTake = (w: Waiter) => taken < permits && first() === w

  const take = (restore: Restore): Effect.Effect<void, E> => {
    if (closed) return Effect.fail(closed.error)
    if (taken < permits && queued === 0) {
      taken++
      return Effect.void
    }
    const waiter: Waiter = { resume: undefined, removed: false }
    waiters.push(waiter)
    queued++
    const wait = Effect.onExit(
      restore(Effect.callback<void>((resume) => {
        if (closed || canTake(waiter)) resume(Effect.void)
        else waiter.resume = resume
      })),
      (exit) => {
        if (Exit.isSuccess(exit)) return Effect.void
        // interrupted while waiting (or right after a wake): give the wake to the next one
        remove(waiter)
        wake()
        return Effect.void
      }
    )
    const loop: Effect.Effect<void, E> = Effect.flatMap(wait, () => {
      if (closed) {
        remove(waiter)
        return Effect.fail(closed.error)
      }
      if (!canTake(waiter)) return loop
      remove(waiter)
      taken++
      return Effect.void
    })
    return loop
  }

  const close = (error: E) => {
    if (closed) return
    closed = { error }
    // every waiter wakes, sees `closed` and fails (a snapshot: a woken waiter runs inline and edits the queue)
    for (const w of waiters.slice(head)) {
      if (w.removed || w.resume === undefined) continue
      const resume = w.resume
      w.resume = undefined
      resume(Effect.void)
    }
  }

  return { take, release, close, taken: () => taken, queued: () => queued }
}
