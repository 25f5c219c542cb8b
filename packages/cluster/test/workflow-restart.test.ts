/**
 * Durable Codex workflows across real process restarts (`fixtures/workflow.ts`: one program per
 * run, each with a fresh CODEX_HOME, all on one SQLite file; the FakeModel lives in this process,
 * so its request log spans the restarts):
 *
 * - killed (SIGKILL) while waiting for an approval, restarted, approved: the workflow completes and
 *   the model saw each turn's request exactly once (the plan turn was journaled, not re-run);
 * - killed mid-turn: the restarted workflow runs that turn again (its app-server died with the
 *   process before the turn completed), then completes; the implement turn's request carries the
 *   thread's history (the plan turn), restored from the database.
 */
import * as FakeModel from "@effect-codex/testing/FakeModel"
import * as FakeModelRequest from "@effect-codex/testing/FakeModelRequest"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { implementPrompt, planPrompt } from "./fixtures/review.ts"
import * as Processes from "./support/processes.ts"

const program = fileURLToPath(new URL("./fixtures/workflow.ts", import.meta.url))

const setup = Effect.gen(function*() {
  const model = yield* FakeModel.make
  const dir = yield* Effect.acquireRelease(
    Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "cluster-workflow-"))),
    (d) => Effect.sync(() => fs.rmSync(d, { recursive: true, force: true }))
  )
  const env = { DB_FILE: path.join(dir, "cluster.db"), FAKE_MODEL_PORT: String(model.port) }
  const spawn = (mode: "wait" | "approve", id: string) => Processes.spawnNode(program, { env, args: [mode, id] })
  /** The last user text of every model request (the turn's prompt). */
  const texts = Effect.map(model.requests, (requests) => requests.map((r) => FakeModelRequest.lastUserText(r) ?? ""))
  return { model, spawn, texts }
})

describe("CodexWorkflow across process restarts", () => {
  it.live(
    "kill -9 while waiting for an approval, restart, approve: completes, each turn asked once",
    () =>
      Effect.gen(function*() {
        const { model, spawn, texts } = yield* setup
        yield* model.enqueue(FakeModel.message("PLAN-1"), FakeModel.message("DONE-1"))

        yield* Effect.scoped(Effect.gen(function*() {
          const child = yield* spawn("wait", "a")
          yield* child.waitForLine(/^TOKEN a /, "90 seconds")
          yield* child.waitForLine(/^SUSPENDED a$/, "60 seconds")
          yield* child.kill9
        }))
        assert.strictEqual(yield* model.requestCount, 1)

        const result = yield* Effect.scoped(Effect.gen(function*() {
          const child = yield* spawn("approve", "a")
          return yield* child.waitForLine(/^RESULT a /, "90 seconds")
        }))
        assert.strictEqual(result, "RESULT a PLAN-1 / approved / DONE-1")
        const sent = yield* texts
        assert.strictEqual(sent.length, 2)
        assert.strictEqual(sent.filter((t) => t === planPrompt("a")).length, 1)
        assert.strictEqual(sent.filter((t) => t === implementPrompt("a")).length, 1)
      }).pipe(Effect.scoped),
    { timeout: 240_000 }
  )

  it.live(
    "kill -9 mid-turn: the turn runs again after the restart, the workflow completes, history intact",
    () =>
      Effect.gen(function*() {
        const { model, spawn, texts } = yield* setup
        yield* model.enqueue(
          FakeModel.stall({ text: "thinking", deltas: 1 }),
          FakeModel.message("PLAN-2"),
          FakeModel.message("DONE-2")
        )

        yield* Effect.scoped(Effect.gen(function*() {
          const child = yield* spawn("wait", "b")
          yield* model.waitForRequests(1).pipe(Effect.timeout("90 seconds"))
          yield* child.kill9
        }))

        const result = yield* Effect.scoped(Effect.gen(function*() {
          const child = yield* spawn("approve", "b")
          return yield* child.waitForLine(/^RESULT b /, "120 seconds")
        }))
        assert.strictEqual(result, "RESULT b PLAN-2 / approved / DONE-2")
        const sent = yield* texts
        // the plan turn twice (its first run died with its app-server), the implement turn once
        assert.strictEqual(sent.length, 3)
        assert.strictEqual(sent.filter((t) => t === planPrompt("b")).length, 2)
        assert.strictEqual(sent.filter((t) => t === implementPrompt("b")).length, 1)
        // the implement turn's request carries the completed plan turn (history restored from SQLite)
        const requests = yield* model.requests
        const last = JSON.stringify(requests[2])
        assert.include(last, planPrompt("b"))
        assert.include(last, "PLAN-2")
      }).pipe(Effect.scoped),
    { timeout: 240_000 }
  )
})
