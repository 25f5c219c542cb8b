/**
 * Small pure helpers shared by the integration tests (no state: every test builds its own
 * `CodexTest.layer`, so its own app-server, FakeModel, CODEX_HOME and workspace).
 */
import type { Protocol } from "@effect-codex/core"
import * as Codex from "@effect-codex/core/Codex"
import * as Notification from "@effect-codex/core/Notification"
import type * as Turn from "@effect-codex/core/Turn"
import * as CodexBinary from "@effect-codex/node/CodexBinary"
import * as CodexTest from "@effect-codex/testing/CodexTest"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import * as Effect from "effect/Effect"
import { execFileSync } from "node:child_process"

type ThreadItem = Protocol.Schemas.ThreadItem

/**
 * The version of the codex binary the tests spawn: the pinned one, or the one `EFFECT_CODEX_BIN`
 * names (`pnpm run compat`), as its `--version` prints it.
 */
export const codexVersion: Effect.Effect<string, CodexBinary.ResolveError> = CodexBinary.resolve().pipe(
  Effect.map((binary) =>
    execFileSync(binary.path, ["--version"], { encoding: "utf8" }).trim().replace(/^codex-cli\s+/, "")
  )
)

/** A 1×1 transparent PNG. */
export const TINY_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64"
)

/** The same PNG as a data URL. */
export const TINY_PNG_DATA_URL = `data:image/png;base64,${TINY_PNG.toString("base64")}`

/** Starts a thread in the test workspace. */
export const startThread = (options: Codex.ThreadStartOptions = {}) =>
  Effect.gen(function*() {
    const codex = yield* Codex.Codex
    const { workspace } = yield* CodexTest.CodexTest
    return yield* codex.threadStart({ cwd: workspace, ...options })
  })

/**
 * Two turns on a new thread: "first question" answered "first answer", then "second question"
 * answered "second answer". Returns the model, the thread and both results.
 */
export const twoTurns = Effect.gen(function*() {
  const model = yield* FakeModel.FakeModel
  yield* model.enqueue(FakeModel.message("first answer"), FakeModel.message("second answer"))
  const thread = yield* startThread()
  const first = yield* thread.run("first question")
  const second = yield* thread.run("second question")
  return { model, thread, first, second }
})

/** Items of one type. */
export const itemsOfType = <T extends ThreadItem["type"]>(
  items: ReadonlyArray<ThreadItem>,
  type: T
): ReadonlyArray<Extract<ThreadItem, { readonly type: T }>> =>
  items.filter((item): item is Extract<ThreadItem, { readonly type: T }> => item.type === type)

/** The texts of the agent messages among some items, in order. */
export const agentTexts = (items: ReadonlyArray<ThreadItem>): ReadonlyArray<string> =>
  itemsOfType(items, "agentMessage").map((item) => item.text)

/** The method of each event. */
export const methods = (events: ReadonlyArray<Turn.TurnEvent>): ReadonlyArray<string> => events.map((e) => e.method)

/** The deltas of `item/agentMessage/delta` events, in order. */
export const deltas = (events: ReadonlyArray<Turn.TurnEvent>): ReadonlyArray<string> =>
  events.flatMap((e) => Notification.is("item/agentMessage/delta")(e) ? [e.params.delta] : [])

/** The items of `item/completed` events, in order. */
export const completedItems = (events: ReadonlyArray<Turn.TurnEvent>): ReadonlyArray<ThreadItem> =>
  events.flatMap((e) => Notification.is("item/completed")(e) ? [e.params.item] : [])

/** Whether an event is the `turn/completed` of a turn. */
export const isTurnCompleted = (turnId: string) => (e: Turn.TurnEvent): boolean =>
  Notification.is("turn/completed")(e) && e.params.turn.id === turnId

/** Whether an event is an agent message delta. */
export const isDelta = (e: Turn.TurnEvent): boolean => Notification.is("item/agentMessage/delta")(e)

/** The `input` items of a model request of one type. */
export const inputItemsOfType = (request: FakeModel.RecordedRequest, type: string) =>
  FakeModel.inputItems(request).filter((item) => item["type"] === type)

/** The model request whose `thread-id` header is `threadId`. */
export const requestsOfThread = (requests: ReadonlyArray<FakeModel.RecordedRequest>, threadId: string) =>
  requests.filter((r) => FakeModel.header(r, "thread-id") === threadId)
