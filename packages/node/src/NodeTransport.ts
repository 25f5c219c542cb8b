/**
 * The stdio transport: `codex app-server` as a child process, one JSON message per line on its
 * stdin/stdout. It is a scoped resource: building it spawns the process, closing the scope ends
 * its stdin, sends SIGTERM to its process group and SIGKILL after `forceKillAfter`.
 *
 * - Exactly one writer fiber owns the child's stdin; `send` enqueues a line on a bounded queue
 *   (backpressure when the child stops reading), so writes are serialized and never interleave.
 * - stdout is split into lines and each is decoded as UTF-8 (partial lines across chunks are fine);
 *   `incoming` is the stream of those lines. A line longer than `maxLineLength` bytes (default
 *   256 MiB) closes the transport with `TransportClosedError` and stops the process.
 * - stderr is always drained: its last lines (terminal escape codes removed, long lines cut) are
 *   kept for `TransportClosedError.stderrTail` and each line is logged at debug level.
 * - The child gets a minimal environment by default (see `CodexConfig.inheritEnv` and
 *   docs/security.md).
 * - When the process exits or its stdout ends, `incoming` fails with `TransportClosedError`
 *   (exit code or signal, stderr tail) after the lines already read, and `send` fails with the
 *   same error.
 *
 * The process is spawned with `node:child_process` directly (an internal module), not with
 * `effect/process` + `@effect/platform-node-shared/NodeChildProcessSpawner`: measured from dist,
 * that stack costs ~20–27 ms of import (half of the SDK's start-up budget) for one process with
 * three pipes. Nothing here needs a `ChildProcessSpawner`.
 *
 * @since 0.1.0
 */
import * as Errors from "@effect-codex/core/Errors"
import { Transport } from "@effect-codex/core/Transport"
import * as Cause from "effect/Cause"
import type * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import type * as ChildProcessSpawner from "effect/process/ChildProcessSpawner"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as CodexBinary from "./CodexBinary.ts"
import * as CodexConfig from "./CodexConfig.ts"
import * as ConfigLoad from "./internal/configLoad.ts"
import * as Launch from "./internal/launch.ts"
import * as Lines from "./internal/lines.ts"
import * as ProcessErrors from "./internal/processErrors.ts"
import * as Spawn from "./internal/spawn.ts"

// =============================================================================
// Models
// =============================================================================

/** How the child process ended: an exit code, or the signal that killed it. */
export interface ProcessExit {
  readonly exitCode: number | undefined
  readonly signal: string | undefined
}

/**
 * Node-specific facts about the spawned app-server, provided next to `Transport` by
 * {@link layer}. Useful for diagnostics and tests.
 */
export class ProcessInfo extends Context.Service<ProcessInfo, {
  /** OS process id of the app-server (also its process-group id on POSIX). */
  readonly pid: number
  /** The argv that was spawned (`[program, ...args]`). */
  readonly argv: ReadonlyArray<string>
  /** Waits for the process to exit (also usable after the scope has closed). */
  readonly exit: Effect.Effect<ProcessExit>
  /** The last stderr lines read so far (at most `stderrTailLines`). */
  readonly stderrTail: Effect.Effect<ReadonlyArray<string>>
}>()("@effect-codex/node/NodeTransport/ProcessInfo") {}

/** What {@link make} returns: the core `Transport` and the {@link ProcessInfo} of its process. */
export interface NodeTransport {
  readonly transport: Transport["Service"]
  readonly process: ProcessInfo["Service"]
}

/** Errors of spawning the transport. */
export type SpawnError =
  | CodexBinary.CodexBinaryNotFoundError
  | CodexBinary.CodexBinaryNotExecutableError
  | Errors.InvalidOptionError
  | Errors.TransportClosedError

// =============================================================================
// Constructors
// =============================================================================

