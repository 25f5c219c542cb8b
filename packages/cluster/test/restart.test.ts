/**
 * The embedded cluster across real process restarts (`fixtures/embedded.ts`, one program per run,
 * each with a fresh CODEX_HOME, all on one SQLite file): a persisted turn result is returned by a
 * later process without a model request; a process SIGKILLed mid-turn is followed by one whose
 * retry with the same idempotency key runs the turn again and completes; the thread's history
 * (restored from the database into each new app-server) reaches the model.
 */
import * as FakeModel from "@effect-codex/testing/FakeModel"
import * as FakeModelRequest from "@effect-codex/testing/FakeModelRequest"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Processes from "./support/processes.ts"

const program = fileURLToPath(new URL("./fixtures/embedded.ts", import.meta.url))

describe("CodexCluster.layerEmbedded across process restarts", () => {
  it.live("results and history survive; a turn killed mid-way runs again on retry", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.make
      const dir = yield* Effect.acquireRelease(
        Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "cluster-restart-"))),
        (d) => Effect.sync(() => fs.rmSync(d, { recursive: true, force: true }))
      )
      const env = { DB_FILE: path.join(dir, "cluster.db"), FAKE_MODEL_PORT: String(model.port) }
      /** One run of the program to its RESULT line: [turnId, finalResponse]. */
      const run = (key: string, text: string) =>
        Effect.scoped(Effect.gen(function*() {
          const child = yield* Processes.spawnNode(program, { env, args: [key, text] })
          const line = yield* child.waitForLine(/^RESULT /, "90 seconds")
          const [, , turnId, ...answer] = line.split(" ")
          return [turnId!, answer.join(" ")] as const
        }))

      yield* model.enqueue(FakeModel.message("noted: PINEAPPLE"))
      const [firstTurn, firstAnswer] = yield* run("r-1", "remember the word PINEAPPLE")
      assert.strictEqual(firstAnswer, "noted: PINEAPPLE")

      // a new process: the stored result, no model request
      const [againTurn, againAnswer] = yield* run("r-1", "remember the word PINEAPPLE")
      assert.deepStrictEqual([againTurn, againAnswer], [firstTurn, firstAnswer])
      assert.strictEqual(yield* model.requestCount, 1)

      // killed mid-turn, then retried with the same key by a new process: the turn runs again
      yield* model.enqueue(FakeModel.stall({ text: "working", deltas: 1 }), FakeModel.message("done after the restart"))
      yield* Effect.scoped(Effect.gen(function*() {
        const child = yield* Processes.spawnNode(program, { env, args: ["r-2", "do the work"] })
        yield* model.waitForRequests(2)
        yield* child.kill9
      }))
      const [, retried] = yield* run("r-2", "do the work")
      assert.strictEqual(retried, "done after the restart")

      // the history reached each new app-server from the database
      yield* model.enqueue(FakeModel.message("it was PINEAPPLE"))
      const [, last] = yield* run("r-3", "which word?")
      assert.strictEqual(last, "it was PINEAPPLE")
      const requests = yield* model.requests
      assert.include(FakeModelRequest.userTexts(requests[requests.length - 1]!).join("\n"), "PINEAPPLE")
    }).pipe(Effect.scoped), { timeout: 240_000 })
})
