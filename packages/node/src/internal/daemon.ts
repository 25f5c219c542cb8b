/**
 * The machinery of the daemon layer: where the daemon's control socket is, and running
 * `codex app-server daemon <command>` (its stdout, stderr and exit status). `NodeCodexRemote`
 * turns these into its typed errors.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Os from "node:os"
import * as Path from "node:path"
import type { ProcessExit } from "../NodeTransport.ts"
import * as ChildEnv from "./childEnv.ts"
import * as Spawn from "./spawn.ts"

/**
 * The daemon's control socket for the `CODEX_HOME` a daemon command would see:
 * `$CODEX_HOME/app-server-control/app-server-control.sock` (`~/.codex` when unset). `env` is
 * merged over the parent's environment as for the commands (`undefined` removes a variable).
 */
export const controlSocket = (
  env: Readonly<Record<string, string | undefined>> | undefined,
  parent: Readonly<Record<string, string | undefined>> = process.env
): string => {
  const home = env !== undefined && "CODEX_HOME" in env ? env.CODEX_HOME : parent.CODEX_HOME
  const codexHome = home === undefined || home === "" ? Path.join(Os.homedir(), ".codex") : Path.resolve(home)
  return Path.join(codexHome, "app-server-control", "app-server-control.sock")
}

/** What a daemon command printed, and how it ended. */
export interface Output {
  readonly stdout: string
  readonly stderr: string
  readonly exit: ProcessExit
}

/** Runs `<binary> app-server daemon <command>` to its end; fails with the spawn or pipe error's text. */
export const run = (
  binary: string,
  command: string,
  env: Readonly<Record<string, string | undefined>> | undefined
): Effect.Effect<Output, string> =>
  Effect.scoped(Effect.gen(function*() {
    const child = yield* Spawn.spawn({
      command: binary,
      args: ["app-server", "daemon", command],
      // the parent's environment with `env` over it (`undefined` removes a variable)
      env: ChildEnv.make({ inheritEnv: true, env: env ?? {}, apiKey: undefined }),
      stdin: "ignore",
      forceKillAfter: "2 seconds"
    })
    const [stdout, stderr, exit] = yield* Effect.all([
      child.stdout.pipe(Stream.decodeText(), Stream.mkString),
      child.stderr.pipe(Stream.decodeText(), Stream.mkString),
      child.exit
    ], { concurrency: "unbounded" })
    return { stdout, stderr, exit }
  })).pipe(Effect.mapError((error) => error.description))
