import { Codex } from "@effect-codex/core"
import { NodeTransport } from "@effect-codex/node"
import { CodexTest, FakeModel } from "@effect-codex/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as fs from "node:fs"

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** What one test layer used: its folders, port and pid, read while it was alive. */
const snapshot = Effect.gen(function*() {
  const dirs = yield* CodexTest.CodexTest
  const model = yield* FakeModel.FakeModel
  const proc = yield* NodeTransport.ProcessInfo
  const codex = yield* Codex.Codex
  const thread = yield* codex.threadStart({ cwd: dirs.workspace })
  yield* model.enqueue(FakeModel.message("ok"))
  const result = yield* thread.run("hello")
  return { ...dirs, port: model.port, pid: proc.pid, answer: result.finalResponse }
})

describe("CodexTest.layer", () => {
  it.live("removes its folders and its process when the scope closes", () =>
    Effect.gen(function*() {
      const used = yield* Effect.scoped(
        Layer.build(CodexTest.layer()).pipe(
          Effect.flatMap((context) => snapshot.pipe(Effect.provide(context)))
        )
      )
      expect(used.answer).toBe("ok")
      expect(fs.existsSync(used.codexHome)).toBe(false)
      expect(fs.existsSync(used.workspace)).toBe(false)
      expect(isAlive(used.pid)).toBe(false)
    }))

  it.live("gives concurrent tests their own port, home, workspace and process", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Effect.all(
        [snapshot.pipe(Effect.provide(CodexTest.layer())), snapshot.pipe(Effect.provide(CodexTest.layer()))],
        { concurrency: 2 }
      )
      expect(a.answer).toBe("ok")
      expect(b.answer).toBe("ok")
      expect(a.port).not.toBe(b.port)
      expect(a.codexHome).not.toBe(b.codexHome)
      expect(a.workspace).not.toBe(b.workspace)
      expect(a.pid).not.toBe(b.pid)
    }))

  it.live("writes the offline config for its FakeModel", () =>
    Effect.gen(function*() {
      const { codexHome } = yield* CodexTest.CodexTest
      const model = yield* FakeModel.FakeModel
      const config = fs.readFileSync(`${codexHome}/config.toml`, "utf8")
      expect(config).toContain(`base_url = "http://127.0.0.1:${model.port}/v1"`)
      expect(config).toContain("plugins = false")
      expect(config).toContain("requires_openai_auth = true")
    }).pipe(Effect.provide(CodexTest.layer({ requiresAuth: true }))))

  it.live("passes its fakeModel options on: a bounded request log keeps the latest request", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const codex = yield* Codex.Codex
      const thread = yield* codex.threadStart({ ephemeral: true })
      yield* model.enqueue(FakeModel.message("one"), FakeModel.message("two"))
      expect((yield* thread.run("first")).finalResponse).toBe("one")
      expect((yield* thread.run("second")).finalResponse).toBe("two")
      const requests = yield* model.requests
      expect(requests.length).toBe(1)
      expect(FakeModel.lastUserText(requests[0]!)).toBe("second")
      expect(yield* model.requestCount).toBe(2)
    }).pipe(Effect.provide(CodexTest.layer({ fakeModel: { maxRecordedRequests: 1 } }))))

  describe("EFFECT_CODEX_TEST_TRANSPORT switches the transport", () => {
    /** Builds a layer with the variable set, and reads what it spawned. */
    const withVariable = (value: string | undefined) =>
      Effect.acquireUseRelease(
        Effect.sync(() => {
          const before = process.env.EFFECT_CODEX_TEST_TRANSPORT
          if (value === undefined) delete process.env.EFFECT_CODEX_TEST_TRANSPORT
          else process.env.EFFECT_CODEX_TEST_TRANSPORT = value
          return before
        }),
        () =>
          Effect.scoped(Effect.gen(function*() {
            const context = yield* Layer.build(CodexTest.layer())
            const transportValue = yield* Effect.provide(snapshot, context)
            return { argv: Context.get(context, NodeTransport.ProcessInfo).argv, answer: transportValue.answer }
          })),
        (before) =>
          Effect.sync(() => {
            if (before === undefined) delete process.env.EFFECT_CODEX_TEST_TRANSPORT
            else process.env.EFFECT_CODEX_TEST_TRANSPORT = before
          })
      )

    it.live("unset: stdio; ws and unix: a listener, and the same test passes over it", () =>
      Effect.gen(function*() {
        const stdio = yield* withVariable(undefined)
        expect(stdio.argv.slice(-2)).toEqual(["--listen", "stdio://"])
        const ws = yield* withVariable("ws")
        expect(ws.argv).toContain("ws://127.0.0.1:0")
        expect(ws.answer).toBe("ok")
        const unix = yield* withVariable("unix")
        expect(unix.argv.some((arg) => arg.startsWith("unix://"))).toBe(true)
        expect(unix.answer).toBe("ok")
      }))

    it.live("an unknown value fails the layer, typed", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(withVariable("carrier-pigeon"))
        expect((error as { readonly _tag?: string })._tag).toBe("InvalidOptionError")
      }))
  })
})