/** Lines the transport buffers for `incoming` before it stops reading the child's stdout. */
const incomingCapacity = 4096
/** Messages `send` may enqueue before it waits for the writer. */
const outboundCapacity = 4096
/** Longest stderr line kept in the tail and logged, in bytes (longer ones are cut). */
const maxStderrLineLength = 8192

/**
 * Spawns `codex app-server` and returns the transport. Scoped: closing the scope ends stdin, sends
 * SIGTERM to the process group and SIGKILL after `forceKillAfter`, and completes once the process
 * is gone.
 *
 * @example
 * ```ts
 * // declare: const params: unknown
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const { transport } = yield* NodeTransport.make({ cwd: "/tmp" })
 *   yield* transport.send(JSON.stringify({ id: 1, method: "initialize", params }))
 * }))
 * ```
 */
export const make: (
  config?: CodexConfig.CodexConfig | undefined
) => Effect.Effect<NodeTransport, SpawnError, Scope.Scope> = Effect.fn("NodeTransport.make")(
  function*(config: CodexConfig.CodexConfig | undefined) {
    const resolved = yield* CodexConfig.resolve(config)
    const launch = yield* Launch.launchCommand(resolved)
    const argv = [launch.command, ...launch.args]
    const child = yield* Spawn.spawn({
      command: launch.command,
      args: launch.args,
      cwd: launch.cwd,
      env: launch.env,
      forceKillAfter: resolved.forceKillAfter
    }).pipe(Effect.mapError((error) => ProcessErrors.spawnError(launch.command, launch.cwd, error)))
    yield* Effect.annotateCurrentSpan({ "codex.pid": child.pid, "codex.command": launch.command })
    return yield* attach(child, argv, resolved)
  }
)

