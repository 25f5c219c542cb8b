/**
 * `@effect-codex/node`: the Node stdio transport for `codex app-server`.
 *
 * @since 0.1.0
 */

/** Launch and handshake settings (`CodexConfig`, defaults, `Config` from the environment). */
export * as CodexConfig from "./CodexConfig.ts"

/** Resolution of the `codex` executable (explicit path or the pinned `@openai/codex` binary). */
export * as CodexBinary from "./CodexBinary.ts"

/** The child-process `Transport` (scoped: spawn, stdio framing, SIGTERM/SIGKILL on close). */
export * as NodeTransport from "./NodeTransport.ts"

/** `Codex` on Node: spawns the app-server and performs the handshake. */
export * as NodeCodex from "./NodeCodex.ts"

/** `Codex` over a listening app-server: WebSocket, Unix socket, the local daemon, reconnection. */
export * as NodeCodexRemote from "./NodeCodexRemote.ts"

/** Runs `codex app-server --listen …` as a scoped child process (for tests and local servers). */
export * as NodeAppServer from "./NodeAppServer.ts"
