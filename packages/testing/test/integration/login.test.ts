/**
 * Login flows on the real app-server with a provider that requires OpenAI auth
 * (python-sdk-behaviour §8, §10.2 test_app_server_login.py; app-server-offline §3 "Auth").
 * Device-code login needs the internet and is not exercised.
 */
import * as Codex from "@effect-codex/core/Codex"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { startThread } from "./helpers.ts"

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")

/** A JWT-shaped (unsigned) ChatGPT access token with the claims codex reads. */
const chatgptAccessToken = (
  claims: { readonly email: string; readonly accountId: string; readonly planType: string }
) =>
  [
    base64url({ alg: "none", typ: "JWT" }),
    base64url({
      email: claims.email,
      exp: Math.floor(Date.now() / 1000) + 3600,
      "https://api.openai.com/auth": {
        chatgpt_account_id: claims.accountId,
        chatgpt_plan_type: claims.planType
      }
    }),
    "signature"
  ].join(".")

/**
 * Runs one turn and returns the Responses request it made (with ChatGPT auth, codex also asks the
 * provider for `/v1/models`, which the FakeModel answers with 404).
 */
const runOnce = (text: string) =>
  Effect.gen(function*() {
    const model = yield* FakeModel.FakeModel
    yield* model.enqueue(FakeModel.message(`answer to ${text}`))
    const thread = yield* startThread()
    yield* thread.run(text)
    const responses = (yield* model.requests).filter((r) => r.path === "/v1/responses")
    const request = responses[responses.length - 1]!
    assert.strictEqual(FakeModel.lastUserText(request), text)
    return request
  })

describe("login", () => {
  it.live("loginApiKey: the next model request carries the key; account() reports apiKey; logout clears it", () =>
    Effect.gen(function*() {
      const codex = yield* Codex.Codex
      const { codexHome } = yield* CodexTest.CodexTest
      const before = yield* codex.account()
      assert.isTrue(before.requiresOpenaiAuth)
      assert.isNull(before.account ?? null)

      yield* codex.loginApiKey("sk-sdk-login-test")
      const account = yield* codex.account()
      assert.deepStrictEqual(account.account, { type: "apiKey" })
      const request = yield* runOnce("with a key")
      assert.strictEqual(FakeModel.header(request, "authorization"), "Bearer sk-sdk-login-test")
      assert.isTrue(NodeFs.existsSync(NodePath.join(codexHome, "auth.json")))

      yield* codex.logout()
      const after = yield* codex.account()
      assert.isNull(after.account ?? null)
      assert.isFalse(NodeFs.existsSync(NodePath.join(codexHome, "auth.json")))
      const anonymous = yield* runOnce("after logout")
      assert.isUndefined(FakeModel.header(anonymous, "authorization"))
    }).pipe(Effect.provide(CodexTest.layer({ requiresAuth: true }))))

  it.live("loginApiKey accepts a Redacted key", () =>
    Effect.gen(function*() {
      const codex = yield* Codex.Codex
      yield* codex.loginApiKey(Redacted.make("sk-redacted-key"))
      assert.deepStrictEqual((yield* codex.account()).account, { type: "apiKey" })
      const request = yield* runOnce("redacted")
      assert.strictEqual(FakeModel.header(request, "authorization"), "Bearer sk-redacted-key")
    }).pipe(Effect.provide(CodexTest.layer({ requiresAuth: true }))))

  it.live("ChatGPT tokens through the low-level client: the model request carries the bearer token", () =>
    Effect.gen(function*() {
      const codex = yield* Codex.Codex
      const accessToken = chatgptAccessToken({ email: "sdk@example.com", accountId: "acct-123", planType: "plus" })
      const response = yield* codex.client.request("account/login/start", {
        type: "chatgptAuthTokens",
        accessToken,
        chatgptAccountId: "acct-123",
        chatgptPlanType: "plus"
      })
      assert.strictEqual(response.type, "chatgptAuthTokens")
      // (account/read is not called here: for ChatGPT auth it runs a workspace-routing discovery
      // against chatgpt.com, which fails offline)
      const request = yield* runOnce("with chatgpt tokens")
      assert.strictEqual(FakeModel.header(request, "authorization"), `Bearer ${accessToken}`)
      assert.strictEqual(FakeModel.header(request, "chatgpt-account-id"), "acct-123")
    }).pipe(Effect.provide(CodexTest.layer({ requiresAuth: true }))))

  // The ChatGPT browser login binds the fixed port 1455: this is the only test that starts one.
  it.live("loginChatgpt returns a handle with the auth URL; cancel ends the login", () =>
    Effect.gen(function*() {
      const codex = yield* Codex.Codex
      const handle = yield* codex.loginChatgpt()
      assert.isString(handle.loginId)
      assert.isAbove(handle.loginId.length, 0)
      const url = new URL(handle.authUrl)
      assert.strictEqual(url.protocol, "https:")
      assert.match(url.searchParams.get("redirect_uri") ?? "", /^http:\/\/(localhost|127\.0\.0\.1):1455\//)
      const cancelled = yield* handle.cancel
      assert.strictEqual(cancelled.status, "canceled")
      const completed = yield* handle.wait.pipe(Effect.timeout("20 seconds"))
      assert.strictEqual(completed.loginId, handle.loginId)
      assert.isFalse(completed.success)
      // cancelling again: the login is gone
      const again = yield* handle.cancel
      assert.strictEqual(again.status, "notFound")
      assert.isNull((yield* codex.account()).account ?? null)
    }).pipe(Effect.provide(CodexTest.layer({ requiresAuth: true }))))
})
