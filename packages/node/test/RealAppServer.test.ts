import * as Errors from "@effect-codex/core/Errors"
import { Transport } from "@effect-codex/core/Transport"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as CodexBinary from "../src/CodexBinary.ts"
import * as NodeTransport from "../src/NodeTransport.ts"
import { killZeroError, nextJson } from "./helpers.ts"

/** A fresh CODEX_HOME with an offline-safe config.toml, removed when the scope closes. */
const codexHome = Effect.acquireRelease(
  Effect.sync(() => {
    const home = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-codex-home-"))
    Fs.writeFileSync(Path.join(home, "config.toml"), "[features]\nplugins = false\nshell_snapshot = false\n")
    return home
  }),
  (home) => Effect.sync(() => Fs.rmSync(home, { recursive: true, force: true }))
)

const realServer = Effect.gen(function*() {
  const home = yield* codexHome
  return yield* NodeTransport.make({ env: { CODEX_HOME: home, NO_PROXY: "127.0.0.1,localhost" } })
})

const initialize = JSON.stringify({
  id: 1,
  method: "initialize",
  params: { clientInfo: { name: "t", title: null, version: "0" }, capabilities: { experimentalApi: true } }
})

describe("NodeTransport (real codex app-server)", () => {
  it.live("spawns the bundled binary and answers initialize", () =>
    Effect.gen(function*() {
      const pid = yield* Effect.scoped(Effect.gen(function*() {
        const { process: info, transport } = yield* realServer
        const binary = yield* CodexBinary.resolve()
        expect(info.argv).toEqual([binary.path, "app-server", "--listen", "stdio://"])
        yield* transport.send(initialize)
        const response = (yield* nextJson(transport)) as { id: number; result: { userAgent: string } }
        expect(response.id).toBe(1)
        expect(response.result.userAgent).toMatch(/^t\/\d+\.\d+\.\d+/)
        yield* transport.send(JSON.stringify({ method: "initialized" }))
        yield* transport.send(JSON.stringify({ id: 2, method: "model/list", params: { limit: 1 } }))
        // Notifications may come first; wait for the response to id 2.
        const reply = yield* transport.incoming.pipe(
          Stream.map((line) => JSON.parse(line) as { id?: number }),
          Stream.filter((msg) => msg.id === 2),
          Stream.runHead
        )
        expect(reply._tag).toBe("Some")
        expect(killZeroError(info.pid)).toBeUndefined()
        return info.pid
      }))
      expect(killZeroError(pid)).toBe("ESRCH")
    }))

  it.live("kill -9 fails incoming promptly with TransportClosedError (signal SIGKILL)", () =>
    Effect.scoped(Effect.gen(function*() {
      const { process: info, transport } = yield* realServer
      yield* transport.send(initialize)
      yield* nextJson(transport)
      const start = performance.now()
      process.kill(info.pid, "SIGKILL")
      const exit = yield* Effect.exit(Stream.runDrain(transport.incoming))
      const elapsed = performance.now() - start
      expect(Exit.isFailure(exit)).toBe(true)
      const error = Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : undefined
      expect(error?._tag === "Some" && error.value instanceof Errors.TransportClosedError).toBe(true)
      const closed = (error as { value: Errors.TransportClosedError }).value
      expect(closed.signal).toBe("SIGKILL")
      expect(closed.exitCode).toBeUndefined()
      // Promptly: the error does not wait for any timeout (typically a few ms).
      expect(elapsed).toBeLessThan(2_000)
      console.log(`kill -9 → TransportClosedError in ${elapsed.toFixed(1)} ms`)
      const sendExit = yield* Effect.exit(transport.send(initialize))
      expect(sendExit).toEqual(Exit.fail(closed))
      expect(killZeroError(info.pid)).toBe("ESRCH")
    })))

  it.live("the layer's scope owns the process", () =>
    Effect.gen(function*() {
      const home = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-codex-home-"))
      Fs.writeFileSync(Path.join(home, "config.toml"), "[features]\nplugins = false\nshell_snapshot = false\n")
      const pid = yield* Effect.gen(function*() {
        const transport = yield* Transport
        const info = yield* NodeTransport.ProcessInfo
        yield* transport.send(initialize)
        const response = (yield* nextJson(transport)) as { result: { codexHome: string } }
        expect(Fs.realpathSync(response.result.codexHome)).toBe(Fs.realpathSync(home))
        return info.pid
      }).pipe(
        Effect.provide(NodeTransport.layer({ env: { CODEX_HOME: home, NO_PROXY: "127.0.0.1,localhost" } })),
        Effect.ensuring(Effect.sync(() => Fs.rmSync(home, { recursive: true, force: true })))
      )
      expect(killZeroError(pid)).toBe("ESRCH")
    }))

  it.live("a missing codexBin fails with CodexBinaryNotFoundError naming the path", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        NodeTransport.make({ codexBin: "/nonexistent/bin/codex" }).pipe(
          Effect.scoped
        )
      )
      expect(error).toBeInstanceOf(CodexBinary.CodexBinaryNotFoundError)
      expect((error as CodexBinary.CodexBinaryNotFoundError).tried).toEqual(["/nonexistent/bin/codex"])
    }))
})
