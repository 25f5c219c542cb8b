import * as Errors from "@effect-codex/core/Errors"
import { Transport } from "@effect-codex/core/Transport"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as References from "effect/References"
import * as Stream from "effect/Stream"
import * as CodexBinary from "../src/CodexBinary.ts"
import * as NodeTransport from "../src/NodeTransport.ts"
import { awaitReady, fake, fixture, isGoneOrZombie, killZeroError, nextJson, nextLine } from "./helpers.ts"

const spawn = (config: Parameters<typeof NodeTransport.make>[0]) => NodeTransport.make(config)

/** Runs `f` with a fresh fake app-server in its own scope; returns f's result and the pid. */
const withFake = <A, E>(
  flags: ReadonlyArray<string>,
  f: (t: NodeTransport.NodeTransport) => Effect.Effect<A, E>,
  extra: Parameters<typeof fake>[1] = {}
) =>
  Effect.scoped(Effect.gen(function*() {
    const t = yield* spawn(fake(flags, extra))
    const ready = yield* awaitReady(t.transport)
    expect(ready.pid).toBe(t.process.pid)
    const result = yield* f(t)
    return { result, pid: t.process.pid }
  }))

const closedError = <A>(effect: Effect.Effect<A, unknown>) =>
  Effect.gen(function*() {
    const exit = yield* Effect.exit(effect)
    expect(Exit.isFailure(exit)).toBe(true)
    const error = Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : Option.none()
    expect(Option.isSome(error) && error.value instanceof Errors.TransportClosedError).toBe(true)
    return (error as Option.Some<Errors.TransportClosedError>).value
  })

