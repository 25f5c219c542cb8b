/**
 * Credentials up front (issue 11.8) on the REAL `codex app-server`: `codex.requireCredentials`
 * fails with a typed `MissingCredentialsError` when the provider requires OpenAI auth and no
 * account is logged in, and passes once one is; a turn whose model keeps answering 401 ends, after
 * the server's own retries ("Reconnecting... n/m", `error` notifications with `willRetry`), in a
 * `TurnFailedError` carrying the server's message and the retries' `additionalDetails`.
 */
import * as Codex from "@effect-codex/core/Codex"
import * as Errors from "@effect-codex/core/Errors"
import * as Notification from "@effect-codex/core/Notification"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { startThread } from "./helpers.ts"

/** The model provider retries twice, as a real provider does (the test default is no retries). */
const retryingProvider = {
  codex: {
    configOverrides: [
      "model_providers.mock_provider.stream_max_retries=2",
      "model_providers.mock_provider.request_max_retries=2"
    ]
  }
}

describe("credentials", () => {
  it.live("requireCredentials fails typed without an account, and passes after a login", () =>
    Effect.gen(function*() {
      const codex = yield* Codex.Codex
      const model = yield* FakeModel.FakeModel
      const error = yield* Effect.flip(codex.requireCredentials())
      assert.instanceOf(error, Errors.MissingCredentialsError)
      assert.strictEqual(error._tag, "MissingCredentialsError")
      assert.include(error.message, "no credentials")
      assert.include(error.message, "OPENAI_API_KEY")
      assert.include(error.message, "codex login")
      assert.strictEqual((yield* model.requests).length, 0)

      yield* codex.loginApiKey("sk-credentials-test")
      const state = yield* codex.requireCredentials()
      assert.isTrue(state.requiresOpenaiAuth)
      assert.strictEqual(state.account?.type, "apiKey")
    }).pipe(Effect.provide(CodexTest.layer({ requiresAuth: true }))))

  it.live("requireCredentials passes when the provider needs no OpenAI auth", () =>
    Effect.gen(function*() {
      const codex = yield* Codex.Codex
      const state = yield* codex.requireCredentials()
      assert.isFalse(state.requiresOpenaiAuth)
    }).pipe(Effect.provide(CodexTest.layer())))

  it.live("a model that keeps answering 401: the turn fails typed after the server's retries", () =>
    Effect.gen(function*() {
      const model = yield* FakeModel.FakeModel
      // the first attempt and two retries per request: enough 401s for the server to give up
      for (let i = 0; i < 9; i++) yield* model.enqueue(FakeModel.httpError(401))
      const thread = yield* startThread()
      const handle = yield* thread.turn("hello")
      const retries: Array<string> = []
      const error = yield* handle.stream.pipe(
        Stream.runForEach((e) =>
          Effect.sync(() => {
            if (Notification.is("error")(e) && e.params.willRetry) {
              retries.push(e.params.error.message)
            }
          })
        ),
        Effect.andThen(handle.run),
        Effect.flip
      )
      // the server retried (and said so) before giving up
      assert.isAtLeast(retries.length, 1)
      assert.match(retries[0]!, /^Reconnecting\.\.\. 1\//)
      assert.instanceOf(error, Errors.TurnFailedError)
      if (error._tag !== "TurnFailedError") return
      assert.strictEqual(error.turnId, handle.id)
      assert.include(error.message, "401 Unauthorized")
      assert.deepStrictEqual(error.turnError.codexErrorInfo, { httpConnectionFailed: { httpStatusCode: 401 } })
      // the final error leaves the details out; the retries' details are kept
      assert.isString(error.turnError.additionalDetails)
      assert.include(error.turnError.additionalDetails as string, "401 Unauthorized")
      // thread.run reports the same
      for (let i = 0; i < 9; i++) yield* model.enqueue(FakeModel.httpError(401))
      const runError = yield* Effect.flip(thread.run("again"))
      assert.strictEqual(runError._tag, "TurnFailedError")
      if (runError._tag !== "TurnFailedError") return
      assert.include(runError.turnError.additionalDetails as string, "401 Unauthorized")
    }).pipe(Effect.provide(CodexTest.layer(retryingProvider))))
})
