/**
 * 11 · Log in with an API key and read the account.
 *
 * `codex.account()` tells whether the provider needs OpenAI auth and who is logged in;
 * `codex.loginApiKey(key)` logs in (codex stores the key in `CODEX_HOME/auth.json`), and
 * `codex.logout()` removes it. Keys are passed as `Redacted` values, so they never show up in logs.
 *
 * The browser and device-code flows are `codex.loginChatgpt()` (open its `authUrl`, then
 * `yield* handle.wait`) and `codex.loginChatgptDeviceCode()` (show `verificationUrl` and
 * `userCode`); they need a person and the network, so this example does not run them.
 *
 * Offline, the FakeModel's provider is configured to require OpenAI auth and a demo key is used.
 * Live, your `OPENAI_API_KEY` is used, and the example does not log you out at the end.
 *
 *     node examples/11-login-and-account.ts
 */
import { Codex } from "@effect-codex/core"
import { FakeModel } from "@effect-codex/testing"
import { NodeRuntime } from "@effect/platform-node"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Backend from "./_backend.ts"

/** The account type of an `account()` response, or "none". */
const describe = ({ account }: { readonly account?: { readonly type: string } | null | undefined }) =>
  account === null || account === undefined ? "none" : account.type

const program = Effect.gen(function*() {
  const codex = yield* Codex.Codex
  const backend = yield* Backend.Backend

  const before = yield* codex.account()
  yield* Console.log(`Account: ${describe(before)} (requires OpenAI auth: ${before.requiresOpenaiAuth})`)

  if (before.account === null || before.account === undefined) {
    const key = Option.getOrElse(backend.apiKey, () => Redacted.make("sk-offline-demo-key"))
    yield* codex.loginApiKey(key)
    yield* Console.log(`Logged in with API key ${key}`)
  } else {
    yield* Console.log("Already logged in: keeping the current login.")
  }

  const after = yield* codex.account()
  yield* Console.log(`Account: ${describe(after)}`)

  const thread = yield* codex.threadStart()
  const result = yield* thread.run("Say hi in five words.")
  yield* Console.log(`Answer: ${result.finalResponse}`)

  if (backend.mode === "offline") {
    yield* codex.logout()
    yield* Console.log(`Logged out. Account: ${describe(yield* codex.account())}`)
  }
})

program.pipe(
  Effect.provide(Backend.layer({
    offline: { requiresAuth: true },
    sessionKey: false,
    script: [FakeModel.message("Hi there, nice to meet you!")]
  })),
  NodeRuntime.runMain
)
