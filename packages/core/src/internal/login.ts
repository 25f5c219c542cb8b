/**
 * Browser and device-code logins: the `account/login/start` request and the routing of its
 * `account/login/completed` to a handle, with no loss.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as AppServerClient from "../AppServerClient.ts"
import * as Errors from "../Errors.ts"
import type * as Protocol from "../generated/Protocol.ts"
import type * as Schemas from "../generated/Schemas.ts"
import * as Notification from "../Notification.ts"

/** Starts a login and routes its completion to a handle, with no loss. */
export const start = Effect.fnUntraced(function*<T extends "chatgpt" | "chatgptDeviceCode">(
  client: AppServerClient.Service,
  scope: Scope.Scope,
  type: T
) {
  const loginScope = yield* Scope.make()
  const events = yield* client.subscribe.pipe(Scope.provide(loginScope))
  const response = yield* client.request(
    "account/login/start",
    { type } as Protocol.ClientRequestParams<"account/login/start">
  ).pipe(
    Effect.onError(() => Scope.close(loginScope, undefined as never))
  )
  if (response.type !== type) {
    yield* Scope.close(loginScope, undefined as never)
    return yield* new Errors.ProtocolError({
      message: `unexpected ${type === "chatgpt" ? "ChatGPT" : "device-code"} login response: ${
        JSON.stringify(response)
      }`,
      method: "account/login/start"
    })
  }
  const loginId = (response as { readonly loginId: string }).loginId
  const done = yield* Deferred.make<Schemas.AccountLoginCompletedNotification, Errors.TransportClosedError>()
  yield* events.pipe(
    Stream.filter((n) => Notification.is("account/login/completed")(n) && n.params.loginId === loginId),
    Stream.map((n) => n.params as Schemas.AccountLoginCompletedNotification),
    Stream.runHead,
    Effect.flatMap((head) =>
      head._tag === "Some"
        ? Deferred.succeed(done, head.value)
        : Deferred.fail(
          done,
          new Errors.TransportClosedError({ reason: "the connection closed before the login completed" })
        )
    ),
    Effect.catch((error) => Deferred.fail(done, error)),
    Effect.ensuring(Scope.close(loginScope, undefined as never)),
    Effect.forkIn(scope)
  )
  const base = {
    loginId,
    wait: Deferred.await(done).pipe(Effect.withSpan("LoginHandle.wait")),
    cancel: client.request("account/login/cancel", { loginId }).pipe(Effect.withSpan("LoginHandle.cancel"))
  }
  return { base, response }
})
