import * as Errors from "@effect-codex/core/Errors"
import { describe, expect, it } from "@effect/vitest"
import * as CodexBinary from "../src/CodexBinary.ts"
import * as ProcessErrors from "../src/internal/processErrors.ts"
import * as Spawn from "../src/internal/spawn.ts"

const startError = (fields: Partial<ConstructorParameters<typeof Spawn.StartError>[0]>) =>
  new Spawn.StartError({ command: "/x/codex", description: "spawn /x/codex ENOENT", ...fields })

describe("process errors", () => {
  it("spawnError: missing program, program the OS refuses, bad cwd, anything else", () => {
    const missing = ProcessErrors.spawnError("/x/codex", undefined, startError({ code: "ENOENT" }))
    expect(missing).toEqual(new CodexBinary.CodexBinaryNotFoundError({ tried: ["/x/codex"] }))
    const refused = ProcessErrors.spawnError(
      "/x/codex",
      undefined,
      startError({ code: "EACCES", description: "spawn /x/codex EACCES" })
    )
    expect(refused).toBeInstanceOf(CodexBinary.CodexBinaryNotExecutableError)
    expect(refused.message).toBe(
      "codex binary /x/codex is not executable: the operating system refused to run it (spawn /x/codex EACCES)"
    )
    // Node reports a missing cwd as `spawn … ENOENT`: the cwd check decides.
    const badCwd = ProcessErrors.spawnError(
      "/x/codex",
      "/gone",
      startError({ code: "ENOENT", cwdProblem: "ENOENT: no such file or directory, stat '/gone'" })
    )
    expect(badCwd).toBeInstanceOf(Errors.InvalidOptionError)
    expect(badCwd.message).toContain("cwd \"/gone\" is not accessible: ENOENT")
    const other = ProcessErrors.spawnError(
      "/x/codex",
      undefined,
      startError({ description: "the environment variable K contains a NUL character" })
    )
    expect(other).toEqual(
      new Errors.TransportClosedError({
        reason: "failed to start /x/codex: the environment variable K contains a NUL character"
      })
    )
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
