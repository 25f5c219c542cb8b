/**
 * The public surface of `@effect-codex/core` (python-sdk-behaviour §9.2, test_public_api_signatures.py):
 * the root exports the expected namespaces, and each namespace the same module as its subpath.
 */
import * as Core from "@effect-codex/core"
import * as ApprovalHandler from "@effect-codex/core/ApprovalHandler"
import * as ApprovalMode from "@effect-codex/core/ApprovalMode"
import * as AppServerClient from "@effect-codex/core/AppServerClient"
import * as Codex from "@effect-codex/core/Codex"
import * as Errors from "@effect-codex/core/Errors"
import * as Inputs from "@effect-codex/core/Inputs"
import * as Notification from "@effect-codex/core/Notification"
import * as Retry from "@effect-codex/core/Retry"
import * as Sandbox from "@effect-codex/core/Sandbox"
import * as SocketTransport from "@effect-codex/core/SocketTransport"
import * as Thread from "@effect-codex/core/Thread"
import * as Tools from "@effect-codex/core/Tools"
import * as Transport from "@effect-codex/core/Transport"
import * as Turn from "@effect-codex/core/Turn"
import * as Version from "@effect-codex/core/Version"
import * as Testing from "@effect-codex/testing"
import { assert, describe, it } from "@effect/vitest"

describe("exports", () => {
  it("the root exports exactly the expected namespaces", () => {
    assert.deepStrictEqual(Object.keys(Core).toSorted(), [
      "AppServerClient",
      "ApprovalHandler",
      "ApprovalMode",
      "Codex",
      "Errors",
      "Inputs",
      "Notification",
      "Protocol",
      "Retry",
      "Sandbox",
      "SocketTransport",
      "Thread",
      "Tools",
      "Transport",
      "Turn",
      "Version"
    ])
  })

  it("each root namespace is its subpath module", () => {
    const modules: Record<string, unknown> = {
      AppServerClient,
      ApprovalHandler,
      ApprovalMode,
      Codex,
      Errors,
      Inputs,
      Notification,
      Retry,
      Sandbox,
      SocketTransport,
      Thread,
      Tools,
      Transport,
      Turn,
      Version
    }
    for (const [name, module] of Object.entries(modules)) {
      assert.deepStrictEqual(
        Object.keys((Core as Record<string, object>)[name]!).toSorted(),
        Object.keys(module as object).toSorted(),
        name
      )
      for (const key of Object.keys(module as object)) {
        assert.strictEqual(
          ((Core as Record<string, Record<string, unknown>>)[name]!)[key],
          (module as Record<string, unknown>)[key],
          `${name}.${key}`
        )
      }
    }
  })

  it("the entry points and constructors a program needs", () => {
    assert.isFunction(Core.Codex.Codex)
    assert.isDefined(Core.Codex.layer)
    assert.isDefined(Core.Codex.make)
    assert.isFunction(Core.AppServerClient.layer)
    assert.isFunction(Core.Notification.isUnknown)
    assert.isFunction(Core.Transport.Transport)
    assert.isFunction(Core.Thread.outputJsonSchema)
    assert.isFunction(Core.Turn.finalResponse)
    assert.isFunction(Core.Turn.decodeOutput)
    assert.isFunction(Core.ApprovalHandler.layer)
    assert.isDefined(Core.ApprovalHandler.ApprovalHandler)
    assert.isDefined(Core.ApprovalHandler.defaults)
    assert.isFunction(Core.Retry.retryOnOverload)
    assert.isFunction(Core.Retry.overloadSchedule)
    assert.isFunction(Core.Retry.isRetryableError)
    assert.isFunction(Core.Version.gate)
    assert.strictEqual(Core.Version.minimumRuntimeVersion, "0.151.0")
    assert.isDefined(Core.Protocol.ClientRequests)
    assert.isDefined(Core.Protocol.ServerNotifications)
    assert.isDefined(Core.Protocol.ServerRequests)
    assert.isDefined(Core.Protocol.Schemas)
  })

  it("inputs, sandbox presets and approval modes", () => {
    for (const name of ["text", "image", "localImage", "skill", "mention", "externalMessage", "toWire"] as const) {
      assert.isFunction(Core.Inputs[name], name)
    }
    assert.deepStrictEqual(Core.Inputs.text("hi"), { _tag: "TextInput", text: "hi" })
    assert.deepStrictEqual(Core.Inputs.externalMessage("ci", "green"), {
      _tag: "ExternalMessage",
      toolName: "ci",
      content: "green"
    })
    assert.deepStrictEqual(
      [Core.Sandbox.readOnly._tag, Core.Sandbox.workspaceWrite._tag, Core.Sandbox.fullAccess._tag],
      [
        "ReadOnly",
        "WorkspaceWrite",
        "FullAccess"
      ]
    )
    assert.deepStrictEqual(Core.ApprovalMode.values, ["denyAll", "autoReview", "manual"])
  })

  it("every error class, tagged", () => {
    const tags = [
      "ParseError",
      "InvalidRequestError",
      "MethodNotFoundError",
      "InvalidParamsError",
      "InternalRpcError",
      "ServerBusyError",
      "RetryLimitExceededError",
      "ServerDrainingError",
      "JsonRpcError",
      "TransportClosedError",
      "ProtocolError",
      "TurnFailedError",
      "StructuredOutputError",
      "TimeoutError",
      "InvalidOptionError"
    ] as const
    for (const tag of tags) {
      const ErrorClass = Core.Errors[tag] as unknown
      assert.isFunction(ErrorClass, tag)
    }
    assert.isFunction(Core.Errors.fromRpcError)
    assert.isFunction(Core.Errors.isRetryableError)
    assert.strictEqual(new Core.Errors.InvalidOptionError({ option: "x", message: "m" })._tag, "InvalidOptionError")
    assert.strictEqual(
      Core.Errors.fromRpcError({ code: -32001, message: "Server overloaded; retry later." })._tag,
      "ServerBusyError"
    )
  })

  it("@effect-codex/testing exports its namespaces", () => {
    assert.deepStrictEqual(Object.keys(Testing).toSorted(), [
      "CodexHome",
      "CodexTest",
      "CodexTestRemote",
      "FakeAppServer",
      "FakeModel",
      "FakeModelRequest",
      "FakeModelScript"
    ])
    assert.isDefined(Testing.CodexTest.layer)
    assert.isDefined(Testing.FakeModel.layer)
    assert.isFunction(Testing.FakeAppServer.layer)
    assert.isFunction(Testing.CodexHome.makeTemp)
  })
})