describe("NodeTransport (fake app-server)", () => {
  it.live("frames one message per line, in order, both ways", () =>
    Effect.gen(function*() {
      const { pid, result } = yield* withFake([], ({ transport }) =>
        Effect.gen(function*() {
          const messages = [{ id: 1, method: "a" }, { id: 2, text: "héllo ✓ \u2028 \\n" }, { id: 3, list: [1, 2] }]
          yield* Effect.forEach(messages, (m) => transport.send(JSON.stringify(m)), { discard: true })
          const lines = yield* transport.incoming.pipe(Stream.take(3), Stream.runCollect)
          return lines.map((l) => JSON.parse(l) as unknown)
        }))
      expect(result).toEqual([{ id: 1, method: "a" }, { id: 2, text: "héllo ✓ \u2028 \\n" }, { id: 3, list: [1, 2] }])
      expect(killZeroError(pid)).toBe("ESRCH")
    }))

  it.live("concurrent sends are never interleaved", () =>
    Effect.gen(function*() {
      const { result } = yield* withFake([], ({ transport }) =>
        Effect.gen(function*() {
          const n = 500
          const payload = "y".repeat(2000)
          yield* Effect.forEach(
            Array.from({ length: n }, (_, i) => i),
            (i) => transport.send(JSON.stringify({ i, payload })),
            { concurrency: 50, discard: true }
          )
          const lines = yield* transport.incoming.pipe(Stream.take(n), Stream.runCollect)
          return lines.map((l) => (JSON.parse(l) as { i: number; payload: string }))
        }))
      expect(result.every((m) => m.payload.length === 2000)).toBe(true)
      expect(new Set(result.map((m) => m.i)).size).toBe(500)
    }))

  it.live("reassembles lines split across chunks (and a UTF-8 character split across writes)", () =>
    Effect.gen(function*() {
      const { result } = yield* withFake([], ({ transport }) =>
        Effect.gen(function*() {
          const euro = Buffer.from("€", "utf8") // 3 bytes
          const parts = [
            { text: "{\"a\":" },
            { text: "1}\n{\"b\"" },
            { text: ":2}\r\n{\"c\":\"" },
            { b64: euro.subarray(0, 1).toString("base64") },
            { b64: euro.subarray(1).toString("base64") },
            { text: "\"}\n" }
          ]
          yield* transport.send(JSON.stringify({ cmd: "parts", parts, delayMs: 15 }))
          return yield* transport.incoming.pipe(Stream.take(3), Stream.runCollect)
        }))
      expect(result).toEqual(["{\"a\":1}", "{\"b\":2}", "{\"c\":\"€\"}"])
    }))

  it.live("reads a 10 MB line (linear time) and keeps framing after it", () =>
    Effect.gen(function*() {
      const size = 10_000_000
      const { result } = yield* withFake([], ({ transport }) =>
        Effect.gen(function*() {
          const start = performance.now()
          yield* transport.send(JSON.stringify({ cmd: "big", size }))
          const line = yield* nextLine(transport)
          const readMs = performance.now() - start
          yield* transport.send("{\"after\":true}")
          const after = yield* nextLine(transport)
          // The other direction: a 10 MB message sent to the child and echoed back.
          const big = JSON.stringify({ echo: "z".repeat(size - 11) })
          const start2 = performance.now()
          yield* transport.send(big)
          const echoed = yield* nextLine(transport)
          const roundTripMs = performance.now() - start2
          return {
            length: line.length,
            ok: line.startsWith("{\"big\":\"xxx"),
            after,
            echoed: echoed === big,
            readMs,
            roundTripMs
          }
        }))
      expect(result.length).toBe(size)
      expect(result.ok).toBe(true)
      expect(result.after).toBe("{\"after\":true}")
      expect(result.echoed).toBe(true)
      console.log(
        `10 MB line: child→SDK ${result.readMs.toFixed(0)} ms (${
          (size / 1e6 / (result.readMs / 1000)).toFixed(0)
        } MB/s); ` +
          `SDK→child→SDK echo ${result.roundTripMs.toFixed(0)} ms`
      )
      // Generous bound: a quadratic splitter takes minutes on 10 MB.
      expect(result.readMs).toBeLessThan(5_000)
    }))

  it.live("a slow consumer loses nothing (incoming applies backpressure to the child)", () =>
    Effect.gen(function*() {
      const count = 20_000 // several times the incoming buffer
      const { result } = yield* withFake([], ({ transport }) =>
        Effect.gen(function*() {
          yield* transport.send(JSON.stringify({ cmd: "many", count }))
          yield* transport.send(JSON.stringify({ cmd: "exit", code: 0 }))
          const seen: Array<number> = []
          const error = yield* closedError(
            Stream.runForEach(transport.incoming, (line) =>
              Effect.sync(() => seen.push((JSON.parse(line) as { n: number }).n)).pipe(
                // Yield after every line so the reader runs ahead and fills the buffer (checked: it
                // reaches its capacity of 4096 lines).
                Effect.tap(() =>
                  Effect.yieldNow
                )
              ))
          )
          return { seen, error }
        }))
      expect(result.seen.length).toBe(count)
      expect(result.seen.every((n, i) => n === i)).toBe(true)
      expect(result.error.exitCode).toBe(0)
    }))

  it.live("a non-zero exit fails incoming and send with exit code and stderr tail", () =>
    Effect.gen(function*() {
      const { result } = yield* withFake([], ({ transport }) =>
        Effect.gen(function*() {
          yield* transport.send(JSON.stringify({ cmd: "stderr", lines: ["early 1", "early 2"] }))
          expect(yield* nextJson(transport)).toEqual({ ack: "stderr" })
          yield* transport.send(JSON.stringify({ cmd: "exit", code: 3, stderr: ["l1", "l2", "l3", "l4"] }))
          const error = yield* closedError(Stream.runDrain(transport.incoming))
          const sendError = yield* closedError(transport.send("{}"))
          const again = yield* closedError(Stream.runDrain(transport.incoming))
          return { error, sendError, again }
        }), { stderrTailLines: 3 })
      expect(result.error.exitCode).toBe(3)
      expect(result.error.signal).toBeUndefined()
      expect(result.error.stderrTail).toEqual(["l2", "l3", "l4"])
      expect(result.error.reason).toBe("app-server process exited")
      expect(result.sendError).toEqual(result.error)
      expect(result.again).toEqual(result.error)
    }))

  it.live("lines written before the exit are delivered before the error", () =>
    Effect.gen(function*() {
      const { result } = yield* withFake([], ({ transport }) =>
        Effect.gen(function*() {
          yield* transport.send("{\"n\":1}")
          yield* transport.send("{\"n\":2}")
          yield* transport.send(JSON.stringify({ cmd: "exit", code: 0 }))
          const lines: Array<string> = []
          const error = yield* closedError(
            Stream.runForEach(transport.incoming, (l) => Effect.sync(() => lines.push(l)))
          )
          return { lines, error }
        }))
      expect(result.lines).toEqual(["{\"n\":1}", "{\"n\":2}"])
      expect(result.error.exitCode).toBe(0)
    }))

  it.live("a child killed by a signal reports the signal", () =>
    Effect.gen(function*() {
      const { pid, result } = yield* withFake([], ({ transport }) =>
        Effect.gen(function*() {
          yield* transport.send(JSON.stringify({ cmd: "signal", signal: "SIGTERM" }))
          return yield* closedError(Stream.runDrain(transport.incoming))
        }))
      expect(result.signal).toBe("SIGTERM")
      expect(result.exitCode).toBeUndefined()
      expect(killZeroError(pid)).toBe("ESRCH")
    }))

  it.live("start-up failure: exit code and stderr are reported", () =>
    Effect.scoped(Effect.gen(function*() {
      const t = yield* spawn(fake(["--stderr-on-start=fatal: bad config", "--exit-on-start=2"]))
      const error = yield* closedError(Stream.runDrain(t.transport.incoming))
      expect(error.exitCode).toBe(2)
      expect(error.stderrTail).toEqual(["fatal: bad config"])
      expect(error.message).toContain("fatal: bad config")
    })))

  it.live("stdout closing while the process runs fails incoming", () =>
    Effect.gen(function*() {
      const { pid, result } = yield* withFake([], ({ transport }) =>
        Effect.gen(function*() {
          yield* transport.send(JSON.stringify({ cmd: "closeStdout" }))
          return yield* closedError(Stream.runDrain(transport.incoming))
        }), { forceKillAfter: "300 millis" })
      expect(result.reason).toBe("app-server closed its stdout")
      expect(killZeroError(pid)).toBe("ESRCH")
    }))

  it.live("closing the scope ends stdin and the child exits; nothing survives", () =>
    Effect.gen(function*() {
      const start = performance.now()
      const { pid, result } = yield* withFake([], (t) => Effect.succeed(t), { forceKillAfter: "10 seconds" })
      expect(performance.now() - start).toBeLessThan(10_000)
      expect(killZeroError(pid)).toBe("ESRCH")
      // The transport escaped its scope: everything fails with TransportClosedError.
      const sendError = yield* closedError(result.transport.send("{}"))
      expect(sendError.reason).toContain("scope closed")
      yield* closedError(Stream.runDrain(result.transport.incoming))
      const exit = yield* result.process.exit
      expect(exit.exitCode === 0 || exit.signal === "SIGTERM").toBe(true)
    }))

  it.live("a child that ignores SIGTERM is SIGKILLed after forceKillAfter", () =>
    Effect.gen(function*() {
      let closeStart = 0
      const { pid, result } = yield* withFake(["--ignore-sigterm"], (t) =>
        Effect.sync(() => {
          closeStart = performance.now()
          return t.process
        }), { forceKillAfter: "600 millis" })
      const elapsed = performance.now() - closeStart
      expect(killZeroError(pid)).toBe("ESRCH")
      expect(elapsed).toBeGreaterThanOrEqual(550)
      expect(elapsed).toBeLessThan(5_000)
      expect(yield* result.exit).toEqual({ exitCode: undefined, signal: "SIGKILL" })
    }))

  it.live("the child's own children are killed with its process group", () =>
    Effect.gen(function*() {
      const { pid, result } = yield* withFake([], ({ transport }) =>
        Effect.gen(function*() {
          yield* transport.send(JSON.stringify({ cmd: "grandchild" }))
          const msg = (yield* nextJson(transport)) as { grandchild: number }
          expect(killZeroError(msg.grandchild)).toBeUndefined()
          return msg.grandchild
        }))
      expect(killZeroError(pid)).toBe("ESRCH")
      expect(isGoneOrZombie(result)).toBe(true)
    }))

  it.live("interrupting a fiber blocked on incoming, then closing the scope, leaves no process", () =>
    Effect.gen(function*() {
      const { pid } = yield* withFake(["--no-read"], ({ transport }) =>
        Effect.gen(function*() {
          // Started immediately: it runs until it suspends on the empty incoming buffer.
          const reader = yield* Effect.forkChild(Stream.runDrain(transport.incoming), { startImmediately: true })
          yield* Fiber.interrupt(reader)
          const exit = yield* Fiber.await(reader)
          expect(Exit.hasInterrupts(exit)).toBe(true)
        }))
      expect(killZeroError(pid)).toBe("ESRCH")
    }))

  it.live("a send blocked by a child that does not read is interruptible; no process survives", () =>
    Effect.gen(function*() {
      const { pid, result } = yield* withFake(["--no-read"], ({ transport }) =>
        Effect.gen(function*() {
          // The writer blocks on the full pipe, then the bounded queue fills and send waits.
          yield* transport.send(JSON.stringify({ big: "b".repeat(10_000_000) }))
          const line = JSON.stringify({ small: "s".repeat(100) })
          return yield* Effect.forEach(Array.from({ length: 10_000 }), () => transport.send(line), { discard: true })
            .pipe(Effect.timeoutOption("500 millis"))
        }))
      expect(Option.isNone(result)).toBe(true)
      expect(killZeroError(pid)).toBe("ESRCH")
    }))

  it.live("interrupting the fiber that owns the scope kills the process", () =>
    Effect.gen(function*() {
      const started = yield* Deferred.make<number>()
      const fiber = yield* Effect.forkChild(Effect.scoped(Effect.gen(function*() {
        const t = yield* spawn(fake())
        yield* awaitReady(t.transport)
        yield* Deferred.succeed(started, t.process.pid)
        // Mid-read and mid-send: a reader waits, a sender loops.
        yield* Effect.forkChild(Stream.runDrain(t.transport.incoming), { startImmediately: true })
        return yield* Effect.forever(t.transport.send("{\"spam\":true}"))
      })))
      const pid = yield* Deferred.await(started)
      expect(killZeroError(pid)).toBeUndefined()
      yield* Fiber.interrupt(fiber)
      expect(killZeroError(pid)).toBe("ESRCH")
    }))

  it.live("send rejects a message containing a newline as a defect", () =>
    Effect.gen(function*() {
      yield* withFake([], ({ transport }) =>
        Effect.gen(function*() {
          const exit = yield* Effect.exit(transport.send("{\"a\":\n1}"))
          expect(Exit.isFailure(exit) && Cause.hasDies(exit.cause)).toBe(true)
          // The transport still works.
          yield* transport.send("{\"ok\":1}")
          expect(yield* nextLine(transport)).toBe("{\"ok\":1}")
        }))
    }))

  it.live("stderr is drained even when nobody looks at it", () =>
    Effect.gen(function*() {
      const { result } = yield* withFake([], ({ process, transport }) =>
        Effect.gen(function*() {
          // 2 MB of stderr would block a child whose stderr pipe is not read.
          const lines = Array.from({ length: 2000 }, (_, i) => `${i}:${"e".repeat(1000)}`)
          yield* transport.send(JSON.stringify({ cmd: "stderr", lines }))
          expect(yield* nextJson(transport)).toEqual({ ack: "stderr" })
          // The close error waits for stderr to be read to its end.
          yield* transport.send(JSON.stringify({ cmd: "exit", code: 0 }))
          const error = yield* closedError(Stream.runDrain(transport.incoming))
          return { tail: error.stderrTail ?? [], live: yield* process.stderrTail }
        }), { stderrTailLines: 2 })
      expect(result.tail.map((l) => l.split(":")[0])).toEqual(["1998", "1999"])
      expect(result.live).toEqual(result.tail)
      // Long lines are cut in the tail.
      expect(result.tail[0]!.length).toBeLessThan(8192 + 60)
    }))

  it.live("stderr lines are logged at debug level, annotated with the pid", () =>
    Effect.gen(function*() {
      const logged: Array<{ message: unknown; level: string; annotations: Record<string, unknown> }> = []
      const collect = Logger.make((options) => {
        logged.push({
          message: options.message,
          level: options.logLevel,
          annotations: { ...options.fiber.getRef(References.CurrentLogAnnotations) }
        })
      })
      const { pid } = yield* withFake([], ({ transport }) =>
        Effect.gen(function*() {
          yield* transport.send(JSON.stringify({ cmd: "exit", code: 0, stderr: ["warn: something"] }))
          yield* Effect.exit(Stream.runDrain(transport.incoming))
        })).pipe(
          Effect.provide(Logger.layer([collect])),
          Effect.provideService(References.MinimumLogLevel, "Debug")
        )
      const entry = logged.find((l) => Array.isArray(l.message) && l.message.includes("warn: something"))
      expect(entry?.level).toBe("Debug")
      expect(entry?.annotations).toMatchObject({ "codex.pid": pid, "codex.stream": "stderr" })
    }))

  it.live("layer provides Transport and ProcessInfo; the process lives as long as the layer", () =>
    Effect.gen(function*() {
      const pid = yield* Effect.gen(function*() {
        const transport = yield* Transport
        const info = yield* NodeTransport.ProcessInfo
        yield* awaitReady(transport)
        yield* transport.send("{\"x\":1}")
        expect(yield* nextLine(transport)).toBe("{\"x\":1}")
        expect(info.argv).toEqual([process.execPath, fixture])
        expect(killZeroError(info.pid)).toBeUndefined()
        return info.pid
      }).pipe(Effect.provide(NodeTransport.layer(fake())))
      expect(killZeroError(pid)).toBe("ESRCH")
    }))

  it.live("layerConfig reads the config (CODEX_BIN from the environment, or a given Config)", () =>
    Effect.gen(function*() {
      const provider = ConfigProvider.fromEnv({ env: { CODEX_BIN: "/nonexistent/from-env/codex" } })
      const error = yield* Effect.flip(
        Effect.provide(Effect.void, NodeTransport.layerConfig()).pipe(
          Effect.provideService(ConfigProvider.ConfigProvider, provider)
        )
      )
      expect(error).toBeInstanceOf(CodexBinary.CodexBinaryNotFoundError)
      expect((error as CodexBinary.CodexBinaryNotFoundError).tried).toEqual(["/nonexistent/from-env/codex"])
      const badConfig = yield* Effect.flip(
        Effect.provide(Effect.void, NodeTransport.layerConfig()).pipe(
          Effect.provideService(
            ConfigProvider.ConfigProvider,
            ConfigProvider.fromEnv({ env: { CODEX_STDERR_TAIL_LINES: "many" } })
          )
        )
      )
      expect(badConfig._tag).toBe("ConfigError")
      const line = yield* Effect.gen(function*() {
        const transport = yield* Transport
        return yield* awaitReady(transport)
      }).pipe(
        Effect.provide(NodeTransport.layerConfig({
          launchArgsOverride: Config.succeed([process.execPath, fixture]),
          stderrTailLines: Config.Int("TAIL")
        })),
        Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env: { TAIL: "5" } }))
      )
      expect(line.ready).toBe(true)
    }))

  it.live("a missing program fails with CodexBinaryNotFoundError; a bad cwd with InvalidOptionError", () =>
    Effect.gen(function*() {
      const missing = yield* Effect.flip(spawn({ launchArgsOverride: ["/nonexistent/codex-xyz", "app-server"] }))
      expect(missing).toBeInstanceOf(CodexBinary.CodexBinaryNotFoundError)
      expect((missing as CodexBinary.CodexBinaryNotFoundError).tried).toEqual(["/nonexistent/codex-xyz"])
      const badCwd = yield* Effect.flip(spawn(fake([], { cwd: "/nonexistent/dir-xyz" })))
      expect(badCwd).toBeInstanceOf(Errors.InvalidOptionError)
      expect((badCwd as Errors.InvalidOptionError).option).toBe("cwd")
    }))

  it.live("cwd and env reach the child", () =>
    Effect.gen(function*() {
      process.env.EC_REMOVED = "present"
      const { result } = yield* Effect.scoped(Effect.gen(function*() {
        const t = yield* spawn({
          launchArgsOverride: [
            process.execPath,
            "-e",
            "console.log(JSON.stringify({ cwd: process.cwd(), a: process.env.EC_A ?? null, removed: process.env.EC_REMOVED ?? null, path: typeof process.env.PATH }))"
          ],
          cwd: "/tmp",
          env: { EC_A: "1", EC_REMOVED: undefined }
        })
        return { result: yield* nextJson(t.transport) }
      }))
      expect(result).toEqual({ cwd: "/tmp", a: "1", removed: null, path: "string" })
    }))
})
