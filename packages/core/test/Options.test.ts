import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ApprovalMode from "../src/ApprovalMode.ts"
import type { InvalidOptionError } from "../src/Errors.ts"
import * as Params from "../src/internal/params.ts"
import * as Sandbox from "../src/Sandbox.ts"

describe("ApprovalMode", () => {
  it("lists its members in order", () => {
    assert.deepStrictEqual(ApprovalMode.values, ["denyAll", "autoReview", "manual"])
    assert.strictEqual(ApprovalMode.denyAll, "denyAll")
    assert.strictEqual(ApprovalMode.autoReview, "autoReview")
    assert.strictEqual(ApprovalMode.manual, "manual")
    assert.strictEqual(ApprovalMode.threadStartDefault, "autoReview")
  })

  it.effect("maps every mode to its exact wire fields", () =>
    Effect.gen(function*() {
      assert.strictEqual(
        JSON.stringify(yield* ApprovalMode.toParams(ApprovalMode.autoReview)),
        `{"approvalPolicy":"on-request","approvalsReviewer":"auto_review"}`
      )
      assert.strictEqual(
        JSON.stringify(yield* ApprovalMode.toParams(ApprovalMode.denyAll)),
        `{"approvalPolicy":"never"}`
      )
      assert.strictEqual(
        JSON.stringify(yield* ApprovalMode.toParams(ApprovalMode.manual)),
        `{"approvalPolicy":"on-request","approvalsReviewer":"user"}`
      )
    }))

  it.effect("denyAll omits approvalsReviewer entirely", () =>
    Effect.gen(function*() {
      assert.isFalse("approvalsReviewer" in (yield* ApprovalMode.toParams("denyAll")))
    }))

  it.effect("thread/start defaults to autoReview", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* Params.approvalThreadStartParams(), {
        approvalPolicy: "on-request",
        approvalsReviewer: "auto_review"
      })
      assert.deepStrictEqual(yield* Params.approvalThreadStartParams("denyAll"), { approvalPolicy: "never" })
    }))

  it.effect("overrides: undefined sends nothing, a mode sends its fields", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* Params.approvalOverrideParams(), {})
      assert.deepStrictEqual(yield* Params.approvalOverrideParams(undefined), {})
      assert.deepStrictEqual(yield* Params.approvalOverrideParams("manual"), {
        approvalPolicy: "on-request",
        approvalsReviewer: "user"
      })
    }))

  it.effect("the mapping is a fresh object (callers cannot corrupt it)", () =>
    Effect.gen(function*() {
      const a = (yield* ApprovalMode.toParams("autoReview")) as { approvalPolicy?: string }
      a.approvalPolicy = "never"
      assert.strictEqual((yield* ApprovalMode.toParams("autoReview")).approvalPolicy, "on-request")
    }))

  for (const bad of ["allow_all", "auto_review", "deny_all", "AutoReview", "", 1, null, {}]) {
    it.effect(`rejects ${JSON.stringify(bad)} naming approvalMode`, () =>
      Effect.gen(function*() {
        for (
          const attempt of [
            ApprovalMode.toParams(bad as ApprovalMode.ApprovalMode),
            Params.approvalThreadStartParams(bad as ApprovalMode.ApprovalMode),
            Params.approvalOverrideParams(bad as ApprovalMode.ApprovalMode),
            ApprovalMode.decode(bad)
          ] as ReadonlyArray<Effect.Effect<unknown, InvalidOptionError>>
        ) {
          const error = yield* Effect.flip(attempt)
          assert.strictEqual(error._tag, "InvalidOptionError")
          assert.strictEqual(error.option, "approvalMode")
          assert.include(error.message, "approvalMode must be one of: denyAll, autoReview, manual")
        }
        assert.isFalse(ApprovalMode.isApprovalMode(bad))
      }))
  }

  it.effect("decode accepts every mode", () =>
    Effect.gen(function*() {
      for (const mode of ApprovalMode.values) {
        assert.strictEqual(yield* ApprovalMode.decode(mode), mode)
        assert.isTrue(ApprovalMode.isApprovalMode(mode))
      }
    }))
})

