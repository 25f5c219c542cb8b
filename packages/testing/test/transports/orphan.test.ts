/**
 * A listening app-server started by `NodeAppServer.listen` does not outlive its parent: a real
 * Node process starts one and is killed with SIGKILL (no finalizer runs), and the server goes away
 * (its watcher sees the pipe to the parent close).
 */
import { assert, describe, it } from "@effect/vitest"
import * as NodeChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

const packageRoot = Path.resolve(import.meta.dirname, "../..")

const program = (codexHome: string) => `
import * as NodeAppServer from "@effect-codex/node/NodeAppServer"
import * as Effect from "effect/Effect"
await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
  const listener = yield* NodeAppServer.listen({ env: { CODEX_HOME: ${JSON.stringify(codexHome)} } })
  console.log("LISTENING " + listener.pid + " " + listener.url)
  yield* Effect.never
})))
`

/** Whether `pid` runs (a zombie, which an init that does not reap may keep, counts as gone). */
const isRunning = (pid: number): boolean => {
  try {
    const stat = Fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z"
  } catch {
    return false
  }
}

const waitFor = async (condition: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 400; i++) {
    if (condition()) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`gave up waiting: ${what}`)
}

describe("NodeAppServer.listen", () => {
  it("the listener is gone after its parent is killed with SIGKILL", async () => {
    const codexHome = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-codex-orphan-"))
    const parent = NodeChildProcess.spawn(process.execPath, ["--input-type=module", "-e", program(codexHome)], {
      cwd: packageRoot,
      stdio: ["ignore", "pipe", "inherit"]
    })
    let serverPid: number | undefined
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = ""
        parent.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString("utf8")
          const match = /LISTENING \d+ \S+/.exec(out)
          if (match !== null) resolve(match[0])
        })
        parent.on("exit", (code) => reject(new Error(`the parent exited (${code}) before listening: ${out}`)))
      })
      serverPid = Number(line.split(" ")[1])
      assert.isTrue(isRunning(serverPid), "the listener runs while its parent does")
      process.kill(parent.pid!, "SIGKILL")
      await waitFor(() => !isRunning(parent.pid!), "the parent to die")
      await waitFor(() => !isRunning(serverPid!), `the listener ${serverPid} to exit after its parent's SIGKILL`)
    } finally {
      parent.kill("SIGKILL")
      if (serverPid !== undefined && isRunning(serverPid)) process.kill(serverPid, "SIGKILL")
      Fs.rmSync(codexHome, { recursive: true, force: true })
    }
  })
})
