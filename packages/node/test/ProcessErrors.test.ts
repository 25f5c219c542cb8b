import { describe, expect, it } from "@effect/vitest"
import * as Exit from "effect/Exit"
import * as PlatformError from "effect/PlatformError"
import * as ChildProcessSpawner from "effect/process/ChildProcessSpawner"
import * as ProcessErrors from "../src/internal/processErrors.ts"

const systemError = (tag: PlatformError.SystemErrorTag, method: string, cause?: unknown) =>
  PlatformError.systemError({
    _tag: tag,
    module: "ChildProcess",
    method,
    pathOrDescriptor: "/x/codex app-server",
    cause
  })

describe("process errors", () => {
  it("describe shows the OS message, never the ChildProcess method names", () => {
    const epipe = Object.assign(new Error("write EPIPE"), { code: "EPIPE" })
    const error = systemError("Unknown", "fromWritable(stdin)", epipe)
    expect(error.message).toContain("ChildProcess.fromWritable(stdin)")
    expect(ProcessErrors.describe(error)).toBe("write EPIPE")
    expect(ProcessErrors.describe(systemError("PermissionDenied", "spawn"))).toBe("permission denied")
  })

  it("toProcessExit reads exit codes and looks signal names up", () => {
    expect(ProcessErrors.toProcessExit(Exit.succeed(ChildProcessSpawner.ExitCode(3)))).toEqual({
      exitCode: 3,
      signal: undefined
    })
    const bySignal = (name: string) =>
      ProcessErrors.toProcessExit(
        Exit.fail(
          systemError("Unknown", "exitCode", new Error(`Process interrupted due to receipt of signal: '${name}'`))
        )
      )
    expect(bySignal("SIGKILL")).toEqual({ exitCode: undefined, signal: "SIGKILL" })
    expect(bySignal("SIGTERM")).toEqual({ exitCode: undefined, signal: "SIGTERM" })
    expect(bySignal("NOTASIGNAL")).toEqual({ exitCode: undefined, signal: undefined })
  })

  it("stripAnsi removes colours, cursor moves and hyperlinks, and keeps the text", () => {
    const esc = "\u001b"
    expect(ProcessErrors.stripAnsi(`${esc}[2m2026-12-04T17:00:00Z${esc}[0m ${esc}[31mERROR${esc}[0m boom`))
      .toBe("2026-12-04T17:00:00Z ERROR boom")
    expect(ProcessErrors.stripAnsi(`${esc}]8;;https://x.test${esc}\\link${esc}]8;;${esc}\\ ${esc}[2K${esc}[1Gdone`))
      .toBe("link done")
    expect(ProcessErrors.stripAnsi("plain [brackets] stay")).toBe("plain [brackets] stay")
  })
})
