/**
 * Client faults on the REAL `codex app-server` (pinned binary, offline against a FakeModel):
 * handshake, hundreds of concurrent requests, typed JSON-RPC errors, SIGKILL mid-request and
 * mid-turn, and no child left behind after scope close or fiber interruption (server → client
 * approval requests are in approvals.test.ts).
 *
 * These tests live in `@effect-codex/testing` because they need `CodexTest`/`FakeModel` and the
 * Node `ProcessInfo` together (core and node do not depend on the testing package).
 */
import * as AppServerClient from "@effect-codex/core/AppServerClient"
import * as Codex from "@effect-codex/core/Codex"
import type * as Errors from "@effect-codex/core/Errors"
import * as Retry from "@effect-codex/core/Retry"
import * as NodeTransport from "@effect-codex/node/NodeTransport"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { expectTransportClosed, stalledTurn } from "../support/faults.ts"
import { freeze, stop } from "../support/freeze.ts"
import { codexVersion } from "./helpers.ts"

// =============================================================================
// Helpers
// =============================================================================

/** The error code `process.kill(pid, 0)` throws (`undefined` while the process exists). */
const killZeroError = (pid: number): string | undefined => {
  try {
    process.kill(pid, 0)
    return undefined
  } catch (error) {
    return (error as NodeJS.ErrnoException).code
  }
}

/** Checks that a fiber failed with a `TransportClosedError` caused by SIGKILL, within a bound. */
const expectKilled = (fiber: Fiber.Fiber<unknown, unknown>, what: string) =>
  Effect.tap(
    expectTransportClosed(fiber, what),
    (error) => Effect.sync(() => assert.strictEqual(error.signal, "SIGKILL", what))
  )

/** Waits (no sleep, bounded) until `count()` reaches `n`, by yielding to the scheduler. */
const awaitCount = (count: () => number, n: number) =>
  Effect.yieldNow.pipe(
    Effect.repeat({ until: () => count() >= n, times: 100_000 }),
    Effect.andThen(Effect.sync(() => assert.strictEqual(count(), n)))
  )

// =============================================================================
// Tests
// =============================================================================

/**
 * What a stdio child process reports (its argv, its exit signal on `TransportClosedError`): these
 * tests stay on stdio under `EFFECT_CODEX_TEST_TRANSPORT`; the socket transports' own kill -9 test is
 * `transports/faults.test.ts`.
 */
const stdioProcess = { transport: "stdio" } as const