describe("Sandbox", () => {
  it.effect("thread-level mode strings", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* Sandbox.toThreadMode(Sandbox.readOnly), "read-only")
      assert.strictEqual(yield* Sandbox.toThreadMode(Sandbox.workspaceWrite), "workspace-write")
      assert.strictEqual(yield* Sandbox.toThreadMode(Sandbox.fullAccess), "danger-full-access")
    }))

  it.effect("thread-level params: omitted when undefined", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* Params.sandboxThreadParams(), {})
      assert.deepStrictEqual(yield* Params.sandboxThreadParams(Sandbox.readOnly), { sandbox: "read-only" })
      assert.deepStrictEqual(yield* Params.sandboxThreadParams(Sandbox.workspaceWrite), { sandbox: "workspace-write" })
      assert.deepStrictEqual(yield* Params.sandboxThreadParams(Sandbox.fullAccess), { sandbox: "danger-full-access" })
    }))

  it.effect("turn-level policy objects, defaults included, in the Python key order", () =>
    Effect.gen(function*() {
      assert.strictEqual(
        JSON.stringify(yield* Sandbox.toTurnPolicy(Sandbox.readOnly)),
        `{"type":"readOnly","networkAccess":false}`
      )
      assert.strictEqual(
        JSON.stringify(yield* Sandbox.toTurnPolicy(Sandbox.workspaceWrite)),
        `{"type":"workspaceWrite","writableRoots":[],"networkAccess":false,"excludeTmpdirEnvVar":false,"excludeSlashTmp":false}`
      )
      assert.strictEqual(JSON.stringify(yield* Sandbox.toTurnPolicy(Sandbox.fullAccess)), `{"type":"dangerFullAccess"}`)
    }))

  it.effect("turn-level params: omitted when undefined", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* Params.sandboxTurnParams(), {})
      assert.deepStrictEqual(yield* Params.sandboxTurnParams(Sandbox.fullAccess), {
        sandboxPolicy: { type: "dangerFullAccess" }
      })
    }))

  it.effect("options reach the turn policy", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* Sandbox.toTurnPolicy(Sandbox.readOnlyWith({ networkAccess: true })), {
        type: "readOnly",
        networkAccess: true
      })
      assert.deepStrictEqual(
        yield* Sandbox.toTurnPolicy(
          Sandbox.workspaceWriteWith({
            writableRoots: ["/data/out", "C:\\work"],
            networkAccess: true,
            excludeTmpdirEnvVar: true,
            excludeSlashTmp: true
          })
        ),
        {
          type: "workspaceWrite",
          writableRoots: ["/data/out", "C:\\work"],
          networkAccess: true,
          excludeTmpdirEnvVar: true,
          excludeSlashTmp: true
        }
      )
      assert.deepStrictEqual(
        yield* Sandbox.toTurnPolicy(Sandbox.workspaceWriteWith({ networkAccess: true })),
        {
          type: "workspaceWrite",
          writableRoots: [],
          networkAccess: true,
          excludeTmpdirEnvVar: false,
          excludeSlashTmp: false
        }
      )
    }))

  it.effect("constructors with default options equal the presets and are fine for threads", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(Sandbox.readOnlyWith({}), Sandbox.readOnly)
      assert.deepStrictEqual(Sandbox.workspaceWriteWith({}), Sandbox.workspaceWrite)
      assert.strictEqual(
        yield* Sandbox.toThreadMode(Sandbox.workspaceWriteWith({ writableRoots: [] })),
        "workspace-write"
      )
    }))

  for (
    const [name, sandbox] of [
      ["readOnly with network access", Sandbox.readOnlyWith({ networkAccess: true })],
      ["workspaceWrite with writable roots", Sandbox.workspaceWriteWith({ writableRoots: ["/data"] })],
      ["workspaceWrite with network access", Sandbox.workspaceWriteWith({ networkAccess: true })],
      ["workspaceWrite excluding TMPDIR", Sandbox.workspaceWriteWith({ excludeTmpdirEnvVar: true })],
      ["workspaceWrite excluding /tmp", Sandbox.workspaceWriteWith({ excludeSlashTmp: true })]
    ] as const
  ) {
    it.effect(`thread level rejects ${name} (the mode string cannot carry options)`, () =>
      Effect.gen(function*() {
        const attempts: ReadonlyArray<Effect.Effect<unknown, InvalidOptionError>> = [
          Sandbox.toThreadMode(sandbox),
          Params.sandboxThreadParams(sandbox)
        ]
        for (const attempt of attempts) {
          const error = yield* Effect.flip(attempt)
          assert.strictEqual(error._tag, "InvalidOptionError")
          assert.strictEqual(error.option, "sandbox")
          assert.include(error.message, "apply to turns only")
        }
      }))
  }

  const invalid: ReadonlyArray<readonly [string, unknown, string]> = [
    ["the raw string \"workspace\"", "workspace", "Sandbox.workspaceWrite"],
    ["the wire string \"read-only\"", "read-only", "sandbox must be one of: Sandbox.readOnly"],
    ["a wire policy object", { type: "readOnly", networkAccess: false }, "sandbox must be one of"],
    ["an unknown tag", { _tag: "External" }, "sandbox must be one of"],
    ["null", null, "sandbox must be one of"],
    ["a number", 3, "sandbox must be one of"],
    ["a non-boolean networkAccess", { _tag: "ReadOnly", networkAccess: "yes" }, "networkAccess must be a boolean"],
    [
      "a missing flag",
      { _tag: "WorkspaceWrite", writableRoots: [], networkAccess: false, excludeTmpdirEnvVar: false },
      "excludeSlashTmp must be a boolean"
    ],
    [
      "writableRoots that is not an array",
      { ...Sandbox.workspaceWrite, writableRoots: "/data" },
      "writableRoots must be an array"
    ],
    [
      "a relative writable root",
      { ...Sandbox.workspaceWrite, writableRoots: ["/ok", "data/out"] },
      "writableRoots must be absolute paths (got \"data/out\")"
    ],
    [
      "a non-string writable root",
      { ...Sandbox.workspaceWrite, writableRoots: [7] },
      "writableRoots must be absolute paths"
    ]
  ]
  for (const [name, value, message] of invalid) {
    it.effect(`rejects ${name} naming sandbox, at both levels`, () =>
      Effect.gen(function*() {
        for (
          const attempt of [
            Sandbox.toThreadMode(value as Sandbox.Sandbox),
            Sandbox.toTurnPolicy(value as Sandbox.Sandbox),
            Params.sandboxThreadParams(value as Sandbox.Sandbox),
            Params.sandboxTurnParams(value as Sandbox.Sandbox),
            Sandbox.decode(value)
          ] as ReadonlyArray<Effect.Effect<unknown, InvalidOptionError>>
        ) {
          const error = yield* Effect.flip(attempt)
          assert.strictEqual(error._tag, "InvalidOptionError")
          assert.strictEqual(error.option, "sandbox")
          assert.include(error.message, message)
        }
        assert.isFalse(Sandbox.isSandbox(value))
      }))
  }

  it.effect("decode accepts the presets and well-formed options", () =>
    Effect.gen(function*() {
      for (
        const sandbox of [
          Sandbox.readOnly,
          Sandbox.workspaceWrite,
          Sandbox.fullAccess,
          Sandbox.readOnlyWith({ networkAccess: true }),
          Sandbox.workspaceWriteWith({ writableRoots: ["/a", "D:/b", "\\\\host\\share"] })
        ]
      ) {
        assert.deepStrictEqual(yield* Sandbox.decode(sandbox), sandbox)
        assert.isTrue(Sandbox.isSandbox(sandbox))
      }
    }))

  it.effect("the policy does not share the caller's writableRoots array", () =>
    Effect.gen(function*() {
      const roots = ["/a"]
      const policy = yield* Sandbox.toTurnPolicy(Sandbox.workspaceWriteWith({ writableRoots: roots }))
      roots.push("/b")
      assert.deepStrictEqual(policy, {
        type: "workspaceWrite",
        writableRoots: ["/a"],
        networkAccess: false,
        excludeTmpdirEnvVar: false,
        excludeSlashTmp: false
      })
    }))
})

describe("Duration options (internal/params)", () => {
  it.effect("accepts positive durations, keeps undefined", () =>
    Effect.gen(function*() {
      assert.isUndefined(yield* Params.duration("idleTimeout", undefined))
      assert.strictEqual(Duration.toMillis((yield* Params.duration("idleTimeout", "2 seconds"))!), 2000)
      assert.strictEqual(Duration.toMillis((yield* Params.duration("idleTimeout", 1500))!), 1500)
      assert.strictEqual(Duration.toMillis((yield* Params.duration("idleTimeout", Duration.minutes(1)))!), 60_000)
      assert.isFalse(Duration.isFinite((yield* Params.duration("idleTimeout", Duration.infinity))!))
    }))

  it.effect("rejects what is not a positive duration, naming the option", () =>
    Effect.gen(function*() {
      for (const bad of ["banana", "", -1, 0, Number.NaN, true, null, {}, { minutes: "x" }, "5 fortnights"]) {
        const error = yield* Effect.flip(Params.duration("idleTimeout", bad))
        assert.strictEqual(error._tag, "InvalidOptionError")
        assert.strictEqual(error.option, "idleTimeout")
        assert.include(error.message, "idleTimeout must be a positive duration")
      }
    }))
})
