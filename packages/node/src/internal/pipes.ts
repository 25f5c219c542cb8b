/**
 * The pipes of a child process as Effect values: stdin that waits for `'drain'`, and pull-based
 * stdout/stderr streams (see `spawn.ts`, which uses them).
 *
 * @internal
 */
import type * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Latch from "effect/Latch"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { Readable, Writable } from "node:stream"

/** Most chunks handed out by one pull of stdout/stderr. */
const maxChunksPerPull = 256

/** An error's message (its text when it has none). */
export const errorMessage = (error: unknown): string =>
  error instanceof Error && error.message.length > 0 ? error.message : String(error)

/** Reading or writing one of the child's pipes failed. */
export class IoError extends Schema.TaggedError<IoError>("@effect-codex/node/internal/spawn/IoError")("IoError", {
  stream: Schema.Literals(["stdin", "stdout", "stderr"]),
  /** The OS message (`write EPIPE`, …). */
  description: Schema.String
}) {
  override get message(): string {
    return this.description
  }
}

/** stdin of a child: writes that respect backpressure, its failure, and its end. */
export const stdinOf = (writable: Writable | null) => {
  const failed = Deferred.makeUnsafe<IoError>()
  let failure: IoError | undefined
  const fail = (description: string) => {
    failure ??= new IoError({ stream: "stdin", description })
    Deferred.doneUnsafe(failed, Exit.succeed(failure))
  }
  if (writable !== null) {
    writable.on("error", (error) => fail(errorMessage(error)))
    writable.on("close", () => fail("stdin was closed"))
  }

  const waitDrain = (stream: Writable): Effect.Effect<void, IoError> =>
    Effect.callback<void, IoError>((resume) => {
      const stop = () => {
        stream.off("drain", onDrain)
        stream.off("close", onClose)
        stream.off("error", onClose)
      }
      const onDrain = () => {
        stop()
        resume(Effect.void)
      }
      const onClose = () => {
        stop()
        resume(Effect.fail(failure ?? new IoError({ stream: "stdin", description: "stdin was closed" })))
      }
      stream.on("drain", onDrain)
      stream.on("close", onClose)
      stream.on("error", onClose)
      return Effect.sync(stop)
    })

  const write = (data: string | Uint8Array): Effect.Effect<void, IoError> =>
    Effect.suspend(() => {
      if (failure !== undefined) return Effect.fail(failure)
      if (writable === null || writable.destroyed || writable.writableEnded) {
        return Effect.fail(new IoError({ stream: "stdin", description: "stdin is closed" }))
      }
      return writable.write(data) ? Effect.void : waitDrain(writable)
    })

  const end = (): void => {
    if (writable !== null && !writable.writableEnded && !writable.destroyed) writable.end()
  }

  return { write, failed: Deferred.await(failed), end }
}

/**
 * A pull-based stream over a Node readable: each pull takes what Node has buffered (it reads from
 * the pipe only up to its `highWaterMark` while nobody pulls), or waits for `'readable'`.
 */
export const readerOf = (readable: Readable, name: "stdout" | "stderr") => {
  const latch = Latch.makeUnsafe(false)
  let failure: IoError | undefined
  let ended = false
  const onReadable = () => latch.openUnsafe()
  readable.on("readable", onReadable)
  readable.on("end", () => {
    ended = true
    latch.openUnsafe()
  })
  readable.on("close", () => {
    ended = true
    latch.openUnsafe()
  })
  readable.on("error", (error) => {
    failure ??= new IoError({ stream: name, description: errorMessage(error) })
    latch.openUnsafe()
  })

  const pull: Effect.Effect<Arr.NonEmptyReadonlyArray<Uint8Array>, IoError | Cause.Done> = Effect.suspend(
    function loop(): Effect.Effect<Arr.NonEmptyReadonlyArray<Uint8Array>, IoError | Cause.Done> {
      const first = readable.read() as Uint8Array | null
      if (first !== null) {
        const chunks: [Uint8Array, ...Array<Uint8Array>] = [first]
        // `read()` may refill the buffer synchronously from what the pipe already holds.
        for (let next = readable.read() as Uint8Array | null; next !== null;) {
          chunks.push(next)
          if (chunks.length >= maxChunksPerPull) break
          next = readable.read() as Uint8Array | null
        }
        return Effect.succeed(chunks)
      }
      if (failure !== undefined) return Effect.fail(failure)
      if (ended || readable.readableEnded) return Effect.fail(Cause.Done())
      latch.closeUnsafe()
      return Effect.flatMap(latch.await, loop)
    }
  )

  return {
    stream: Stream.fromPull(Effect.succeed(pull)),
    /** Flowing mode with no `'data'` listener: what comes is dropped. */
    discard: () => {
      readable.off("readable", onReadable)
      readable.resume()
    }
  }
}
