/**
 * Captures real app-server traffic for the protocol tests.
 *
 *   pnpm exec node scripts/capture-protocol.ts
 *
 * Drives the pinned `codex app-server` through the SDK (NodeTransport → AppServerClient → Codex),
 * offline against a `FakeModel`, across the scenarios of app-server-offline.md §5, and records
 * every raw line in both directions (a recording decorator around the `Transport` service) into
 * `packages/testing/test/fixtures/app-server-lines.ndjson`, one record per line:
 *
 *   {"conn":1,"scenario":"basic","from":"client"|"server","line":"<the raw line, unchanged>"}
 *
 * Request ids are per connection (`conn`). Lines are kept verbatim and all of them are kept
 * (about 260 KiB today); only if the capture grows beyond `MAX_BYTES` are notifications whose
 * method and shape (key paths, values ignored) were already seen a few times dropped.
 */
import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
import * as NodePath from "@effect/platform-node-shared/NodePath"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as ApprovalHandler from "../packages/core/src/ApprovalHandler.ts"
import * as AppServerClient from "../packages/core/src/AppServerClient.ts"
import * as Codex from "../packages/core/src/Codex.ts"
import * as Notification from "../packages/core/src/Notification.ts"
import * as Sandbox from "../packages/core/src/Sandbox.ts"
import { Transport } from "../packages/core/src/Transport.ts"
import * as ClientOptions from "../packages/node/src/internal/clientOptions.ts"
import type * as NodeCodex from "../packages/node/src/NodeCodex.ts"
import * as NodeTransport from "../packages/node/src/NodeTransport.ts"
import * as CodexHome from "../packages/testing/src/CodexHome.ts"
import * as CodexTest from "../packages/testing/src/CodexTest.ts"
import * as FakeModel from "../packages/testing/src/FakeModel.ts"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const outFile = Path.join(root, "packages/testing/test/fixtures/app-server-lines.ndjson")

// =============================================================================
// Recording
// =============================================================================

interface Record {
  readonly conn: number
  readonly scenario: string
  readonly from: "client" | "server"
  readonly line: string
}

const records: Array<Record> = []
let scenario = "handshake"

/** Wraps the `Transport` below it: every line sent or received is recorded, unchanged. */
const recording = (conn: number): Layer.Layer<Transport, never, Transport> =>
  Layer.effect(
    Transport,
    Effect.gen(function*() {
      const inner = yield* Transport
      return Transport.of({
        send: (line) =>
          Effect.andThen(Effect.sync(() => records.push({ conn, scenario, from: "client", line })), inner.send(line)),
        incoming: inner.incoming.pipe(
          Stream.tap((line) => Effect.sync(() => records.push({ conn, scenario, from: "server", line })))
        )
      })
    })
  )

/** `Codex` + `AppServerClient` on a spawned app-server, with the recording decorator in between. */
const connection = (
  conn: number,
  env: Readonly<globalThis.Record<string, string | undefined>>,
  cwd: string,
  handlers: ApprovalHandler.Handlers = {}
) => {
  const options: NodeCodex.Options = { cwd, env }
  return Codex.layer.pipe(
    Layer.provideMerge(AppServerClient.layer(ClientOptions.clientOptions(options))),
    Layer.provide(recording(conn).pipe(Layer.provide(NodeTransport.layer(options)))),
    Layer.provide(ApprovalHandler.layer(handlers))
  )
}

// =============================================================================
// Scenarios
// =============================================================================

const step = <A, E, R>(name: string, effect: Effect.Effect<A, E, R>) =>
  Effect.suspend(() => {
    scenario = name
    return effect
  }).pipe(
    Effect.timeout("60 seconds"),
    Effect.tap(() => Effect.sync(() => console.log(`  ok ${name}`))),
    Effect.tapError((e) => Effect.sync(() => console.error(`  FAILED ${name}: ${String(e)}`)))
  )

const isDelta = (e: Notification.Notification) => Notification.is("item/agentMessage/delta")(e)

/** Waits (scoped subscription made before `start`) for a notification that satisfies `pred`. */
const startAndWaitFor = <A, E, R>(
  client: AppServerClient.Service,
  start: Effect.Effect<A, E, R>,
  pred: (n: Notification.Notification) => boolean
): Effect.Effect<A, E | unknown, R | Scope.Scope> =>
  Effect.gen(function*() {
    const events = yield* client.subscribe
    const result = yield* start
    yield* events.pipe(Stream.filter(pred), Stream.runHead, Effect.timeout("30 seconds"))
    return result
  })

