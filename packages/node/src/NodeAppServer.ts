/**
 * A listening `codex app-server` (`--listen ws://IP:PORT` or `--listen unix://PATH`) as a scoped
 * child process, for programs that want to run one server and connect to it from several clients
 * (and for tests and benchmarks of the socket transports). Connect with `NodeCodexRemote`.
 *
 * - `ws://127.0.0.1:0` binds a free port; the URL it really listens on is read from the line
 *   `listening on: ws://…` the server prints on stderr.
 * - `unix://PATH` is ready when `PATH` exists (the server creates it as a symlink to its socket).
 * - Closing the scope sends SIGTERM to the process group, then SIGKILL after `forceKillAfter`, and
 *   completes once the process is gone.
 * - It does not outlive this process, even when this process is killed with SIGKILL: on POSIX a
 *   tiny `/bin/sh` watcher ends it when the pipe to this process closes (the listener itself
 *   ignores its stdin). Not on Windows.
 *
 * @since 0.1.0
 */
import * as Errors from "@effect-codex/core/Errors"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as CodexBinary from "./CodexBinary.ts"
import * as ChildEnv from "./internal/childEnv.ts"
import * as Spawn from "./internal/spawn.ts"
import * as Watcher from "./internal/watcher.ts"
import type * as NodeTransport from "./NodeTransport.ts"

/** `--ws-auth` settings of the listener. Paths must be absolute. */
export type WsAuth =
  | {
    readonly mode: "capability-token"
    /** File holding the token (`--ws-token-file`). */
    readonly tokenFile?: string | undefined
    /** Hex SHA-256 of the token (`--ws-token-sha256`). */
    readonly tokenSha256?: string | undefined
  }
  | {
    readonly mode: "signed-bearer-token"
    /** File holding the HS256 secret (`--ws-shared-secret-file`). */
    readonly sharedSecretFile: string
    readonly issuer?: string | undefined
    readonly audience?: string | undefined
    readonly maxClockSkewSeconds?: number | undefined
  }

/** Options of {@link listen}. */
export interface ListenOptions {
  /** `ws://IP:PORT` (port 0 picks a free one; default `ws://127.0.0.1:0`) or `unix://PATH`. */
  readonly listen?: string | undefined
  readonly wsAuth?: WsAuth | undefined
  /** Explicit `codex` executable (default: the pinned `@openai/codex` binary). */
  readonly codexBin?: string | undefined
  readonly cwd?: string | undefined
  /** Variables merged over the parent's environment (`undefined` removes one). */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  /** `--config key=value` overrides. */
  readonly configOverrides?: ReadonlyArray<string> | undefined
  /** How long to wait for the server to listen (default 30 seconds). */
  readonly readyTimeout?: Duration.Input | undefined
  /** Grace period between SIGTERM and SIGKILL when the scope closes (default 2 seconds). */
  readonly forceKillAfter?: Duration.Input | undefined
}

/** A running listener. */
export interface Listener {
  /** The URL it listens on: `ws://127.0.0.1:PORT` or `unix://PATH`. */
  readonly url: string
  /** The app-server's process id (also its process-group id on POSIX). */
  readonly pid: number
  readonly argv: ReadonlyArray<string>
  /**
   * Sends a signal to the process group without waiting for the exit (e.g. `"SIGKILL"` to simulate
   * a crash, `"SIGSTOP"` to freeze it).
   */
  readonly kill: (signal?: NodeJS.Signals | undefined) => Effect.Effect<void>
  /** Waits for the process to exit (its exit code or signal). */
  readonly exit: Effect.Effect<NodeTransport.ProcessExit>
  /** The last stderr lines. */
  readonly stderrTail: Effect.Effect<ReadonlyArray<string>>
}

/** The `app-server` arguments for a listener. */
export const listenArgs = (options: ListenOptions): ReadonlyArray<string> => {
  const auth = options.wsAuth
  const authArgs: Array<string> = []
  if (auth?.mode === "capability-token") {
    authArgs.push("--ws-auth", "capability-token")
    if (auth.tokenFile !== undefined) authArgs.push("--ws-token-file", auth.tokenFile)
    if (auth.tokenSha256 !== undefined) authArgs.push("--ws-token-sha256", auth.tokenSha256)
  } else if (auth?.mode === "signed-bearer-token") {
    authArgs.push("--ws-auth", "signed-bearer-token", "--ws-shared-secret-file", auth.sharedSecretFile)
    if (auth.issuer !== undefined) authArgs.push("--ws-issuer", auth.issuer)
    if (auth.audience !== undefined) authArgs.push("--ws-audience", auth.audience)
    if (auth.maxClockSkewSeconds !== undefined) {
      authArgs.push("--ws-max-clock-skew-seconds", String(auth.maxClockSkewSeconds))
    }
  }
  return [
    ...(options.configOverrides ?? []).flatMap((kv) => ["--config", kv]),
    "app-server",
    "--listen",
    options.listen ?? "ws://127.0.0.1:0",
    ...authArgs
  ]
}

