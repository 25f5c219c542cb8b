/**
 * The internal child-process module (`src/internal/spawn.ts`) with real `node` children: typed
 * spawn failures, stdin backpressure, bounded stdout, and a scope that never closes before the
 * child is gone (also when it ignores SIGTERM or is stopped).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as ChildProcess from "effect/process/ChildProcess"
import * as ChildProcessSpawner from "effect/process/ChildProcessSpawner"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as Spawn from "../src/internal/spawn.ts"
import * as NodeTransport from "../src/NodeTransport.ts"
import { killZeroError } from "./helpers.ts"

const env = { PATH: process.env.PATH ?? "" }

/** Spawns `node -e script`. */
const node = (script: string, extra: Partial<Spawn.Options> = {}) =>
  Spawn.spawn({ command: process.execPath, args: ["-e", script], env, forceKillAfter: "2 seconds", ...extra })

/** The first line of a stream of bytes. */
const firstLine = (stream: Stream.Stream<Uint8Array, Spawn.IoError>) =>
  stream.pipe(Stream.decodeText(), Stream.splitLines, Stream.runHead, Effect.map(Option.getOrUndefined))

/** The process state letter from /proc (`T` = stopped), or undefined when it is gone. */
const procState = (pid: number): string | undefined => {
  try {
    const stat = Fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3)
  } catch {
    return undefined
  }
}

/** Polls `condition` until it holds. */
const eventually = (condition: () => boolean): Effect.Effect<void> =>
  Effect.suspend(() => condition() ? Effect.void : Effect.andThen(Effect.sleep("10 millis"), eventually(condition)))

const tmpDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-codex-spawn-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

describe("spawn: failures are typed", () => {
  it.live("a missing program, one the OS refuses, a directory, a bad cwd, a NUL in a secret", () =>
    Effect.gen(function*() {
      const dir = yield* tmpDir
      const plain = Path.join(dir, "plain")
      Fs.writeFileSync(plain, "#!/bin/sh\n", { mode: 0o644 })
      const failure = (options: Partial<Spawn.Options>) => Effect.flip(Effect.scoped(node("", options)))

      const missing = yield* failure({ command: Path.join(dir, "missing") })
      expect(missing).toBeInstanceOf(Spawn.StartError)
      expect(missing.code).toBe("ENOENT")
      expect(missing.cwdProblem).toBeUndefined()
      expect(missing.description).toContain("ENOENT")

      const refused = yield* failure({ command: plain })
      expect(refused.code).toBe("EACCES")
      expect(refused.cwdProblem).toBeUndefined()

      expect((yield* failure({ command: dir })).code).toBe("EACCES")

      // Node reports a missing cwd exactly like a missing program (`spawn … ENOENT`).
      const noCwd = yield* failure({ cwd: Path.join(dir, "no-such-dir") })
      expect(noCwd.code).toBe("ENOENT")
      expect(noCwd.cwdProblem).toContain("ENOENT")
      const fileCwd = yield* failure({ cwd: plain })
      expect(fileCwd.cwdProblem).toBe(`${plain} is not a directory`)

      const nul = yield* failure({ env: { ...env, TOKEN: Redacted.make("sec\0ret") } })
      expect(nul.description).toBe("the environment variable TOKEN contains a NUL character")
      expect(nul.message).not.toContain("sec")
    }).pipe(Effect.scoped))
})