const processA = (model: FakeModel.Service, env: globalThis.Record<string, string | undefined>, workspace: string) =>
  Effect.gen(function*() {
    const codex = yield* Codex.Codex
    const client = codex.client

    const basic = yield* step(
      "basic",
      Effect.gen(function*() {
        yield* model.enqueue(
          FakeModel.message("Hello from fake model! You said: remember the word apple", { deltas: 4 })
        )
        const thread = yield* codex.threadStart({ cwd: workspace })
        yield* thread.run("remember the word apple")
        return thread
      })
    )

    yield* step(
      "raw thread/start",
      Effect.gen(function*() {
        yield* client.request("thread/start", { cwd: workspace })
        yield* client.request("thread/start", { ephemeral: true })
      })
    )

    yield* step(
      "reasoning",
      Effect.gen(function*() {
        yield* model.enqueue(
          FakeModel.response([
            FakeModel.reasoning(["Thinking about the question", "Second thought"], { deltas: 2 }),
            FakeModel.message("The answer is 42", { deltas: 2, phase: "final_answer" })
          ])
        )
        const thread = yield* codex.threadStart({ cwd: workspace })
        yield* thread.run("think hard", { effort: "high", summary: "concise" })
      })
    )

    yield* step(
      "structured output",
      Effect.gen(function*() {
        yield* model.enqueue(FakeModel.message(JSON.stringify({ answer: "42" })))
        const thread = yield* codex.threadStart({ cwd: workspace })
        yield* thread.run("answer in JSON", { outputSchema: Schema.Struct({ answer: Schema.String }) })
      })
    )

    // Approvals: a thread with approvalPolicy "untrusted" and a writable workspace.
    const untrusted = yield* step(
      "approvalUntrusted accept",
      Effect.gen(function*() {
        const { thread } = yield* client.request("thread/start", {
          cwd: workspace,
          approvalPolicy: "untrusted",
          sandbox: "workspace-write"
        })
        yield* model.enqueue(
          FakeModel.execCommand("touch made-by-codex.txt && echo done"),
          FakeModel.message("I ran it")
        )
        const t = codex.thread(thread.id)
        yield* t.run("create a file")
        return t
      })
    )

    yield* step(
      "approvalDecline",
      Effect.gen(function*() {
        yield* model.enqueue(FakeModel.execCommand("echo decline-me"), FakeModel.message("It was declined"))
        yield* untrusted.run("run echo")
      })
    )

    yield* step(
      "approvalOnRequest escalate",
      Effect.gen(function*() {
        const thread = yield* codex.threadStart({ cwd: workspace, approvalMode: "manual", sandbox: Sandbox.readOnly })
        yield* model.enqueue(
          FakeModel.execCommand("echo escalated", { escalate: true }),
          FakeModel.message("Escalated command ran")
        )
        yield* thread.run("run outside the sandbox")
      })
    )

    yield* step(
      "fileChange",
      Effect.gen(function*() {
        yield* model.enqueue(
          FakeModel.applyPatch([FakeModel.addFile("hello.txt", "hello from apply_patch\n")]),
          FakeModel.message("Patched")
        )
        yield* untrusted.run("add a file")
      })
    )

    yield* step(
      "command output",
      Effect.gen(function*() {
        const thread = yield* codex.threadStart({ cwd: workspace, approvalMode: "denyAll" })
        yield* model.enqueue(
          FakeModel.execCommand("echo line one; echo line two; exit 3"),
          FakeModel.message("The command exited with 3")
        )
        yield* thread.run("run a failing command")
      })
    )

    yield* step(
      "interrupt",
      Effect.gen(function*() {
        yield* model.enqueue(FakeModel.stall({ text: "A long answer that never ends", deltas: 2 }))
        const thread = yield* codex.threadStart({ cwd: workspace })
        const handle = yield* thread.turn("talk forever")
        let interrupted = false
        yield* handle.stream.pipe(
          Stream.tap((e) =>
            isDelta(e) && !interrupted
              ? Effect.andThen(Effect.sync(() => (interrupted = true)), handle.interrupt)
              : Effect.void
          ),
          Stream.runDrain
        )
      })
    )

    yield* step(
      "steer",
      Effect.gen(function*() {
        yield* model.enqueue(
          FakeModel.stall({ text: "Working on the first part", deltas: 1 }),
          FakeModel.message("Steered answer")
        )
        const thread = yield* codex.threadStart({ cwd: workspace })
        const handle = yield* thread.turn("start something")
        let steered = false
        yield* handle.stream.pipe(
          Stream.tap((e) =>
            isDelta(e) && !steered
              ? Effect.andThen(Effect.sync(() => (steered = true)), handle.steer("actually, do this instead"))
              : Effect.void
          ),
          Stream.runDrain
        )
      })
    )

    yield* step("name set", basic.setName("apple thread"))

    yield* step(
      "compaction",
      Effect.scoped(
        startAndWaitFor(
          client,
          Effect.andThen(model.enqueue(FakeModel.message("Summary: the user asked to remember apple.")), basic.compact),
          (n) => Notification.is("turn/completed")(n) && n.params.threadId === basic.id
        )
      )
    )

    yield* step(
      "failing model",
      Effect.gen(function*() {
        const thread = yield* codex.threadStart({ cwd: workspace })
        yield* model.enqueue(FakeModel.failed("fake failure requested"))
        yield* Effect.flip(thread.run("please fail"))
        yield* model.enqueue(FakeModel.httpError(401))
        yield* Effect.flip(thread.run("please fail with 401"))
        yield* model.enqueue(FakeModel.httpError(500))
        yield* Effect.flip(thread.run("please fail with 500"))
      })
    )

    yield* step(
      "model/list",
      Effect.gen(function*() {
        yield* codex.models()
        yield* codex.models({ includeHidden: true })
        yield* client.request("model/list", { limit: 2 })
        yield* client.requestUnknown("modelProvider/list", {})
      })
    )

    yield* step("account/read", codex.account())

    yield* step(
      "list/read/fork/archive/unarchive/resume",
      Effect.gen(function*() {
        yield* codex.threadList({})
        yield* codex.threadList({ limit: 2, sortKey: "updated_at" })
        yield* basic.read({ includeTurns: true })
        yield* basic.read()
        yield* client.request("thread/turns/list", { threadId: basic.id })
        yield* client.request("thread/loaded/list", {})
        const fork = yield* codex.threadFork(basic.id, { includeTurns: false })
        yield* Effect.scoped(
          startAndWaitFor(
            client,
            codex.threadArchive(fork.id),
            (n) => Notification.is("thread/archived")(n)
          )
        )
        yield* codex.threadList({ archived: true })
        yield* Effect.scoped(
          startAndWaitFor(
            client,
            codex.threadUnarchive(fork.id),
            (n) => Notification.is("thread/unarchived")(n)
          )
        )
        yield* codex.threadResume(fork.id)
        yield* codex.threadFork(basic.id)
      })
    )

    yield* step(
      "errors",
      Effect.gen(function*() {
        yield* Effect.flip(client.requestUnknown("nope/nope", {}))
        yield* Effect.flip(client.requestUnknown("thread/read", { threadId: 42 }))
        yield* Effect.flip(client.request("thread/read", { threadId: "00000000-0000-4000-8000-000000000000" }))
        yield* Effect.flip(
          client.request("turn/steer", {
            threadId: basic.id,
            expectedTurnId: "nope",
            input: [{ type: "text", text: "hi", text_elements: [] }]
          })
        )
      })
    )
    return basic.id
  }).pipe(
    Effect.provide(
      connection(1, env, workspace, {
        "item/commandExecution/requestApproval": (params, request) =>
          params.command?.includes("decline-me")
            ? ApprovalHandler.defaults["item/commandExecution/requestApproval"](params, request)
            : Effect.succeed({ decision: "accept" as const }),
        "item/fileChange/requestApproval": () => Effect.succeed({ decision: "accept" as const })
      })
    )
  )

