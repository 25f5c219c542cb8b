/**
 * What `runtimes.test.ts` runs under Bun and Deno (not a vitest file): `<runtime> scenarios.ts
 * <scenario>` prints `RESULT <name> <json>` lines that the test checks, or `FAILED <error>`.
 *
 * - `stdio`: a `CodexTest.layer` test: the real binary over stdio against `FakeModel`.
 * - `ws`: a listener with `--ws-auth capability-token`, reached with the runtime's own WebSocket
 *   (`SocketTransport.layerWebSocketConstructorGlobal`): a turn with the token, then a refused one.
 * - `binary`: `CodexBinary.resolve` of an existing binary and `NodeCodex.layer` with an existing
 *   cwd, which without read permission (Deno) must say so instead of "not found".
 */
import * as AppServerClient from "@effect-codex/core/AppServerClient"
import * as Codex from "@effect-codex/core/Codex"
import * as SocketTransport from "@effect-codex/core/SocketTransport"
import * as CodexBinary from "@effect-codex/node/CodexBinary"
import * as NodeCodex from "@effect-codex/node/NodeCodex"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as CodexTestRemote from "@effect-codex/testing/CodexTestRemote"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

const print = (name: string, value: unknown) =>
  Effect.sync(() => console.log(`RESULT ${name} ${JSON.stringify(value)}`))

const TOKEN = "runtime-token-0123456789abcdef"

const sha256Hex = (text: string) =>
  Effect.promise(async () => {
    const digest = await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))
    return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("")
  })

const stdio = Effect.gen(function*() {
  const model = yield* FakeModel.FakeModel
  yield* model.enqueue(FakeModel.message("Hello over stdio."))
  const codex = yield* Codex.Codex
  const { workspace } = yield* CodexTest.CodexTest
  const result = yield* (yield* codex.threadStart({ cwd: workspace })).run("hi")
  yield* print("stdio", { status: result.status, finalResponse: result.finalResponse })
}).pipe(Effect.provide(CodexTest.layer()))

const ws = Effect.gen(function*() {
  const model = yield* FakeModel.FakeModel
  const { listener } = yield* CodexTestRemote.listen({
    transport: "ws",
    wsAuth: { mode: "capability-token", tokenSha256: yield* sha256Hex(TOKEN) }
  })
  const connect = (token: string) =>
    Codex.layer.pipe(
      Layer.provideMerge(AppServerClient.layer()),
      Layer.provideMerge(SocketTransport.layer({ url: listener.url, auth: SocketTransport.capabilityToken(token) })),
      Layer.provide(SocketTransport.layerWebSocketConstructorGlobal)
    )
  yield* model.enqueue(FakeModel.message("Hello over ws."))
  const result = yield* Effect.gen(function*() {
    const codex = yield* Codex.Codex
    return yield* (yield* codex.threadStart()).run("hi")
  }).pipe(Effect.provide(connect(TOKEN)))
  yield* print("ws", { status: result.status, finalResponse: result.finalResponse })
  const refused = yield* Effect.flip(Effect.scoped(Layer.build(connect("wrong-token"))))
  yield* print("refused", { tag: refused._tag, status: "status" in refused ? refused.status : undefined })
}).pipe(Effect.scoped, Effect.provide(FakeModel.layer))

const outcome = <A, E extends { readonly _tag: string; readonly message: string }>(
  effect: Effect.Effect<A, E>
) =>
  Effect.map(
    Effect.result(effect),
    (result) =>
      result._tag === "Success" ? { tag: "Success" } : { tag: result.failure._tag, message: result.failure.message }
  )

const binary = Effect.gen(function*() {
  yield* print("bundled", yield* outcome(CodexBinary.resolve()))
  const tmp = globalThis.process.env.TMPDIR ?? "/tmp"
  yield* print("cwd", yield* outcome(Effect.scoped(Layer.build(NodeCodex.layer({ cwd: tmp })))))
})

const scenarios: Record<string, Effect.Effect<void, unknown>> = { stdio, ws, binary }
const name = globalThis.process.argv.at(-1) ?? ""
const chosen = scenarios[name]
await Effect.runPromise(
  (chosen ?? Effect.fail(`unknown scenario ${name}`)).pipe(
    Effect.catchCause((cause) => Effect.sync(() => console.log(`FAILED ${String(cause)}`)))
  )
)
