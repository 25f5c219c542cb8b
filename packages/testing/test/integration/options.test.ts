/**
 * Options rejected locally: every bad option fails with `InvalidOptionError` naming the option, and
 * NOTHING is sent (python-sdk-behaviour §3.1, §3.8, §7; §10.2 test_public_api_runtime_behavior.py and
 * the runtime-gating cases of test_client_rpc_methods.py).
 *
 * "Nothing is sent" is checked on the in-memory `FakeAppServer` (it records every message the client
 * writes), and on the real app-server through the model (no request) and the thread (no turn).
 */
import * as ApprovalMode from "@effect-codex/core/ApprovalMode"
import * as AppServerClient from "@effect-codex/core/AppServerClient"
import * as Codex from "@effect-codex/core/Codex"
import type * as Errors from "@effect-codex/core/Errors"
import * as Inputs from "@effect-codex/core/Inputs"
import * as Sandbox from "@effect-codex/core/Sandbox"
import type * as Thread from "@effect-codex/core/Thread"
import * as Version from "@effect-codex/core/Version"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as FakeAppServer from "@effect-codex/testing/FakeAppServer"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { makeHandle } from "../../../core/src/internal/collect.ts"
import { isDelta, startThread } from "./helpers.ts"

// -----------------------------------------------------------------------------------------------
// In-memory app-server
// -----------------------------------------------------------------------------------------------

const THREAD = "thr_fake"
const TURN = "turn_fake"

/** A `turn/start` that answers with a turn and completes it at once (events before the response). */
const turnStart: FakeAppServer.Handler = (params, { server }) =>
  server.notify("turn/completed", {
    threadId: (params as { readonly threadId: string }).threadId,
    turn: { id: TURN, items: [], status: "completed", error: null }
  }).pipe(Effect.as({ turn: { id: TURN, items: [], status: "inProgress", error: null } }))

/** Methods the fake answers with a JSON-RPC error (so that a request that does go out is visible). */
const refuse: FakeAppServer.Handler = () => Effect.fail({ code: -32600, message: "refused by the fake" })

const fakeLayer = (version = "0.171.0") =>
  Codex.layer.pipe(
    Layer.provideMerge(AppServerClient.layer()),
    Layer.provideMerge(FakeAppServer.layer({
      initialize: { ...FakeAppServer.defaultInitialize, serverInfo: { name: "codex-cli", version } },
      handlers: {
        "turn/start": turnStart,
        "thread/resume": refuse,
        "thread/fork": refuse,
        "thread/start": refuse
      }
    }))
  )

/** The methods of every request and notification the client wrote, in order. */
const sentMethods = Effect.gen(function*() {
  const server = yield* FakeAppServer.FakeAppServer
  const messages = yield* server.received
  return messages.flatMap((m) => typeof m["method"] === "string" ? [m["method"] as string] : [])
})

/** Fails unless `effect` fails with InvalidOptionError for `option`, mentioning `mention`, and sent no `method`. */
const rejects = <A, E extends { readonly _tag: string }, R>(
  effect: Effect.Effect<A, E, R>,
  expected: { readonly option: string; readonly mention: string | RegExp; readonly method: string }
) =>
  Effect.gen(function*() {
    const before = yield* sentMethods
    const error = yield* Effect.flip(effect)
    assert.strictEqual(error._tag, "InvalidOptionError", JSON.stringify(error))
    const invalid = error as unknown as Errors.InvalidOptionError
    assert.strictEqual(invalid.option, expected.option)
    if (typeof expected.mention === "string") assert.include(invalid.message, expected.mention)
    else assert.match(invalid.message, expected.mention)
    const after = yield* sentMethods
    assert.deepStrictEqual(after.slice(before.length), [], `sent ${after.slice(before.length).join(", ")}`)
    assert.notInclude(after, expected.method)
    return invalid
  })

const bad = <A>(value: unknown): A => value as A