/** A second process on the same CODEX_HOME: the thread of process A is persisted. */
const processB = (
  model: FakeModel.Service,
  env: globalThis.Record<string, string | undefined>,
  workspace: string,
  threadId: string
) =>
  step(
    "persistence",
    Effect.gen(function*() {
      const codex = yield* Codex.Codex
      yield* codex.threadList({})
      yield* codex.thread(threadId).read({ includeTurns: true })
      const thread = yield* codex.threadResume(threadId)
      yield* model.enqueue(FakeModel.message("The word was apple"))
      yield* thread.run("what word?")
    }).pipe(Effect.provide(connection(2, env, workspace)))
  )

/** A provider that requires OpenAI auth: the API key login flow. */
const processC = (model: FakeModel.Service, env: globalThis.Record<string, string | undefined>, workspace: string) =>
  step(
    "login apiKey (requiresAuth)",
    Effect.gen(function*() {
      const codex = yield* Codex.Codex
      yield* codex.account()
      yield* Effect.scoped(
        startAndWaitFor(
          codex.client,
          codex.loginApiKey("sk-e2e-login"),
          (n) => Notification.is("account/updated")(n)
        )
      )
      yield* codex.account()
      const thread = yield* codex.threadStart({ cwd: workspace })
      yield* model.enqueue(FakeModel.message("Authenticated hello"))
      yield* thread.run("hello with auth")
      yield* Effect.scoped(
        startAndWaitFor(
          codex.client,
          codex.logout(),
          (n) => Notification.is("account/updated")(n)
        )
      )
      yield* codex.account()
    }).pipe(Effect.provide(connection(3, env, workspace)))
  )

