/**
 * The transport fails safely and says clearly why: an over-long stdout line closes the connection
 * (and every pending call fails at once), a binary that exists but cannot run is not reported as
 * "not found", the stderr tail carries no terminal escape codes, and no error message shows the
 * internal names of the child-process layer.
 */
import * as AppServerClient from "@effect-codex/core/AppServerClient"
import * as Errors from "@effect-codex/core/Errors"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as CodexBinary from "../src/CodexBinary.ts"
import * as NodeTransport from "../src/NodeTransport.ts"
import { awaitReady, fake, fixture, isGoneOrZombie, nextLine } from "./helpers.ts"

const spawn = (config: Parameters<typeof NodeTransport.make>[0]) => NodeTransport.make(config)

const failureOf = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.map(Effect.exit(effect), (exit) => {
    expect(Exit.isFailure(exit)).toBe(true)
    const error = Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : Option.none()
    expect(Option.isSome(error)).toBe(true)
    return (error as Option.Some<E>).value
  })

const tmpDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-codex-safety-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

const internalNames = /ChildProcess\.|fromWritable|fromReadable|NodeSink|NodeStream/

describe("incoming line cap", () => {
  it.live("a line longer than maxLineLength closes the transport after the lines before it; the process is stopped", () =>
    Effect.scoped(Effect.gen(function*() {
      const { process: info, transport } = yield* spawn(fake([], { maxLineLength: 1000 }))
      yield* awaitReady(transport)
      yield* transport.send(JSON.stringify({ cmd: "big", size: 1000 }))
      expect((yield* nextLine(transport)).length).toBe(1000)
      yield* transport.send(JSON.stringify({ cmd: "big", size: 1001 }))
      const error = yield* failureOf(Stream.runDrain(transport.incoming))
      expect(error).toBeInstanceOf(Errors.TransportClosedError)
      expect((error as Errors.TransportClosedError).reason).toBe(
        "the app-server wrote a line longer than maxLineLength (1000 bytes); the connection was closed"
      )
      expect(yield* failureOf(transport.send("{}"))).toEqual(error)
      const exit = yield* info.exit
      expect(exit.signal ?? exit.exitCode).toBeDefined()
      expect(isGoneOrZombie(info.pid)).toBe(true)
    })))

  it.live("every pending call of the client fails at once with the typed error", () =>
    Effect.gen(function*() {
      const layer = AppServerClient.layer().pipe(
        Layer.provideMerge(
          NodeTransport.layer({
            launchArgsOverride: [process.execPath, fixture, "--app-server"],
            forceKillAfter: "2 seconds",
            maxLineLength: 4096
          })
        )
      )
      const errors = yield* Effect.gen(function*() {
        const client = yield* AppServerClient.AppServerClient
        // Both replies are too long: the first one closes the connection while the second call is
        // still pending; both fail with the same typed error, nothing hangs.
        const big = (pad: string) => Effect.flip(client.requestUnknown("thread/list", { pad: pad.repeat(10_000) }))
        return yield* Effect.all([big("x"), big("y")], { concurrency: "unbounded" })
      }).pipe(Effect.provide(layer))
      for (const error of errors) {
        expect(error._tag).toBe("TransportClosedError")
        expect(error.message).toContain("longer than maxLineLength (4096 bytes)")
      }
    }))
})

describe("clear errors", () => {
  it.live("a codexBin that exists but is not executable says so", () =>
    Effect.gen(function*() {
      const dir = yield* tmpDir
      const plain = Path.join(dir, "codex")
      Fs.writeFileSync(plain, "#!/bin/sh\n", { mode: 0o644 })
      const error = yield* failureOf(Effect.scoped(spawn({ codexBin: plain })))
      expect(error).toBeInstanceOf(CodexBinary.CodexBinaryNotExecutableError)
      expect(error.message).toBe(`codex binary ${plain} is not executable: it has no execute permission (chmod +x)`)
    }).pipe(Effect.scoped))

  it.live("a launch program the OS refuses to run is not executable, not \"not found\"", () =>
    Effect.gen(function*() {
      const dir = yield* tmpDir
      const plain = Path.join(dir, "codex")
      Fs.writeFileSync(plain, "#!/bin/sh\n", { mode: 0o644 })
      const error = yield* failureOf(Effect.scoped(spawn({ launchArgsOverride: [plain, "app-server"] })))
      expect(error).toBeInstanceOf(CodexBinary.CodexBinaryNotExecutableError)
      expect(error.message).toContain("the operating system refused to run it (spawn")
      expect(error.message).toContain("EACCES")
      expect(error.message).not.toMatch(internalNames)
    }).pipe(Effect.scoped))

  it.live("the stderr tail in TransportClosedError has no ANSI escape codes", () =>
    Effect.gen(function*() {
      const esc = "\u001b"
      const { result } = yield* Effect.scoped(Effect.gen(function*() {
        const { transport } = yield* spawn(fake())
        yield* awaitReady(transport)
        yield* transport.send(JSON.stringify({
          cmd: "exit",
          code: 1,
          stderr: [`${esc}[2m2026-12-04T17:00:00Z${esc}[0m ${esc}[31mERROR${esc}[0m ${esc}[1mcodex_core${esc}[0m: boom`]
        }))
        return { result: yield* failureOf(Stream.runDrain(transport.incoming)) }
      }))
      expect(result).toBeInstanceOf(Errors.TransportClosedError)
      const closed = result as Errors.TransportClosedError
      expect(closed.stderrTail).toEqual(["2026-12-04T17:00:00Z ERROR codex_core: boom"])
      expect(closed.message).not.toContain(esc)
    }))

  it.live("errors of a failed start show no internal child-process names", () =>
    Effect.gen(function*() {
      const dir = yield* tmpDir
      const errors = [
        yield* failureOf(Effect.scoped(spawn({ launchArgsOverride: [dir] }))),
        yield* failureOf(Effect.scoped(spawn({ launchArgsOverride: [Path.join(dir, "missing")] }))),
        yield* failureOf(Effect.scoped(spawn({ launchArgsOverride: [process.execPath], cwd: Path.join(dir, "no") })))
      ]
      expect(errors.map((e) => e._tag)).toEqual([
        "CodexBinaryNotExecutableError",
        "CodexBinaryNotFoundError",
        "InvalidOptionError"
      ])
      for (const error of errors) expect(error.message).not.toMatch(internalNames)
    }).pipe(Effect.scoped))
})