describe("options rejected locally (nothing sent)", () => {
  it.effect("the fake records what a valid call sends (the check can fail)", () =>
    Effect.gen(function*() {
      const codex = yield* Codex.Codex
      assert.deepStrictEqual(yield* sentMethods, ["initialize", "initialized"])
      const error = yield* Effect.flip(codex.threadStart({ approvalMode: ApprovalMode.manual }))
      assert.strictEqual(error._tag, "InvalidRequestError")
      const result = yield* codex.thread(THREAD).run("hi")
      assert.strictEqual(result.status, "completed")
      assert.deepStrictEqual(yield* sentMethods, ["initialize", "initialized", "thread/start", "turn/start"])
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("approvalMode: threadStart, threadResume, threadFork, run, turn", () =>
    Effect.gen(function*() {
      const codex = yield* Codex.Codex
      const thread = codex.thread(THREAD)
      // (null, like undefined, means "not given": the default applies)
      for (const mode of ["allow_all", "auto_review", "deny_all", "AutoReview", "", 1, {}]) {
        const approvalMode = bad<ApprovalMode.ApprovalMode>(mode)
        const expected = { option: "approvalMode", mention: "approvalMode must be one of: denyAll, autoReview, manual" }
        yield* rejects(codex.threadStart({ approvalMode }), { ...expected, method: "thread/start" })
        yield* rejects(codex.threadResume(THREAD, { approvalMode }), { ...expected, method: "thread/resume" })
        yield* rejects(codex.threadFork(THREAD, { approvalMode }), { ...expected, method: "thread/fork" })
        yield* rejects(thread.run("hi", { approvalMode }), { ...expected, method: "turn/start" })
        yield* rejects(thread.turn("hi", { approvalMode }), { ...expected, method: "turn/start" })
      }
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("sandbox: raw strings, malformed presets, turn-only options on a thread", () =>
    Effect.gen(function*() {
      const codex = yield* Codex.Codex
      const thread = codex.thread(THREAD)
      for (const value of ["workspace", "read-only", "workspace-write", { _tag: "Nope" }, { _tag: "ReadOnly" }]) {
        const sandbox = bad<Sandbox.Sandbox>(value)
        const expected = { option: "sandbox", mention: "sandbox" }
        yield* rejects(codex.threadStart({ sandbox }), { ...expected, method: "thread/start" })
        yield* rejects(codex.threadResume(THREAD, { sandbox }), { ...expected, method: "thread/resume" })
        yield* rejects(codex.threadFork(THREAD, { sandbox }), { ...expected, method: "thread/fork" })
        yield* rejects(thread.run("hi", { sandbox }), { ...expected, method: "turn/start" })
      }
      yield* rejects(codex.threadStart({ sandbox: bad("workspace") }), {
        option: "sandbox",
        mention: "sandbox must be one of: Sandbox.readOnly, Sandbox.workspaceWrite, Sandbox.fullAccess",
        method: "thread/start"
      })
      yield* rejects(codex.threadStart({ sandbox: Sandbox.workspaceWriteWith({ networkAccess: true }) }), {
        option: "sandbox",
        mention: "apply to turns only",
        method: "thread/start"
      })
      yield* rejects(thread.run("hi", { sandbox: Sandbox.workspaceWriteWith({ writableRoots: ["relative/dir"] }) }), {
        option: "sandbox",
        mention: "writableRoots",
        method: "turn/start"
      })
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("inputs: ExternalMessage with a blank tool name, inside a list, or to steer; unsupported items", () =>
    Effect.gen(function*() {
      const codex = yield* Codex.Codex
      const thread = codex.thread(THREAD)
      for (const toolName of ["", "   ", bad<string>(undefined), bad<string>(7)]) {
        yield* rejects(thread.run(Inputs.externalMessage(toolName, "content")), {
          option: "input",
          mention: "ExternalMessage.toolName must be a nonempty string",
          method: "turn/start"
        })
      }
      yield* rejects(thread.run(Inputs.externalMessage("tool", bad(42))), {
        option: "input",
        mention: "ExternalMessage.content",
        method: "turn/start"
      })
      yield* rejects(thread.run(bad(["hi", Inputs.externalMessage("ci", "green")])), {
        option: "input",
        mention: "an ExternalMessage must be passed alone, not inside a list",
        method: "turn/start"
      })
      yield* rejects(thread.turn(bad([Inputs.externalMessage("ci", "green")])), {
        option: "input",
        mention: "not inside a list",
        method: "turn/start"
      })
      for (const item of [42, null, { type: "text", text: "no tag" }, { _tag: "Audio" }]) {
        yield* rejects(thread.run(bad(item)), {
          option: "input",
          mention: "unsupported input item",
          method: "turn/start"
        })
        yield* rejects(thread.run(bad(["ok", item])), {
          option: "input",
          mention: "unsupported input item",
          method: "turn/start"
        })
      }
      yield* rejects(thread.run(bad({ _tag: "ImageInput", url: 5 })), {
        option: "input",
        mention: "ImageInput.url must be a string",
        method: "turn/start"
      })
      yield* rejects(thread.run(bad([Inputs.skill("s", bad(undefined))])), {
        option: "input",
        mention: "SkillInput.path must be a string",
        method: "turn/start"
      })
      yield* rejects(thread.run(bad({ _tag: "TextInput", text: 1 })), {
        option: "input",
        mention: "TextInput.text must be a string",
        method: "turn/start"
      })
      const handle = makeHandle(codex.client, THREAD, TURN, undefined)
      yield* rejects(handle.steer(bad(Inputs.externalMessage("ci", "green"))), {
        option: "input",
        mention: "turn/steer does not accept an ExternalMessage",
        method: "turn/steer"
      })
      yield* rejects(handle.steer(bad(["more", Inputs.externalMessage("ci", "green")])), {
        option: "input",
        mention: "turn/steer does not accept an ExternalMessage",
        method: "turn/steer"
      })
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("turn options: source, turnServiceTier, outputSchema, and schema-checked params", () =>
    Effect.gen(function*() {
      const codex = yield* Codex.Codex
      const thread = codex.thread(THREAD)
      yield* rejects(thread.run("hi", { source: bad(42) }), {
        option: "source",
        mention: "source",
        method: "turn/start"
      })
      yield* rejects(thread.run("hi", { turnServiceTier: bad(1) }), {
        option: "turnServiceTier",
        mention: "turnServiceTier",
        method: "turn/start"
      })
      for (const outputSchema of ["a string", 42, true]) {
        yield* rejects(thread.run("hi", { outputSchema: bad<Thread.JsonSchemaObject>(outputSchema) }), {
          option: "outputSchema",
          mention: "outputSchema must be a JSON Schema object or an Effect Schema",
          method: "turn/start"
        })
      }
      // the rest is caught by the generated params schema, which names the field
      yield* rejects(thread.run("hi", { model: bad(42) }), { option: "params", mention: "model", method: "turn/start" })
      yield* rejects(thread.run("hi", { cwd: bad(["/tmp"]) }), {
        option: "params",
        mention: "cwd",
        method: "turn/start"
      })
      yield* rejects(thread.turn("hi", { summary: bad("loud") }), {
        option: "params",
        mention: "summary",
        method: "turn/start"
      })
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("thread options: ids, includeTurns, names, schema-checked params", () =>
    Effect.gen(function*() {
      const codex = yield* Codex.Codex
      const thread = codex.thread(THREAD)
      for (const id of ["", "  ", bad<string>(undefined), bad<string>(12)]) {
        const expected = { option: "threadId", mention: "threadId must be a non-empty string" }
        yield* rejects(codex.threadResume(id), { ...expected, method: "thread/resume" })
        yield* rejects(codex.threadFork(id), { ...expected, method: "thread/fork" })
        yield* rejects(codex.threadArchive(id), { ...expected, method: "thread/archive" })
        yield* rejects(codex.threadUnarchive(id), { ...expected, method: "thread/unarchive" })
      }
      for (const includeTurns of ["yes", 1, null]) {
        const expected = { option: "includeTurns", mention: "includeTurns must be a boolean" }
        yield* rejects(codex.threadResume(THREAD, { includeTurns: bad(includeTurns) }), {
          ...expected,
          method: "thread/resume"
        })
        yield* rejects(codex.threadFork(THREAD, { includeTurns: bad(includeTurns) }), {
          ...expected,
          method: "thread/fork"
        })
      }
      yield* rejects(thread.read({ includeTurns: bad("yes") }), {
        option: "params",
        mention: "includeTurns",
        method: "thread/read"
      })
      yield* rejects(thread.setName(bad(42)), {
        option: "name",
        mention: "name must be a string",
        method: "thread/name/set"
      })
      yield* rejects(codex.threadStart({ model: bad(42) }), {
        option: "params",
        mention: "model",
        method: "thread/start"
      })
      yield* rejects(codex.threadStart({ ephemeral: bad("yes") }), {
        option: "params",
        mention: "ephemeral",
        method: "thread/start"
      })
      yield* rejects(codex.threadResume(THREAD, { cwd: bad(1) }), {
        option: "params",
        mention: "cwd",
        method: "thread/resume"
      })
      yield* rejects(codex.threadList({ limit: bad("ten") }), {
        option: "params",
        mention: "limit",
        method: "thread/list"
      })
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("account options: api key, refreshToken, includeHidden", () =>
    Effect.gen(function*() {
      const codex = yield* Codex.Codex
      for (const key of ["", "   ", bad<string>(undefined)]) {
        yield* rejects(codex.loginApiKey(key), {
          option: "apiKey",
          mention: "apiKey must be a non-empty string",
          method: "account/login/start"
        })
      }
      yield* rejects(codex.account({ refreshToken: bad("yes") }), {
        option: "params",
        mention: "refreshToken",
        method: "account/read"
      })
      yield* rejects(codex.models({ includeHidden: bad("yes") }), {
        option: "params",
        mention: "includeHidden",
        method: "model/list"
      })
    }).pipe(Effect.provide(fakeLayer())))
})

describe("version-gated options against an old server (0.147.0)", () => {
  const gated = /Codex CLI 0\.151\.0 or newer is required; reported version is "0\.147\.0"/

  it.effect("turn/start: source, turnServiceTier, ExternalMessage", () =>
    Effect.gen(function*() {
      const codex = yield* Codex.Codex
      assert.strictEqual(codex.client.serverVersion, "0.147.0")
      const thread = codex.thread(THREAD)
      const source = yield* rejects(thread.run("hi", { source: "automation" }), {
        option: "source",
        mention: gated,
        method: "turn/start"
      })
      assert.include(source.message, "turn/start with source (sent as turnTrigger)")
      yield* rejects(thread.turn("hi", { turnServiceTier: "default" }), {
        option: "turnServiceTier",
        mention: gated,
        method: "turn/start"
      })
      yield* rejects(thread.run(Inputs.externalMessage("ci", "green")), {
        option: "ExternalMessage",
        mention: gated,
        method: "turn/start"
      })
      const both = yield* rejects(thread.run("hi", { source: "automation", turnServiceTier: "default" }), {
        option: "source, turnServiceTier",
        mention: gated,
        method: "turn/start"
      })
      assert.include(
        both.message,
        "turn/start with source (sent as turnTrigger), turnServiceTier (sent as serviceTierForTurn)"
      )
    }).pipe(Effect.provide(fakeLayer("0.147.0"))))

  it.effect("thread/resume and thread/fork: includeTurns (sent as excludeTurns)", () =>
    Effect.gen(function*() {
      const codex = yield* Codex.Codex
      for (const includeTurns of [true, false]) {
        yield* rejects(codex.threadResume(THREAD, { includeTurns }), {
          option: "includeTurns",
          mention: gated,
          method: "thread/resume"
        })
        yield* rejects(codex.threadFork(THREAD, { includeTurns }), {
          option: "includeTurns",
          mention: gated,
          method: "thread/fork"
        })
      }
    }).pipe(Effect.provide(fakeLayer("0.147.0"))))

  it.effect("ordinary requests still go out on an old server", () =>
    Effect.gen(function*() {
      const codex = yield* Codex.Codex
      const result = yield* codex.thread(THREAD).run("hi", { model: "any" })
      assert.strictEqual(result.status, "completed")
      const resume = yield* Effect.flip(codex.threadResume(THREAD))
      assert.strictEqual(resume._tag, "InvalidRequestError")
      assert.deepStrictEqual((yield* sentMethods).slice(2), ["turn/start", "thread/resume"])
    }).pipe(Effect.provide(fakeLayer("0.147.0"))))

  for (const version of ["0.149.0", "0.151.0-alpha.6", "unknown"]) {
    it.effect(`a server reporting ${version} is gated too`, () =>
      Effect.gen(function*() {
        const codex = yield* Codex.Codex
        yield* rejects(codex.thread(THREAD).run("hi", { source: "automation" }), {
          option: "source",
          mention: `reported version is ${JSON.stringify(version)}`,
          method: "turn/start"
        })
      }).pipe(Effect.provide(fakeLayer(version))))
  }

  it.effect("Version.gate: rejected and accepted versions", () =>
    Effect.gen(function*() {
      for (const version of ["0.147.0", "0.149.0", "0.151.0-alpha.6", "unknown", "", undefined]) {
        const error = yield* Effect.flip(Version.gate(version, "turn/start", { turnTrigger: "automation" }))
        assert.strictEqual(error.option, "turnTrigger")
        assert.match(error.message, /^turn\/start with turnTrigger: Codex CLI 0\.151\.0 or newer is required/)
      }
      for (
        const version of [
          "0.151.0",
          "codex-cli/0.151.0 (Linux)",
          "codex-cli 0.153.0",
          "0.154.0-alpha.1",
          "0.154.0-alpha.1.2",
          "0.151.0.post1",
          "0.171.0"
        ]
      ) {
        yield* Version.gate(version, "turn/start", { turnTrigger: "automation" })
      }
      // nothing gated is used: never rejected
      yield* Version.gate("0.1.0", "turn/start", {})
      yield* Version.gate(undefined, "turn/start", { turnTrigger: undefined, toolOutput: null })
    }))
})

describe("options rejected locally on the real app-server", () => {
  it.live("bad turn options reach neither the model nor the thread", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      const thread = yield* startThread()
      const attempts: ReadonlyArray<readonly [Effect.Effect<unknown, { readonly _tag: string }>, string]> = [
        [thread.run("hi", { approvalMode: bad("allow_all") }), "approvalMode"],
        [thread.run("hi", { sandbox: bad("workspace") }), "sandbox"],
        [thread.run(Inputs.externalMessage(" ", "x")), "input"],
        [thread.run(bad(["hi", Inputs.externalMessage("ci", "x")])), "input"],
        [thread.turn("hi", { source: bad(1) }), "source"],
        [thread.run("hi", { model: bad(1) }), "params"]
      ]
      for (const [attempt, option] of attempts) {
        const error = yield* Effect.flip(attempt)
        assert.strictEqual(error._tag, "InvalidOptionError")
        assert.strictEqual((error as Errors.InvalidOptionError).option, option)
      }
      assert.deepStrictEqual(yield* model.requests, [])
      // the next valid turn is the thread's first
      yield* model.enqueue(FakeModel.message("finally"))
      const result = yield* thread.run("a valid turn")
      const turns = (yield* thread.read({ includeTurns: true })).thread.turns
      assert.deepStrictEqual(turns.map((t) => t.id), [result.id])
      assert.strictEqual((yield* model.requests).length, 1)
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("steering a live turn with an ExternalMessage is rejected and the turn goes on", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      yield* model.enqueue(FakeModel.stall({ text: "busy", deltas: 1 }))
      const thread = yield* startThread()
      const handle = yield* thread.turn("start")
      const first = yield* handle.stream.pipe(Stream.takeUntil(isDelta), Stream.runCollect)
      assert.isTrue(first.some(isDelta))
      const rest = yield* Effect.forkChild(handle.run, { startImmediately: true })
      const error = yield* Effect.flip(handle.steer(bad(Inputs.externalMessage("ci", "x"))))
      assert.strictEqual(error._tag, "InvalidOptionError")
      assert.strictEqual((error as Errors.InvalidOptionError).option, "input")
      // no new model request: the steer never went out
      assert.strictEqual((yield* model.requests).length, 1)
      yield* handle.interrupt
      assert.strictEqual((yield* Fiber.join(rest)).status, "interrupted")
      assert.strictEqual((yield* model.requests).length, 1)
    }).pipe(Effect.provide(CodexTest.layer())))
})
