/**
 * Who answers the approvals a turn needs. An approval is asked when the model wants to do more
 * than the sandbox allows: run a command outside it, write outside the writable roots, reach the
 * network, or get more permissions. What runs *inside* the sandbox is never asked about: the
 * sandbox (`Sandbox`) decides that, in every mode.
 *
 * | mode | wire fields | who decides an escalation | your `ApprovalHandler` |
 * | --- | --- | --- | --- |
 * | `autoReview` (default of `threadStart`) | `approvalPolicy: "on-request"`, `approvalsReviewer: "auto_review"` | the **server's model reviewer**: a prompted sub-agent that gathers context and approves or denies on its own risk assessment. It **can approve** a command to run outside the sandbox. | not asked for approvals |
 * | `denyAll` | `approvalPolicy: "never"` (no reviewer) | **nobody**: nothing is escalated; what the sandbox blocks fails and the model is told so | not asked for approvals |
 * | `manual` | `approvalPolicy: "on-request"`, `approvalsReviewer: "user"` | **your program**: each request comes to this client and your `ApprovalHandler` answers it (without a handler layer, the safe defaults decline) | asked for every approval |
 *
 * `autoReview` is the default for parity with the Python SDK; it is convenient, not a guarantee:
 * a model decides. To keep a human or a policy in the loop, use `manual` with an
 * `ApprovalHandler` (see docs/approvals.md). To never leave the sandbox, use `denyAll`.
 *
 * Server requests that are not approvals (user-input questions, dynamic tool calls, token
 * refreshes, …) go to the `ApprovalHandler` in every mode.
 *
 * A mode given to `threadResume`, `threadFork`, `run` or `turn` overrides the stored setting and
 * persists for later turns; leaving it out keeps the thread's setting.
 *
 * @example
 * ```ts
 * import * as ApprovalMode from "@effect-codex/core/ApprovalMode"
 *
 * const thread = yield* codex.threadStart({ approvalMode: ApprovalMode.manual })
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { InvalidOptionError } from "./Errors.ts"
import type * as Schemas from "./generated/Schemas.ts"

/**
 * An approval mode.
 *
 * @example
 * ```ts
 * const mode: ApprovalMode.ApprovalMode = "denyAll"
 * ```
 */
export type ApprovalMode = "denyAll" | "autoReview" | "manual"

/**
 * Never escalate: nothing runs outside the sandbox, nobody is asked; what the sandbox blocks fails.
 *
 * @example
 * ```ts
 * codex.threadStart({ approvalMode: ApprovalMode.denyAll })
 * ```
 */
export const denyAll = "denyAll" as const

/**
 * The server's model reviewer decides escalations (it can approve running outside the sandbox);
 * your `ApprovalHandler` is not asked. The default of `threadStart` (parity with the Python SDK).
 *
 * @example
 * ```ts
 * codex.threadStart({ approvalMode: ApprovalMode.autoReview })
 * ```
 */
export const autoReview = "autoReview" as const

/**
 * Every approval is sent to this program and answered by its `ApprovalHandler` service: the way
 * to keep a human or a policy in the loop.
 *
 * @example
 * ```ts
 * thread.run("Clean up the build directory.", { approvalMode: ApprovalMode.manual })
 * ```
 */
export const manual = "manual" as const

/**
 * Every mode, in declaration order (the Python SDK's `deny_all`, `auto_review`, then `manual`).
 *
 * @example
 * ```ts
 * ApprovalMode.values // ["denyAll", "autoReview", "manual"]
 * ```
 */
export const values: ReadonlyArray<ApprovalMode> = [denyAll, autoReview, manual]

/**
 * The mode `threadStart` uses when none is given.
 *
 * @example
 * ```ts
 * ApprovalMode.threadStartDefault // "autoReview"
 * ```
 */
export const threadStartDefault: ApprovalMode = autoReview

/**
 * The wire fields of an approval mode, as sent in `thread/start|resume|fork` and `turn/start`
 * (the protocol's `AskForApproval` and `ApprovalsReviewer`). `approvalsReviewer` is absent for
 * `denyAll`.
 *
 * @example
 * ```ts
 * const params: ApprovalMode.ApprovalParams = { approvalPolicy: "never" }
 * ```
 */
export interface ApprovalParams {
  readonly approvalPolicy?: Schemas.AskForApproval
  readonly approvalsReviewer?: Schemas.ApprovalsReviewer
}

/**
 * Whether a value is an approval mode.
 *
 * @example
 * ```ts
 * ApprovalMode.isApprovalMode("manual")    // true
 * ApprovalMode.isApprovalMode("allow_all") // false
 * ```
 */
export const isApprovalMode = (u: unknown): u is ApprovalMode => typeof u === "string" && values.includes(u as never)

const describe = (u: unknown): string => typeof u === "string" ? JSON.stringify(u) : u === null ? "null" : typeof u

/**
 * Validates an untyped value as an approval mode; anything else fails with `InvalidOptionError`
 * (option `"approvalMode"`).
 *
 * @example
 * ```ts
 * ApprovalMode.decode("allow_all") // fails: approvalMode must be one of: denyAll, autoReview, manual
 * ```
 */
export const decode: (u: unknown) => Effect.Effect<ApprovalMode, InvalidOptionError> = (u) =>
  isApprovalMode(u) ? Effect.succeed(u) : Effect.fail(
    new InvalidOptionError({
      option: "approvalMode",
      message: `approvalMode must be one of: ${values.join(", ")} (got ${describe(u)})`
    })
  )

const mapping: { readonly [K in ApprovalMode]: ApprovalParams } = {
  denyAll: { approvalPolicy: "never" },
  autoReview: { approvalPolicy: "on-request", approvalsReviewer: "auto_review" },
  manual: { approvalPolicy: "on-request", approvalsReviewer: "user" }
}

/**
 * The wire fields of a mode: `autoReview` → `{ approvalPolicy: "on-request", approvalsReviewer:
 * "auto_review" }`, `denyAll` → `{ approvalPolicy: "never" }`, `manual` → `{ approvalPolicy:
 * "on-request", approvalsReviewer: "user" }`. A value that is not a mode fails with
 * `InvalidOptionError` (option `"approvalMode"`).
 *
 * @example
 * ```ts
 * yield* ApprovalMode.toParams("denyAll") // { approvalPolicy: "never" }
 * ```
 */
export const toParams: (mode: ApprovalMode) => Effect.Effect<ApprovalParams, InvalidOptionError> = Effect.fn(
  "ApprovalMode.toParams"
)(function*(mode: ApprovalMode) {
  const valid = yield* decode(mode)
  return { ...mapping[valid] }
})