// =============================================================================
// Bounding the file
// =============================================================================

/** The shape of a JSON value: its sorted key paths (array elements merged), values ignored. */
const shapeOf = (value: unknown, prefix = "", out = new Set<string>()): Set<string> => {
  if (Array.isArray(value)) {
    for (const v of value) shapeOf(v, `${prefix}[]`, out)
    if (value.length === 0) out.add(`${prefix}[]`)
  } else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) shapeOf(v, `${prefix}.${k}`, out)
  } else {
    // keep the discriminating string values of `type`/`status`-like keys in the shape
    const key = prefix.slice(prefix.lastIndexOf(".") + 1)
    out.add(/^(type|status|method|kind)$/.test(key) ? `${prefix}=${String(value)}` : `${prefix}:${typeof value}`)
  }
  return out
}

const MAX_PER_SHAPE = 3
/** Above this size the repeated notifications are dropped (see `bound`). */
const MAX_BYTES = 1_500_000

/**
 * Drops repeated notifications of the same method and shape (beyond `MAX_PER_SHAPE`). Requests,
 * responses and server requests are all kept (they are few and matched by id).
 */
const bound = (all: ReadonlyArray<Record>): ReadonlyArray<Record> => {
  const seen = new Map<string, number>()
  return all.filter((r) => {
    let message: { readonly method?: unknown; readonly id?: unknown; readonly params?: unknown }
    try {
      message = JSON.parse(r.line)
    } catch {
      return true
    }
    if (typeof message.method !== "string" || "id" in message) return true
    const key = `${r.from} ${message.method} ${[...shapeOf(message.params)].toSorted().join(",")}`
    const n = (seen.get(key) ?? 0) + 1
    seen.set(key, n)
    return n <= MAX_PER_SHAPE
  })
}

// =============================================================================
// Main
// =============================================================================

const main = Effect.gen(function*() {
  const model = yield* FakeModel.FakeModel
  const homeA = yield* CodexHome.makeTemp({ port: model.port })
  const homeC = yield* CodexHome.makeTemp({ port: model.port, requiresOpenaiAuth: true })
  const workspace = Fs.realpathSync(Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-codex-capture-")))
  yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(workspace, { recursive: true, force: true })))

  console.log("process A")
  const threadId = yield* processA(model, { ...CodexTest.testEnv(homeA) }, workspace)
  console.log("process B")
  yield* processB(model, { ...CodexTest.testEnv(homeA) }, workspace, threadId)
  console.log("process C")
  yield* processC(model, { ...CodexTest.testEnv(homeC) }, workspace)
  yield* model.assertNoUnexpectedRequests

  const all = records.map((r) => JSON.stringify(r)).join("\n") + "\n"
  console.log(`captured ${records.length} lines (${(Buffer.byteLength(all) / 1024).toFixed(0)} KiB)`)
  const kept = Buffer.byteLength(all) > MAX_BYTES ? bound(records) : records
  const text = kept.map((r) => JSON.stringify(r)).join("\n") + "\n"
  Fs.mkdirSync(Path.dirname(outFile), { recursive: true })
  Fs.writeFileSync(outFile, text)
  console.log(
    `wrote ${kept.length} of ${records.length} lines (${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB) to ${
      Path.relative(root, outFile)
    }`
  )
}).pipe(
  Effect.scoped,
  Effect.provide([FakeModel.layer, NodeFileSystem.layer, NodePath.layer])
)

const started = Date.now()
Effect.runPromise(main).then(
  () => console.log(`done in ${Duration.format(Duration.millis(Date.now() - started))}`),
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