describe("faults on the real app-server", () => {
  it.live("performs the handshake and exposes the metadata", () =>
    Effect.gen(function*() {
      const client = yield* AppServerClient.AppServerClient
      const info = yield* NodeTransport.ProcessInfo
      const { codexHome } = yield* CodexTest.CodexTest
      const version = yield* codexVersion
      assert.strictEqual(client.serverVersion, version)
      assert.isTrue(client.metadata.userAgent.startsWith(`effect_codex/${version} `), client.metadata.userAgent)
      // 0.171.0 sends no serverInfo: name and version come from the user agent (its originator prefix)
      assert.deepStrictEqual(client.metadata.serverInfo, { name: "effect_codex", version })
      assert.strictEqual(Fs.realpathSync(client.metadata.codexHome), Fs.realpathSync(codexHome))
      assert.strictEqual(client.metadata.platformFamily, process.platform === "win32" ? "windows" : "unix")
      assert.strictEqual(Path.basename(info.argv[0]!), "codex")
      assert.deepStrictEqual(info.argv.slice(-3), ["app-server", "--listen", "stdio://"])
      assert.isUndefined(killZeroError(info.pid))
      // the connection answers
      const models = yield* client.request("model/list", { limit: 1 })
      assert.strictEqual(models.data.length, 1)
    }).pipe(Effect.provide(CodexTest.layer(stdioProcess))))

  it.live(
    "answers and correlates 300 concurrent requests (the in-flight window keeps the server from overflowing)",
    () =>
      Effect.gen(function*() {
        const client = yield* AppServerClient.AppServerClient
        const info = yield* NodeTransport.ProcessInfo
        const { workspace } = yield* CodexTest.CodexTest
        const threadIds = yield* Effect.forEach(
          [0, 1, 2],
          () => Effect.map(client.request("thread/start", { cwd: workspace }), (r) => r.thread.id)
        )
        assert.isAtLeast((yield* client.request("model/list", {})).data.length, 3)
        /** Request `i`: a thread/read or a model/list whose result tells whether it is the answer to this very request. */
        const request = (i: number) =>
          i % 2 === 0
            ? Effect.map(
              client.request("thread/read", { threadId: threadIds[i % 3]! }),
              (r) => r.thread.id === threadIds[i % 3]
            )
            : Effect.map(client.request("model/list", { limit: 1 + (i % 3) }), (r) => r.data.length === 1 + (i % 3))
        /** Sends 300 requests while the server is frozen (all in flight at once), then lets it answer. */
        const burst = <A, E>(f: (i: number) => Effect.Effect<A, E>) =>
          Effect.gen(function*() {
            let issued = 0
            const fiber = yield* Effect.gen(function*() {
              yield* freeze(info.pid)
              const fiber = yield* Effect.forEach(
                Array.from({ length: 300 }, (_, i) => i),
                (i) => Effect.suspend(() => (issued++, f(i))),
                { concurrency: "unbounded" }
              ).pipe(Effect.forkChild({ startImmediately: true }))
              yield* awaitCount(() => issued, 300)
              return fiber
            }).pipe(Effect.scoped) // thaws the server
            return yield* Fiber.join(fiber).pipe(Effect.timeout("60 seconds"))
          })

        // Every request gets its own, correlated answer. The client's in-flight window (64) keeps the
        // server's bounded queues from overflowing: no -32001, and no reply dropped (without the
        // window the server dropped replies, its own overload replies included, and calls hung).
        const raw = yield* burst((i) => Effect.result(request(i)))
        assert.strictEqual(raw.length, 300)
        const failures = raw.flatMap((r) => (r._tag === "Failure" ? [r.failure] : []))
        assert.deepStrictEqual(failures, [])
        assert.isTrue(raw.every((r) => r._tag === "Success" && r.success), "a result went to the wrong request")

        // With the SDK's overload retry around it, the same holds.
        const retried = yield* burst((i) => request(i).pipe(Retry.retryOnOverload({ maxAttempts: 10 })))
        assert.strictEqual(retried.length, 300)
        assert.isTrue(retried.every((ok) => ok))
      }).pipe(Effect.provide(CodexTest.layer())),
    { timeout: 120_000 }
  )

  it.live("maps the server's JSON-RPC errors to typed classes", () =>
    Effect.gen(function*() {
      const client = yield* AppServerClient.AppServerClient
      const { workspace } = yield* CodexTest.CodexTest
      // the real server answers all of these with -32600 (Invalid request)
      const unknownMethod = yield* client.requestUnknown("nope/nope", {}).pipe(Effect.flip)
      assert.strictEqual(unknownMethod._tag, "InvalidRequestError")
      assert.strictEqual((unknownMethod as Errors.InvalidRequestError).code, -32600)
      assert.include(unknownMethod.message, "unknown variant `nope/nope`")

      const badParams = yield* client.requestUnknown("thread/read", { threadId: 42 }).pipe(Effect.flip)
      assert.strictEqual(badParams._tag, "InvalidRequestError")
      assert.include(badParams.message, "invalid type: integer `42`, expected a string")

      const missing = "00000000-0000-4000-8000-000000000000"
      const notLoaded = yield* client.request("thread/read", { threadId: missing }).pipe(Effect.flip)
      assert.strictEqual(notLoaded._tag, "InvalidRequestError")
      assert.include(notLoaded.message, missing)
      const notFound = yield* client.request("thread/resume", { threadId: missing }).pipe(Effect.flip)
      assert.strictEqual(notFound._tag, "InvalidRequestError")
      assert.include(notFound.message, missing)

      const { thread } = yield* client.request("thread/start", { cwd: workspace })
      const noTurn = yield* client.request("turn/steer", {
        threadId: thread.id,
        expectedTurnId: "nope",
        input: [{ type: "text", text: "hi", text_elements: [] }]
      }).pipe(Effect.flip)
      assert.strictEqual(noTurn._tag, "InvalidRequestError")
      assert.include(noTurn.message, "no active turn")

      // the connection is unharmed
      assert.strictEqual((yield* client.request("thread/read", { threadId: thread.id })).thread.id, thread.id)
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("SIGKILL mid-request fails every pending request and stream at once", () =>
    Effect.gen(function*() {
      const codex = yield* Codex.Codex
      const client = codex.client
      const info = yield* NodeTransport.ProcessInfo
      const { workspace } = yield* CodexTest.CodexTest
      const thread = yield* codex.threadStart({ cwd: workspace })
      const notifications = yield* client.notifications.pipe(
        Stream.runDrain,
        Effect.forkChild({ startImmediately: true })
      )
      // Freeze the server: the requests below stay unanswered until it is killed.
      yield* stop(info.pid)
      const requests = yield* Effect.forEach(
        [0, 1, 2, 3, 4],
        () => client.request("model/list", {}).pipe(Effect.forkChild({ startImmediately: true }))
      )
      const turnStart = yield* thread.turn("never answered").pipe(Effect.forkChild({ startImmediately: true }))
      const started = yield* Clock.currentTimeMillis
      process.kill(info.pid, "SIGKILL")
      for (const [i, fiber] of requests.entries()) yield* expectKilled(fiber, `request ${i}`)
      yield* expectKilled(turnStart, "turn/start")
      const closed = yield* expectKilled(notifications, "notifications")
      const elapsed = (yield* Clock.currentTimeMillis) - started
      assert.isBelow(elapsed, 10_000)
      assert.strictEqual(closed.reason, "app-server process exited")
      assert.deepStrictEqual(yield* info.exit, { exitCode: undefined, signal: "SIGKILL" })
      // later calls fail at once with the same error
      const after = yield* client.request("model/list", {}).pipe(Effect.flip)
      assert.strictEqual(after._tag, "TransportClosedError")
      assert.strictEqual((after as Errors.TransportClosedError).signal, "SIGKILL")
    }).pipe(Effect.provide(CodexTest.layer(stdioProcess))), { timeout: 60_000 })

  it.live("SIGKILL mid-turn fails the turn's stream, run and the notifications at once", () =>
    Effect.gen(function*() {
      const client = yield* AppServerClient.AppServerClient
      const info = yield* NodeTransport.ProcessInfo
      const notifications = yield* client.notifications.pipe(
        Stream.runDrain,
        Effect.forkChild({ startImmediately: true })
      )
      const { handle, stream } = yield* stalledTurn
      const run = yield* handle.run.pipe(Effect.forkChild({ startImmediately: true }))
      const late = yield* handle.stream.pipe(Stream.runDrain, Effect.forkChild({ startImmediately: true }))
      const started = yield* Clock.currentTimeMillis
      process.kill(info.pid, "SIGKILL")
      yield* expectKilled(stream, "handle.stream")
      yield* expectKilled(run, "handle.run")
      yield* expectKilled(late, "a second run of handle.stream")
      yield* expectKilled(notifications, "client.notifications")
      assert.isBelow((yield* Clock.currentTimeMillis) - started, 10_000)
      const interrupt = yield* handle.interrupt.pipe(Effect.flip)
      assert.strictEqual(interrupt._tag, "TransportClosedError")
      assert.strictEqual(killZeroError(info.pid), "ESRCH")
    }).pipe(Effect.provide(CodexTest.layer(stdioProcess))), { timeout: 60_000 })

  it.live("closing the scope during a turn leaves no child process", () =>
    Effect.gen(function*() {
      const pid = yield* Effect.gen(function*() {
        const info = yield* NodeTransport.ProcessInfo
        yield* stalledTurn
        assert.isUndefined(killZeroError(info.pid))
        return info.pid
      }).pipe(Effect.provide(CodexTest.layer()))
      assert.strictEqual(killZeroError(pid), "ESRCH")
    }), { timeout: 60_000 })

  it.live(
    "interrupting the fiber that owns the layer during a turn leaves no child process",
    () =>
      Effect.gen(function*() {
        const running = yield* Deferred.make<number>()
        const fiber = yield* Effect.gen(function*() {
          const info = yield* NodeTransport.ProcessInfo
          const { handle } = yield* stalledTurn
          yield* Deferred.succeed(running, info.pid)
          return yield* handle.run
        }).pipe(Effect.provide(CodexTest.layer()), Effect.forkChild)
        const pid = yield* Deferred.await(running)
        assert.isUndefined(killZeroError(pid))
        yield* Fiber.interrupt(fiber)
        assert.strictEqual(killZeroError(pid), "ESRCH")
      }),
    { timeout: 60_000 }
  )

  it.live(
    "interrupting a fiber blocked on a frozen server ends the request and the server",
    () =>
      Effect.gen(function*() {
        const frozen = yield* Deferred.make<NodeTransport.ProcessInfo["Service"]>()
        const fiber = yield* Effect.gen(function*() {
          const client = yield* AppServerClient.AppServerClient
          const info = yield* NodeTransport.ProcessInfo
          yield* stop(info.pid)
          yield* Deferred.succeed(frozen, info)
          return yield* client.request("model/list", {})
        }).pipe(Effect.provide(CodexTest.layer({ codex: { forceKillAfter: "1 second" } })), Effect.forkChild)
        const info = yield* Deferred.await(frozen)
        // a live server answers model/list well within this; a frozen one never does
        yield* Effect.sleep("500 millis")
        yield* Fiber.interrupt(fiber)
        // the request was still waiting: the fiber ended by the interruption, not with a result
        assert.isTrue(Exit.hasInterrupts(yield* Fiber.await(fiber)))
        // closing the layer's scope thawed the server (SIGCONT with the SIGTERM, else SIGKILL after
        // `forceKillAfter`) and waited for its end: nothing is left
        assert.strictEqual(killZeroError(info.pid), "ESRCH")
        const ended = yield* info.exit
        assert.isTrue(ended.exitCode !== undefined || ended.signal !== undefined, JSON.stringify(ended))
      }),
    { timeout: 60_000 }
  )
})
