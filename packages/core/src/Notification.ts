/**
 * Server notifications: the typed `{ method, params }` of every method the generated protocol
 * knows, or an `UnknownNotification` (a newer method, or params that did not match their schema).
 *
 * @example
 * ```ts
 * import * as Stream from "effect/Stream"
 * import { Notification } from "@effect-codex/core"
 * // declare: const client: AppServerClient.AppServerClient["Service"]
 *
 * const completions = client.notifications.pipe(Stream.filter(Notification.is("turn/completed")))
 * // Stream<{ method: "turn/completed"; params: TurnCompletedNotification }, …>
 * ```
 *
 * @since 0.1.0
 */
import type * as Protocol from "./generated/Protocol.ts"

/** A notification whose method this SDK version does not know (or whose params did not decode). */
export class UnknownNotification {
  readonly _tag = "UnknownNotification"
  readonly method: string
  readonly params: unknown
  constructor(method: string, params: unknown) {
    this.method = method
    this.params = params
  }
}

/**
 * A server notification: a typed `{ method, params }` for every known method, or an
 * `UnknownNotification`. Narrow with {@link is} (one method) or {@link isUnknown}.
 */
export type Notification = Protocol.ServerNotification | UnknownNotification

/** The methods of the typed notifications. */
export type Method = Protocol.ServerNotificationMethod

/** The typed notification of one method. */
export type Of<M extends Method> = Extract<Protocol.ServerNotification, { readonly method: M }>

/** Whether a notification is an `UnknownNotification`. */
export const isUnknown = (n: Notification): n is UnknownNotification => "_tag" in n

/**
 * A refinement to the typed notification of one method (an `UnknownNotification` of the same
 * method does not match: its params did not decode).
 *
 * @example
 * ```ts
 * // declare: const n: Notification.Notification
 * if (Notification.is("item/agentMessage/delta")(n)) process.stdout.write(n.params.delta)
 * ```
 */
export const is = <M extends Method>(method: M) => (n: Notification): n is Of<M> =>
  n.method === method && !("_tag" in n)
