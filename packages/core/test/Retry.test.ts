import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Random from "effect/Random"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import { TestClock } from "effect/testing"
import * as Errors from "../src/Errors.ts"
import * as Retry from "../src/Retry.ts"

const busy = (n: number) =>
  new Errors.ServerBusyError({ code: -32001, message: `Server overloaded; retry later. #${n}` })

/** An operation that counts its calls and fails with `fail(n)` for the first `failures` calls. */
const counted = <E>(calls: Ref.Ref<number>, fail: (n: number) => E, failures = Infinity) =>
  Ref.updateAndGet(calls, (n) => n + 1).pipe(
    Effect.flatMap((n) => (n <= failures ? Effect.fail(fail(n)) : Effect.succeed(`ok after ${n} calls`)))
  )

/** A Random service that always draws `value` (in [0, 1)). */
const fixedRandom = (value: number): Random.Random => ({
  nextDoubleUnsafe: () => value,
  nextIntUnsafe: () => 0
})

/** Moves virtual time to `at` ms since the start of the test and returns the call count then. */
const callsAt = (calls: Ref.Ref<number>, start: number) => (at: number) =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    yield* TestClock.adjust(Duration.millis(start + at - now))
    return yield* Ref.get(calls)
  })

const startTime = Clock.currentTimeMillis

/** The delays (ms) a schedule produces for `n` steps, or until it is done. */
const delaysOf = (schedule: Schedule.Schedule<Duration.Duration>, n: number) =>
  Effect.gen(function*() {
    const step = yield* Schedule.toStep(schedule)
    const delays: Array<number> = []
    for (let i = 0; i < n; i++) {
      const result = yield* Effect.result(step(0, undefined))
      if (result._tag === "Failure") break
      delays.push(Duration.toMillis(result.success[1]))
    }
    return delays
  })

describe("Retry.overloadSchedule", () => {
  it.effect("unjittered defaults: 250 ms then 500 ms, then done (3 attempts in all)", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* delaysOf(Retry.overloadSchedule({ jitter: 0 }), 10), [250, 500])
    }))

  it.effect("caps at maxDelay and recurs maxAttempts - 1 times", () =>
    Effect.gen(function*() {
      const schedule = Retry.overloadSchedule({ jitter: 0, maxAttempts: 7, maxDelay: "1 second" })
      assert.deepStrictEqual(yield* delaysOf(schedule, 20), [250, 500, 1000, 1000, 1000, 1000])
    }))

  it.effect("initialDelay and factor are configurable", () =>
    Effect.gen(function*() {
      const schedule = Retry.overloadSchedule({ jitter: 0, maxAttempts: 4, initialDelay: "100 millis", factor: 3 })
      assert.deepStrictEqual(yield* delaysOf(schedule, 20), [100, 300, 900])
    }))

  it.effect("jitter moves each delay within ±ratio of the capped delay", () =>
    Effect.gen(function*() {
      const schedule = Retry.overloadSchedule({ maxAttempts: 5, maxDelay: "600 millis" })
      const low = yield* delaysOf(schedule, 10).pipe(Effect.provideService(Random.Random, fixedRandom(0)))
      assert.deepStrictEqual(low, [200, 400, 480, 480])
      const mid = yield* delaysOf(schedule, 10).pipe(Effect.provideService(Random.Random, fixedRandom(0.5)))
      assert.deepStrictEqual(mid, [250, 500, 600, 600])
      const high = yield* delaysOf(schedule, 10).pipe(Effect.provideService(Random.Random, fixedRandom(0.75)))
      assert.deepStrictEqual(high, [275, 550, 660, 660])
    }))

  it.effect("jitter ratio is configurable", () =>
    Effect.gen(function*() {
      const schedule = Retry.overloadSchedule({ jitter: 0.5, maxAttempts: 2 })
      const low = yield* delaysOf(schedule, 10).pipe(Effect.provideService(Random.Random, fixedRandom(0)))
      assert.deepStrictEqual(low, [125])
    }))

  it.effect("seeded jitter stays within bounds", () =>
    Effect.gen(function*() {
      for (const seed of ["a", "b", "c", "d", "e", "f", "g", "h"]) {
        const [first, second] = yield* delaysOf(Retry.overloadSchedule(), 10).pipe(Random.withSeed(seed))
        assert.isTrue(first! >= 200 && first! < 300, `seed ${seed}: first delay ${first}`)
        assert.isTrue(second! >= 400 && second! < 600, `seed ${seed}: second delay ${second}`)
      }
    }))

  it.effect("is total: out-of-range values are clamped, not thrown", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* delaysOf(Retry.overloadSchedule({ maxAttempts: 0 }), 5), [])
      assert.deepStrictEqual(
        yield* delaysOf(Retry.overloadSchedule({ maxAttempts: 3, initialDelay: -5, jitter: 0 }), 5),
        [0, 0]
      )
    }))
})

