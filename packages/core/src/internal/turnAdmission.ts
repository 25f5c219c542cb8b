/**
 * Admission of turn starts: at most `maxStartingTurns` turns are "starting" at once (their
 * `turn/start` sent, their start-up on the server not done yet); the others wait in a FIFO gate.
 *
 * A permit is released by the first of: the `item/completed` of the user message or the
 * `turn/completed` of the thread's oldest sent starting turn (`onEvent`), the failure of the
 * `turn/start` (or its interruption before it was written), `close`, or the safety deadline
 * `startingTurnTimeout` counted from the write.
 *
 * `onEvent` runs on the reading fiber for every notification; it costs one count check while no
 * turn is starting.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import type * as Scope from "effect/Scope"
import type * as Errors from "../Errors.ts"
import * as FifoGate from "./fifoGate.ts"
import * as TurnRouter from "./turnRouter.ts"

/** The admission of one client. */
export interface TurnAdmission {
  /**
   * Takes a permit (FIFO, interruptibly), runs `send` with the hook it must call when the
   * `turn/start` is written, and hands the permit to the release events.
   */
  readonly admit: <A, E>(
    threadId: string,
    send: (onSend: (() => void) | undefined) => Effect.Effect<A, E>
  ) => Effect.Effect<A, E | Errors.TransportClosedError>
  /** Sees one notification: a marker event releases its thread's oldest starting turn. */
  readonly onEvent: (method: string, rawParams: unknown) => void
  /** Fails every waiter (and later `admit`s) with `error`, and releases every starting turn. */
  readonly close: (error: Errors.TransportClosedError) => void
}

/** A turn holding a permit. */
interface Starting {
  readonly threadId: string
  /** The `turn/start` was written: from now on the thread's events may release it. */
  sent: boolean
  released: boolean
  deadline: Fiber.Fiber<void> | undefined
}

/** Builds the admission; `maxStartingTurns: Infinity` turns it off (`admit` only runs `send`). */
export const make = (options: {
  readonly maxStartingTurns: number
  readonly startingTurnTimeout: Duration.Duration
  /** Where the deadline fibers live. */
  readonly scope: Scope.Scope
}): TurnAdmission => {
  const { maxStartingTurns, scope, startingTurnTimeout } = options
  if (maxStartingTurns === Infinity) {
    return { admit: (_threadId, send) => send(undefined), onEvent: () => {}, close: () => {} }
  }

  const gate = FifoGate.make<Errors.TransportClosedError>(maxStartingTurns)
  /** Sent starting turns by thread id, oldest first (events may come before the reply names the turn). */
  const starting = new Map<string, Array<Starting>>()
  /** How many entries `starting` holds: `onEvent`'s only cost when it is 0. */
  let startingCount = 0

  const release = (s: Starting) => {
    if (s.released) return
    s.released = true
    if (s.sent) {
      const list = starting.get(s.threadId)
      if (list !== undefined) {
        const i = list.indexOf(s)
        if (i >= 0) {
          list.splice(i, 1)
          startingCount--
          if (list.length === 0) starting.delete(s.threadId)
        }
      }
    }
    if (s.deadline !== undefined) s.deadline.interruptUnsafe()
    gate.release()
  }

  const onEvent = (method: string, rawParams: unknown) => {
    if (startingCount === 0) return
    if (method === "item/completed") {
      const p = rawParams as { readonly threadId?: unknown; readonly item?: { readonly type?: unknown } } | null
      if (p?.item?.type !== "userMessage") return
    } else if (method !== "turn/completed") return
    const threadId = TurnRouter.threadIdOf(rawParams)
    const list = threadId === undefined ? undefined : starting.get(threadId)
    if (list !== undefined && list.length > 0) release(list[0]!)
  }

  const close = (error: Errors.TransportClosedError) => {
    gate.close(error)
    for (const list of Array.from(starting.values())) {
      for (const s of list.slice()) release(s)
    }
  }

  const admit = <A, E>(threadId: string, send: (onSend: (() => void) | undefined) => Effect.Effect<A, E>) =>
    Effect.uninterruptibleMask((restore) =>
      Effect.gen(function*() {
        yield* gate.take(restore)
        const s: Starting = { threadId, sent: false, released: false, deadline: undefined }
        const sent = Deferred.makeUnsafe<void>()
        s.deadline = yield* Deferred.await(sent).pipe(
          Effect.andThen(Effect.sleep(startingTurnTimeout)),
          Effect.andThen(Effect.sync(() => {
            s.deadline = undefined
            release(s)
          })),
          Effect.interruptible,
          Effect.forkIn(scope, { startImmediately: true })
        )
        const onSend = () => {
          s.sent = true
          const list = starting.get(s.threadId)
          if (list === undefined) starting.set(s.threadId, [s])
          else list.push(s)
          startingCount++
          Deferred.doneUnsafe(sent, Effect.void)
        }
        return yield* restore(send(onSend)).pipe(
          Effect.onExit((exit) =>
            Effect.sync(() => {
              // failed, or interrupted before it was written: give the permit back; interrupted
              // after the write: the turn is starting on the server, keep it until an event says so
              if (Exit.isFailure(exit) && !(s.sent && Cause.hasInterruptsOnly(exit.cause))) release(s)
            })
          )
        )
      })
    )

  return { admit, onEvent, close }
}