/** Wires a spawned child into a `Transport` (stdin writer, stdout reader, stderr drain, close detection). */
const attach = Effect.fnUntraced(function*(
  child: Spawn.Child,
  argv: ReadonlyArray<string>,
  config: CodexConfig.ResolvedCodexConfig
) {
  const pid = child.pid
  const tail = ProcessErrors.makeTail(config.stderrTailLines)
  const annotate = Effect.annotateLogs({ "codex.pid": pid })

  const closed = yield* Deferred.make<Errors.TransportClosedError>()
  const incoming = yield* Queue.bounded<string, Errors.TransportClosedError>(incomingCapacity)
  const outbound = yield* Queue.bounded<string, Cause.Done>(outboundCapacity)

  // What is known about the end of the process, filled in by the fibers below.
  const exitDone = yield* Deferred.make<void>()
  const stdoutDone = yield* Deferred.make<void>()
  const stderrDone = yield* Deferred.make<void>()
  const writerFailed = yield* Deferred.make<void>()
  const state: {
    exit: ProcessExit | undefined
    stdout: { readonly error: string | undefined } | undefined
    writeError: string | undefined
  } = { exit: undefined, stdout: undefined, writeError: undefined }

  const exitInfo = child.exit

  const close = (error: Errors.TransportClosedError) =>
    Effect.gen(function*() {
      if (!(yield* Deferred.succeed(closed, error))) return
      // Stop accepting sends before anyone can observe the failure of `incoming`.
      yield* Queue.shutdown(outbound)
      yield* Queue.fail(incoming, error)
    })

  const stderrFields = () => {
    const stderrTail = tail.snapshot()
    return stderrTail.length > 0 ? { stderrTail } : {}
  }

  const closeError = (fallbackReason: string): Errors.TransportClosedError => {
    const fields = stderrFields()
    const exit = state.exit
    if (exit !== undefined) {
      return new Errors.TransportClosedError({
        reason: "app-server process exited",
        ...(exit.exitCode === undefined ? {} : { exitCode: exit.exitCode }),
        ...(exit.signal === undefined ? {} : { signal: exit.signal }),
        ...fields
      })
    }
    if (state.stdout !== undefined) {
      return new Errors.TransportClosedError({
        reason: state.stdout.error === undefined
          ? "app-server closed its stdout"
          : `reading app-server stdout failed: ${state.stdout.error}`,
        ...fields
      })
    }
    if (state.writeError !== undefined) {
      const reason = `writing to app-server stdin failed: ${state.writeError}`
      return new Errors.TransportClosedError({ reason, ...fields })
    }
    return new Errors.TransportClosedError({ reason: fallbackReason, ...fields })
  }

  // Exit watcher.
  yield* Effect.forkScoped(Effect.flatMap(exitInfo, (exit) => {
    state.exit = exit
    return Deferred.succeed(exitDone, undefined)
  }))

  // stderr: always drained, tail kept (escape codes removed, long lines cut), logged at debug level.
  const stderrLines = Lines.make(maxStderrLineLength, "truncate")
  const onStderr = (lines: ReadonlyArray<string>) =>
    Effect.forEach(lines, (raw) => {
      const line = ProcessErrors.stripAnsi(raw)
      tail.push(line)
      return Effect.logDebug(line)
    }, { discard: true })
  yield* child.stderr.pipe(
    Stream.runForEach((chunk) => onStderr(stderrLines.push(chunk).lines)),
    Effect.andThen(Effect.suspend(() => onStderr(stderrLines.end()))),
    Effect.catchCause((cause) => Effect.logDebug("reading app-server stderr failed", cause)),
    Effect.ensuring(Deferred.succeed(stderrDone, undefined)),
    Effect.annotateLogs({ "codex.pid": pid, "codex.stream": "stderr" }),
    Effect.forkScoped
  )

  // stdout: one line per message, into the bounded incoming queue (backpressure on the child).
  // A line longer than maxLineLength closes the transport and stops the process.
  const stdoutLines = Lines.make(config.maxLineLength, "fail")
  let overflowed = false
  const tooLong = Effect.gen(function*() {
    yield* close(
      new Errors.TransportClosedError({
        reason: `the app-server wrote a line longer than maxLineLength (${config.maxLineLength} bytes); ` +
          "the connection was closed",
        ...stderrFields()
      })
    )
    yield* child.terminate
  })
  yield* child.stdout.pipe(
    // After an overflow the splitter discards everything until the killed process's stdout ends.
    Stream.runForEachArray((chunks) => {
      let lines: Array<string> = []
      let overflow = false
      for (const chunk of chunks) {
        const pushed = stdoutLines.push(chunk)
        lines = lines.length === 0 ? pushed.lines : lines.concat(pushed.lines)
        overflow = overflow || pushed.overflow
      }
      const offered = lines.length > 0 ? Queue.offerAll(incoming, lines) : Effect.void
      if (!overflow || overflowed) return offered
      overflowed = true
      return Effect.andThen(offered, tooLong)
    }),
    Effect.andThen(Effect.suspend(() => Queue.offerAll(incoming, stdoutLines.end()))),
    Effect.matchEffect({
      onFailure: (error) => {
        state.stdout = { error: error.description }
        return Deferred.succeed(stdoutDone, undefined)
      },
      onSuccess: () => {
        state.stdout = { error: undefined }
        return Deferred.succeed(stdoutDone, undefined)
      }
    }),
    Effect.forkScoped
  )

  // The only writer of stdin. A batch of queued lines becomes one write, which waits while the
  // child does not read (the pipe and Node's buffer are full).
  const fail = (error: Spawn.IoError) => {
    state.writeError ??= error.description
    return Deferred.succeed(writerFailed, undefined)
  }
  const writer = yield* Queue.takeAll(outbound).pipe(
    Effect.flatMap((lines) => child.write(lines.join("\n") + "\n")),
    Effect.forever,
    Effect.catch((error) => Cause.isDone(error) ? Effect.void : fail(error)),
    annotate,
    Effect.forkScoped
  )
  // stdin can break while nothing is being written (the child closed it).
  yield* child.stdinError.pipe(Effect.flatMap(fail), Effect.forkScoped)

  // Close detection: the process exits, stdout ends or stdin breaks; then wait (bounded) for the
  // rest so the error carries the exit status and the complete stderr tail.
  yield* Effect.gen(function*() {
    yield* Effect.raceAll([
      Deferred.await(exitDone),
      Deferred.await(stdoutDone),
      Deferred.await(writerFailed)
    ])
    yield* Effect.all([Deferred.await(exitDone), Deferred.await(stdoutDone), Deferred.await(stderrDone)], {
      concurrency: "unbounded",
      discard: true
    }).pipe(Effect.timeoutOption(config.forceKillAfter))
    const error = closeError("app-server transport closed")
    yield* Effect.logDebug("app-server transport closed", error.message)
    yield* close(error)
  }).pipe(annotate, Effect.forkScoped)

  // Runs first when the scope closes: fail everything and stop the writer, before the child's own
  // finalizer ends stdin and sends SIGTERM / SIGKILL to the process group.
  yield* Effect.addFinalizer(() =>
    Effect.gen(function*() {
      yield* close(closeError("app-server transport closed (scope closed)"))
      yield* Fiber.interrupt(writer)
    })
  )

  const failClosed = Effect.flatMap(Deferred.await(closed), Effect.fail)
  const send = (line: string): Effect.Effect<void, Errors.TransportClosedError> =>
    Effect.suspend(() => {
      if (line.includes("\n")) {
        return Effect.die(new globalThis.Error("Transport.send: a message must not contain a newline"))
      }
      if (Deferred.isDoneUnsafe(closed)) return failClosed
      return Effect.flatMap(Queue.offer(outbound, line), (offered) => offered ? Effect.void : failClosed)
    })

  const transport = Transport.of({ send, incoming: Stream.fromQueue(incoming) })
  const info = ProcessInfo.of({
    pid,
    argv,
    exit: exitInfo,
    stderrTail: Effect.sync(tail.snapshot)
  })
  return { transport, process: info } satisfies NodeTransport
})