describe("Retry.retryOnOverload", () => {
  it("re-exports isRetryableError", () => {
    assert.strictEqual(Retry.isRetryableError, Errors.isRetryableError)
  })

  it.effect("unjittered: retries after exactly 250 ms and 500 ms, 3 calls, then the last error", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      const errors: Array<Errors.ServerBusyError> = []
      const op = counted(calls, (n) => {
        const e = busy(n)
        errors.push(e)
        return e
      })
      const start = yield* startTime
      const at = callsAt(calls, start)
      const fiber = yield* op.pipe(Retry.retryOnOverload({ jitter: 0 }), Effect.flip, Effect.forkChild)
      assert.strictEqual(yield* at(0), 1)
      assert.strictEqual(yield* at(249), 1)
      assert.strictEqual(yield* at(250), 2)
      assert.strictEqual(yield* at(749), 2)
      assert.strictEqual(yield* at(750), 3)
      assert.strictEqual(yield* at(60_000), 3)
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(errors.length, 3)
      assert.strictEqual(error, errors[2], "the original last error, unchanged")
      assert.strictEqual(error.message, "Server overloaded; retry later. #3")
    }))

  it.effect("caps the delay at maxDelay", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      const at = callsAt(calls, yield* startTime)
      const fiber = yield* counted(calls, busy).pipe(
        Retry.retryOnOverload({ jitter: 0, maxAttempts: 5, maxDelay: "600 millis" }),
        Effect.flip,
        Effect.forkChild
      )
      // retries at 250, 250+500=750, 750+600=1350, 1350+600=1950
      assert.strictEqual(yield* at(0), 1)
      assert.strictEqual(yield* at(250), 2)
      assert.strictEqual(yield* at(749), 2)
      assert.strictEqual(yield* at(750), 3)
      assert.strictEqual(yield* at(1349), 3)
      assert.strictEqual(yield* at(1350), 4)
      assert.strictEqual(yield* at(1949), 4)
      assert.strictEqual(yield* at(1950), 5)
      assert.strictEqual(yield* at(100_000), 5)
      assert.strictEqual((yield* Fiber.join(fiber)).message, "Server overloaded; retry later. #5")
    }))

  for (const maxAttempts of [1, 2, 6]) {
    it.effect(`maxAttempts ${maxAttempts} makes exactly ${maxAttempts} calls`, () =>
      Effect.gen(function*() {
        const calls = yield* Ref.make(0)
        const fiber = yield* counted(calls, busy).pipe(
          Retry.retryOnOverload({ maxAttempts }),
          Effect.flip,
          Effect.forkChild
        )
        yield* TestClock.adjust("1 minute")
        const error = yield* Fiber.join(fiber)
        assert.strictEqual(yield* Ref.get(calls), maxAttempts)
        assert.strictEqual(error.message, `Server overloaded; retry later. #${maxAttempts}`)
      }))
  }

  it.effect("with jitter 0.2 the first retry comes no earlier than 200 ms (lowest draw)", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      const at = callsAt(calls, yield* startTime)
      yield* counted(calls, busy).pipe(
        Retry.retryOnOverload({ jitter: 0.2 }),
        Effect.provideService(Random.Random, fixedRandom(0)),
        Effect.flip,
        Effect.forkChild
      )
      assert.strictEqual(yield* at(199), 1)
      assert.strictEqual(yield* at(200), 2)
    }))

  it.effect("with jitter 0.2 the first retry comes no later than 300 ms (highest draw)", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      const at = callsAt(calls, yield* startTime)
      yield* counted(calls, busy).pipe(
        Retry.retryOnOverload({ jitter: 0.2 }),
        Effect.provideService(Random.Random, fixedRandom(1 - Number.EPSILON)),
        Effect.flip,
        Effect.forkChild
      )
      assert.strictEqual(yield* at(299), 1)
      assert.strictEqual(yield* at(300), 2)
    }))

  it.effect("with default jitter and seeded randomness the first retry lands in [200, 300] ms", () =>
    Effect.gen(function*() {
      for (const seed of ["one", "two", "three", "four", "five"]) {
        const calls = yield* Ref.make(0)
        const at = callsAt(calls, yield* startTime)
        const fiber = yield* counted(calls, busy).pipe(
          Retry.retryOnOverload(),
          Random.withSeed(seed),
          Effect.flip,
          Effect.forkChild
        )
        assert.strictEqual(yield* at(199), 1, `seed ${seed}`)
        assert.strictEqual(yield* at(300), 2, `seed ${seed}`)
        yield* Fiber.interrupt(fiber)
      }
    }))

  it.effect("does not retry a non-retryable error (InvalidParamsError): exactly 1 call", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      const original = new Errors.InvalidParamsError({ code: -32602, message: "bad params" })
      const fiber = yield* counted(calls, () => original).pipe(Retry.retryOnOverload(), Effect.flip, Effect.forkChild)
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* Fiber.join(fiber), original)
      assert.strictEqual(yield* Ref.get(calls), 1)
    }))

  it.effect("does not retry a TimeoutError, even of an idempotent read: exactly 1 call", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      const timeout = new Errors.TimeoutError({ message: "no response", method: "thread/list", requestId: 7 })
      const error = yield* counted(calls, () => timeout).pipe(Retry.retryOnOverload({ jitter: 0 }), Effect.flip)
      assert.strictEqual(error, timeout)
      assert.strictEqual(yield* Ref.get(calls), 1)
    }))

  it.effect("does not retry a JsonRpcError without an overload marker, retries one with it", () =>
    Effect.gen(function*() {
      const plain = yield* Ref.make(0)
      const f1 = yield* counted(plain, () => new Errors.JsonRpcError({ code: -32050, message: "nope" })).pipe(
        Retry.retryOnOverload(),
        Effect.flip,
        Effect.forkChild
      )
      const marked = yield* Ref.make(0)
      const f2 = yield* counted(
        marked,
        () => new Errors.JsonRpcError({ code: -32050, message: "busy", data: { codexErrorInfo: "serverOverloaded" } })
      ).pipe(Retry.retryOnOverload(), Effect.flip, Effect.forkChild)
      yield* TestClock.adjust("1 minute")
      yield* Fiber.join(f1)
      yield* Fiber.join(f2)
      assert.strictEqual(yield* Ref.get(plain), 1)
      assert.strictEqual(yield* Ref.get(marked), 3)
    }))

  it.effect("retries RetryLimitExceededError", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      const fiber = yield* counted(
        calls,
        () => new Errors.RetryLimitExceededError({ code: -32001, message: "retry limit reached" })
      ).pipe(Retry.retryOnOverload(), Effect.flip, Effect.forkChild)
      yield* TestClock.adjust("1 minute")
      yield* Fiber.join(fiber)
      assert.strictEqual(yield* Ref.get(calls), 3)
    }))

  it.effect("does not retry defects", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      const fiber = yield* Ref.update(calls, (n) => n + 1).pipe(
        Effect.andThen(Effect.die("boom")),
        Retry.retryOnOverload(),
        Effect.exit,
        Effect.forkChild
      )
      yield* TestClock.adjust("1 minute")
      const exit = yield* Fiber.join(fiber)
      assert.strictEqual(exit._tag, "Failure")
      assert.strictEqual(yield* Ref.get(calls), 1)
    }))

  it.effect("succeeds after 2 failures and returns the value", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      const at = callsAt(calls, yield* startTime)
      const fiber = yield* counted(calls, busy, 2).pipe(Retry.retryOnOverload({ jitter: 0 }), Effect.forkChild)
      assert.strictEqual(yield* at(750), 3)
      assert.strictEqual(yield* Fiber.join(fiber), "ok after 3 calls")
    }))

  it.effect("data-first form behaves the same", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      const fiber = yield* Retry.retryOnOverload(counted(calls, busy, 1), { jitter: 0, maxAttempts: 2 }).pipe(
        Effect.forkChild
      )
      yield* TestClock.adjust("250 millis")
      assert.strictEqual(yield* Fiber.join(fiber), "ok after 2 calls")
      assert.strictEqual(yield* Ref.get(calls), 2)
    }))

  for (const maxAttempts of [0, -1, Number.NaN, 2.5]) {
    it.effect(`maxAttempts ${maxAttempts} fails with InvalidOptionError without running the effect`, () =>
      Effect.gen(function*() {
        const calls = yield* Ref.make(0)
        const error = yield* counted(calls, busy).pipe(Retry.retryOnOverload({ maxAttempts }), Effect.flip)
        assert.strictEqual(error._tag, "InvalidOptionError")
        if (error._tag !== "InvalidOptionError") return
        assert.strictEqual(error.option, "maxAttempts")
        assert.include(error.message, "maxAttempts must be")
        assert.strictEqual(yield* Ref.get(calls), 0)
      }))
  }

  const badOptions: ReadonlyArray<readonly [string, Retry.OverloadRetryOptions]> = [
    ["initialDelay", { initialDelay: -1 }],
    ["initialDelay", { initialDelay: "Infinity" }],
    ["maxDelay", { maxDelay: "-5 millis" }],
    ["factor", { factor: 0.5 }],
    ["factor", { factor: Number.POSITIVE_INFINITY }],
    ["jitter", { jitter: -0.1 }],
    ["jitter", { jitter: 1.5 }],
    ["jitter", { jitter: Number.NaN }]
  ]
  for (const [option, options] of badOptions) {
    it.effect(`rejects ${option} = ${String(Object.values(options)[0])}, naming ${option}`, () =>
      Effect.gen(function*() {
        const calls = yield* Ref.make(0)
        const error = yield* counted(calls, busy).pipe(Retry.retryOnOverload(options), Effect.flip)
        assert.strictEqual(error._tag, "InvalidOptionError")
        if (error._tag !== "InvalidOptionError") return
        assert.strictEqual(error.option, option)
        assert.strictEqual(yield* Ref.get(calls), 0)
      }))
  }

  it.effect("accepts an infinite maxDelay (no cap)", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      const fiber = yield* counted(calls, busy).pipe(
        Retry.retryOnOverload({ maxDelay: "Infinity", jitter: 0, maxAttempts: 4 }),
        Effect.flip,
        Effect.forkChild
      )
      yield* TestClock.adjust(Duration.millis(250 + 500 + 1000))
      yield* Fiber.join(fiber)
      assert.strictEqual(yield* Ref.get(calls), 4)
    }))
})