describe("spawn: pipes", () => {
  it.live("stdin: write waits while the child does not read, and delivers everything once it does", () =>
    Effect.scoped(Effect.gen(function*() {
      // The child opens its stdin only on SIGUSR1; until then the pipe and Node's buffer fill up.
      const child = yield* node(`
        let n = 0
        const alive = setInterval(() => {}, 1000)
        process.on("SIGUSR1", () => {
          process.stdin.on("data", (d) => { n += d.length })
          process.stdin.on("end", () => { console.log(String(n)); clearInterval(alive) })
        })
        console.log("ready")`)
      expect(yield* firstLine(child.stdout)).toBe("ready")
      const chunk = "x".repeat(1024)
      const count = 2000
      let written = 0
      const writer = yield* Effect.forkChild(
        Effect.forEach(Array.from({ length: count }), () =>
          Effect.map(child.write(chunk), () => {
            written++
          }), { discard: true }),
        { startImmediately: true }
      )
      // Let the writer run into the full pipe, then check it stays blocked.
      yield* eventually(() => written >= 10)
      yield* Effect.sleep("300 millis")
      const blockedAt = written
      expect(blockedAt).toBeLessThan(count)
      // Pipe (64 KiB) + Node's writable buffer (16 KiB) hold far less than 2 MiB.
      expect(blockedAt).toBeLessThan(500)
      expect(writer.pollUnsafe()).toBeUndefined()

      process.kill(child.pid, "SIGUSR1")
      yield* Fiber.join(writer)
      expect(written).toBe(count)
      yield* child.endStdin
      expect(yield* firstLine(child.stdout)).toBe(String(count * chunk.length))
      expect(yield* child.exit).toEqual({ exitCode: 0, signal: undefined })
    })))

  it.live("stdout: nothing is read ahead of the consumer beyond Node's buffer; all of it arrives", () =>
    Effect.scoped(Effect.gen(function*() {
      // 8 MiB in 64 KiB writes; each write's callback (data handed to the pipe) is reported on stderr.
      const chunks = 128
      const child = yield* node(`
        const chunk = Buffer.alloc(65536, 120)
        const next = (i) => {
          if (i === ${chunks}) return process.stderr.write("done\\n")
          process.stdout.write(chunk, () => { process.stderr.write(i + "\\n"); next(i + 1) })
        }
        next(0)`)
      const progress: Array<string> = []
      yield* child.stderr.pipe(
        Stream.decodeText(),
        Stream.splitLines,
        Stream.runForEach((line) => Effect.sync(() => progress.push(line))),
        Effect.forkScoped
      )
      yield* eventually(() => progress.length > 0)
      yield* Effect.sleep("300 millis")
      // Without a reader the child is stuck: at most the pipe and one Node buffer were taken.
      expect(progress).not.toContain("done")
      expect(progress.length).toBeLessThan(16)

      const bytes = yield* child.stdout.pipe(Stream.runFold(() => 0, (n, chunk) => n + chunk.length))
      expect(bytes).toBe(chunks * 65536)
      expect(yield* child.exit).toEqual({ exitCode: 0, signal: undefined })
      yield* eventually(() => progress.includes("done"))
      expect(progress.length).toBe(chunks + 1)
    })))

  it.live("stdinError: a child that closes its stdin breaks the pipe (EPIPE), and write fails", () =>
    Effect.scoped(Effect.gen(function*() {
      const child = yield* node(`require("node:fs").closeSync(0); console.log("ready"); setTimeout(() => {}, 5000)`)
      expect(yield* firstLine(child.stdout)).toBe("ready")
      const failed = yield* Effect.forkChild(child.stdinError, { startImmediately: true })
      // The first write may be accepted before the error arrives; a later one fails.
      const error = yield* Effect.flip(Effect.forever(child.write("hello\n")))
      expect(error).toBeInstanceOf(Spawn.IoError)
      expect(error.stream).toBe("stdin")
      expect(error.description).toContain("EPIPE")
      expect(yield* Fiber.join(failed)).toEqual(error)
    })))

  it.live("exit reports the exit code, or the signal", () =>
    Effect.gen(function*() {
      const code = yield* Effect.scoped(Effect.flatMap(node("process.exit(3)"), (child) => child.exit))
      expect(code).toEqual({ exitCode: 3, signal: undefined })
      const signal = yield* Effect.scoped(
        Effect.flatMap(node("process.kill(process.pid, 'SIGKILL')"), (child) => child.exit)
      )
      expect(signal).toEqual({ exitCode: undefined, signal: "SIGKILL" })
    }))
})

