/**
 * effect-codex: an Effect-native SDK for the Codex app-server.
 *
 * @since 0.1.0
 */

/** The `Codex` service: threads, login, account, models. */
export * as Codex from "./Codex.ts"

/** Threads: run and stream turns, read, name, compact. */
export * as Thread from "./Thread.ts"

/** Turns: `TurnHandle`, `TurnResult`, the final-response rule. */
export * as Turn from "./Turn.ts"

/** Inputs: text, images, skills, mentions, external tool output. */
export * as Inputs from "./Inputs.ts"

/** Sandbox presets. */
export * as Sandbox from "./Sandbox.ts"

/** Approval modes. */
export * as ApprovalMode from "./ApprovalMode.ts"

/** Your own tools for the agent: an `effect/ai` `Toolkit` as a thread's dynamic tools. */
export * as Tools from "./Tools.ts"

/** Answers to server → client requests (approvals, user input, …). */
export * as ApprovalHandler from "./ApprovalHandler.ts"

/** Retrying overloaded calls with a `Schedule`. */
export * as Retry from "./Retry.ts"

/** Every error of the SDK. */
export * as Errors from "./Errors.ts"

/** The low-level JSON-RPC client. */
export * as AppServerClient from "./AppServerClient.ts"

/** Server notifications: the `Notification` type and the `Notification.is("turn/completed")` guard. */
export * as Notification from "./Notification.ts"

/** The transport service (one JSON-RPC message per line). */
export * as Transport from "./Transport.ts"

/** A `Transport` over WebSocket (ws://, wss://, unix://) to a listening app-server, with auth (capability token, signed JWT). */
export * as SocketTransport from "./SocketTransport.ts"

/** Runtime version gating of newer options. */
export * as Version from "./Version.ts"

/** The generated protocol schemas and method tables. */
export * as Protocol from "./generated/index.ts"