const listeningLine = /listening on:\s*(wss?:\/\/\S+)/
// eslint-disable-next-line no-control-regex
const ansi = /\u001b\[[0-9;]*m/g
const maxTail = 50

/** Spawns a listening app-server and waits until it accepts connections. Scoped. */
export const listen: (
  options?: ListenOptions | undefined
) => Effect.Effect<Listener, CodexBinary.ResolveError | Errors.TransportClosedError, Scope.Scope> = Effect.fn(
  "NodeAppServer.listen"
)(function*(options: ListenOptions | undefined) {
  const opts = options ?? {}
  const binary = yield* CodexBinary.resolve({ codexBin: opts.codexBin })
  const args = listenArgs(opts)
  const argv = [binary.path, ...args]
  const env: Record<string, string | undefined> = { ...opts.env }
  if (binary.pathDirs.length > 0) {
    env.PATH = [...binary.pathDirs, env.PATH ?? process.env.PATH ?? ""].join(":")
  }
  const child = yield* Spawn.spawn({
    command: binary.path,
    args,
    cwd: opts.cwd,
    // the parent's environment with `env` over it (`undefined` removes a variable)
    env: ChildEnv.make({ inheritEnv: true, env, apiKey: undefined }),
    forceKillAfter: opts.forceKillAfter ?? "2 seconds"
  }).pipe(
    Effect.mapError((error) =>
      new Errors.TransportClosedError({ reason: `failed to spawn ${binary.path}: ${error.description}` })
    )
  )

  // ends the listener if this process dies without closing the scope (see internal/watcher.ts)
  yield* Watcher.watch(child.pid).pipe(
    Effect.mapError((error) =>
      new Errors.TransportClosedError({ reason: `failed to start the listener's watcher: ${error.description}` })
    )
  )

  const tail: Array<string> = []
  const wsUrl = yield* Deferred.make<string>()
  yield* child.stderr.pipe(
    Stream.decodeText(),
    Stream.splitLines,
    Stream.runForEach((raw) => {
      const line = raw.replace(ansi, "")
      tail.push(line)
      if (tail.length > maxTail) tail.shift()
      const match = listeningLine.exec(line)
      return match === null ? Effect.void : Deferred.succeed(wsUrl, match[1]!)
    }),
    Effect.ignore,
    Effect.forkScoped
  )
  yield* child.stdout.pipe(Stream.runDrain, Effect.ignore, Effect.forkScoped)
  const exited = child.exit

  const listenUrl = opts.listen ?? "ws://127.0.0.1:0"
  const ready: Effect.Effect<string> = listenUrl.startsWith("unix://")
    ? Effect.suspend(() => {
      const path = listenUrl.slice("unix://".length)
      return Fs.existsSync(path) ? Effect.succeed(listenUrl) : Effect.fail("not yet")
    }).pipe(Effect.retry(Schedule.spaced("25 millis")), Effect.orDie)
    : Deferred.await(wsUrl)
  const url = yield* Effect.raceFirst(
    Effect.map(ready, (u) => ({ _tag: "ready" as const, url: u })),
    Effect.as(exited, { _tag: "exited" as const, url: "" })
  ).pipe(
    Effect.timeoutOption(opts.readyTimeout ?? "30 seconds")
  )
  if (url._tag === "None" || url.value._tag === "exited") {
    return yield* new Errors.TransportClosedError({
      reason: url._tag === "None"
        ? `app-server did not start listening on ${listenUrl} in time`
        : `app-server exited before listening on ${listenUrl}`,
      stderrTail: tail.slice()
    })
  }
  return {
    url: url.value.url,
    pid: child.pid,
    argv,
    kill: (signal) => child.signal(signal ?? "SIGTERM"),
    exit: exited,
    stderrTail: Effect.sync(() => tail.slice())
  } satisfies Listener
})