describe("spawn: the scope owns the child", () => {
  const ready = "console.log('ready'); setInterval(() => {}, 1000)"
  const ignoresTerm = `process.on("SIGTERM", () => {}); ${ready}`

  /** Spawns, waits for "ready", runs `f`, closes the scope; returns the child. */
  const closed = (
    script: string,
    forceKillAfter: Duration.Input,
    f: (child: Spawn.Child) => Effect.Effect<void> = () => Effect.void
  ) =>
    Effect.gen(function*() {
      const child = yield* Effect.scoped(Effect.gen(function*() {
        const child = yield* node(script, { forceKillAfter })
        expect(yield* firstLine(child.stdout)).toBe("ready")
        yield* f(child)
        return child
      }))
      // The scope returned only once the child was gone.
      expect(killZeroError(child.pid)).toBe("ESRCH")
      return { child, exit: yield* child.exit }
    })

  it.live("closing the scope SIGTERMs the child", () =>
    Effect.gen(function*() {
      const { exit } = yield* closed(ready, "10 seconds")
      expect(exit).toEqual({ exitCode: undefined, signal: "SIGTERM" })
    }))

  it.live("a child that ignores SIGTERM is SIGKILLed after forceKillAfter", () =>
    Effect.gen(function*() {
      const { exit } = yield* closed(ignoresTerm, "300 millis")
      expect(exit).toEqual({ exitCode: undefined, signal: "SIGKILL" })
    }))

  const stop = (child: Spawn.Child) =>
    Effect.gen(function*() {
      process.kill(child.pid, "SIGSTOP")
      yield* eventually(() => procState(child.pid) === "T")
    })

  it.live("a SIGSTOPped child is continued so that it gets its SIGTERM", () =>
    Effect.gen(function*() {
      const { exit } = yield* closed(ready, "10 seconds", stop)
      expect(exit).toEqual({ exitCode: undefined, signal: "SIGTERM" })
    }))

  it.live("a SIGSTOPped child that ignores SIGTERM is SIGKILLed", () =>
    Effect.gen(function*() {
      const { exit } = yield* closed(ignoresTerm, "300 millis", stop)
      expect(exit).toEqual({ exitCode: undefined, signal: "SIGKILL" })
    }))

  it.live("interrupting the fiber that owns the scope kills the child", () =>
    Effect.gen(function*() {
      const started = yield* Deferred.make<number>()
      const fiber = yield* Effect.forkChild(Effect.scoped(Effect.gen(function*() {
        const child = yield* node(ignoresTerm, { forceKillAfter: "300 millis" })
        expect(yield* firstLine(child.stdout)).toBe("ready")
        yield* Deferred.succeed(started, child.pid)
        return yield* Effect.never
      })))
      const pid = yield* Deferred.await(started)
      expect(killZeroError(pid)).toBeUndefined()
      yield* Fiber.interrupt(fiber)
      expect(killZeroError(pid)).toBe("ESRCH")
    }))
})

describe("NodeTransport.spawnerLayer (deprecated)", () => {
  it.live("still provides effect's ChildProcessSpawner, loaded on first use", () =>
    Effect.gen(function*() {
      const output = yield* Effect.scoped(Effect.gen(function*() {
        const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
        const handle = yield* spawner.spawn(ChildProcess.make(process.execPath, ["-e", "console.log('hi')"]))
        return yield* handle.stdout.pipe(Stream.decodeText(), Stream.mkString)
      })).pipe(Effect.provide(NodeTransport.spawnerLayer))
      expect(output).toBe("hi\n")
    }))
})

describe("import path", () => {
  it("importing NodeTransport loads neither effect/process nor @effect/platform-node-shared", () => {
    // A fresh process records every module it loads while importing the module's source.
    const script = `
      import * as Module from "node:module"
      const loaded = []
      Module.registerHooks({ load: (url, context, next) => { loaded.push(url); return next(url, context) } })
      await import(process.env.TARGET)
      console.log(JSON.stringify(loaded))`
    const target = fileURLToPath(new URL("../src/NodeTransport.ts", import.meta.url))
    const output = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...process.env, TARGET: target },
      encoding: "utf8"
    })
    const loaded = JSON.parse(output) as ReadonlyArray<string>
    expect(loaded.some((url) => url.endsWith("/src/internal/spawn.ts"))).toBe(true)
    expect(loaded.filter((url) => /\/effect\/dist\/process\/|platform-node-shared/.test(url)))
      .toEqual([])
  })
})
