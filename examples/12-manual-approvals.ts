/**
 * 12 · Decide approvals yourself with an `ApprovalHandler` layer.
 *
 * With `approvalMode: ApprovalMode.manual`, the app-server asks this program before running a
 * command or changing files outside the sandbox. The answers come from the `ApprovalHandler`
 * service: a layer of typed handlers, one per request method, provided to the layer that builds
 * the client. Here a small policy accepts a few harmless commands and declines everything else
 * (without a handler layer, every request is declined with a warning).
 *
 * The thread works in a scoped temporary folder, removed when the program ends.
 *
 *     node examples/12-manual-approvals.ts
 */
import { ApprovalHandler, ApprovalMode, Codex } from "@effect-codex/core"
import { FakeModel } from "@effect-codex/testing"
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Backend from "./_backend.ts"

/** Commands this program lets the agent run outside the sandbox. */
const allowed = ["touch", "ls", "echo", "mkdir"]

/**
 * Whether a shell command (as shown in the request, e.g. `/bin/bash -c 'touch notes.txt'`) is a
 * single allowed program on relative paths: no pipes, redirections, substitutions, command lists,
 * absolute paths or `..`.
 */
const isAllowed = (command: string) => {
  const inner = /^\S+ -l?c '(.*)'$/s.exec(command)?.[1] ?? command
  return !/[;&|<>$`\n\\()]|(^|\s)[/~]|\.\./.test(inner) &&
    allowed.some((program) => inner === program || inner.startsWith(`${program} `))
}

/** The policy, as an `ApprovalHandler` layer. */
const Policy = ApprovalHandler.layer({
  "item/commandExecution/requestApproval": (params) => {
    const command = params.command ?? ""
    const decision = isAllowed(command) ? "accept" : "decline"
    return Console.log(`Approval requested for \`${command}\` (${params.reason ?? "no reason given"}): ${decision}`)
      .pipe(
        Effect.as({ decision })
      )
  },
  "item/fileChange/requestApproval": (params) =>
    Console.log(`File change requested (${params.reason ?? "no reason given"}): decline`).pipe(
      Effect.as({ decision: "decline" as const })
    )
})

const program = Effect.gen(function*() {
  const codex = yield* Codex.Codex
  const fs = yield* FileSystem.FileSystem
  const cwd = yield* fs.makeTempDirectoryScoped({ prefix: "effect-codex-approvals-" })

  const thread = yield* codex.threadStart({ approvalMode: ApprovalMode.manual, cwd })
  const result = yield* thread.run(
    "Create an empty file named notes.txt here, then fetch https://example.com with curl. " +
      "Ask for approval if the sandbox blocks you."
  )

  for (const item of result.items) {
    if (item.type === "commandExecution") yield* Console.log(`Command \`${item.command}\`: ${item.status}`)
  }
  yield* Console.log(`notes.txt exists: ${yield* fs.exists(`${cwd}/notes.txt`)}`)
  yield* Console.log(`Answer: ${result.finalResponse}`)
})

program.pipe(
  Effect.scoped,
  Effect.provide(NodeServices.layer),
  Effect.provide(
    Backend.layer({
      script: [
        FakeModel.execCommand("touch notes.txt", { escalate: "create notes.txt in the workspace" }),
        FakeModel.execCommand("curl -s https://example.com", { escalate: "fetch a web page" }),
        FakeModel.message("I created notes.txt; fetching example.com was not approved.")
      ]
    }).pipe(
      // The client answers approvals with the handler it was built with: provide the policy to the backend.
      Layer.provide(Policy)
    )
  ),
  NodeRuntime.runMain
)