// =============================================================================
// Layers
// =============================================================================

/**
 * The Node `ChildProcessSpawner` of `@effect/platform-node-shared`, for code that still provides
 * it. Nothing in this package needs it any more (the app-server is spawned with
 * `node:child_process` directly); it is loaded on first use, so importing this module does not
 * load `effect/process`.
 *
 * @deprecated Not needed by `make`, `layer`, `NodeAppServer` or `NodeCodexRemote`; provide it only
 * to your own `effect/process` code.
 */
export const spawnerLayer: Layer.Layer<ChildProcessSpawner.ChildProcessSpawner> = Layer.unwrap(
  Effect.map(Effect.promise(() => import("./internal/effectSpawner.ts")), (module) => module.layer)
)

/**
 * `Transport` and {@link ProcessInfo} for a spawned `codex app-server`.
 * The process lives as long as the layer.
 *
 * @example
 * ```ts
 * program.pipe(Effect.provide(NodeTransport.layer({ configOverrides: ["features.plugins=false"] })))
 * ```
 */
export const layer = (
  config?: CodexConfig.CodexConfig | undefined
): Layer.Layer<Transport | ProcessInfo, SpawnError> =>
  Layer.effectContext(
    Effect.map(make(config), ({ process, transport }) =>
      Context.make(Transport, transport).pipe(Context.add(ProcessInfo, process)))
  )

/**
 * Like {@link layer}, reading the config from a `Config` (default `CodexEnv.config`:
 * `CODEX_BIN`, `CODEX_CWD`, …). `effect/Config` is loaded when the layer is built.
 */
export const layerConfig = (
  config?: Config.Wrap<CodexConfig.CodexConfig> | undefined
): Layer.Layer<Transport | ProcessInfo, SpawnError | Config.ConfigError> =>
  Layer.unwrap(Effect.map(ConfigLoad.codexConfig(config), layer))
