/**
 * The turn view of the CLI: starts a thread, streams one turn on the screen (reasoning and the
 * answer as their deltas arrive, commands and file changes as they happen), and closes with the
 * token usage. Ctrl-C interrupts the turn on the server before the app-server stops.
 */
import type { Protocol } from "@effect-codex/core"
import type * as Codex from "@effect-codex/core/Codex"
import * as Notification from "@effect-codex/core/Notification"
import * as Turn from "@effect-codex/core/Turn"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Path from "node:path"
import type * as Screen from "./Screen.ts"

type ThreadItem = Protocol.Schemas.ThreadItem
type TokenUsage = Protocol.Schemas.ThreadTokenUsage

/** `/bin/bash -lc 'ls -la'` → `ls -la`. */
const shellCommand = (command: string) => /^\S+ -l?c '(.*)'$/s.exec(command)?.[1] ?? command

const plural = (n: number, word: string) => `${n.toLocaleString("en-US")} ${word}`

/** `tokens: 1,234 in (1,000 cached) · 56 out · 1,290 total · 3.2s` (the thread's total: here, this turn). */
const usageLine = (usage: TokenUsage | null, durationMs: number | null): string => {
  const time = durationMs === null ? "" : ` · ${(durationMs / 1000).toFixed(1)}s`
  if (usage === null) return `tokens: not reported${time}`
  const { cachedInputTokens, inputTokens, outputTokens, reasoningOutputTokens, totalTokens } = usage.total
  const cached = cachedInputTokens > 0 ? ` (${plural(cachedInputTokens, "cached")})` : ""
  const reasoning = reasoningOutputTokens > 0 ? ` (${plural(reasoningOutputTokens, "reasoning")})` : ""
  return `tokens: ${plural(inputTokens, "in")}${cached} · ${plural(outputTokens, "out")}${reasoning} · ` +
    `${plural(totalTokens, "total")}${time}`
}

/** Renders one turn event on the screen. */
const render = (screen: Screen.Screen, workspace: string) => {
  const { style } = screen
  const streamedItems = new Set<string>()
  // Reasoning summaries print indented under "thinking", one line per summary part.
  let partStart = true
  const reasoningDelta = (delta: string) => {
    const text = (partStart ? "    " : "") + delta.replace(/\n(?!$)/g, "\n    ")
    partStart = false
    return screen.write(style.dim(text))
  }

  const started = (item: ThreadItem) => {
    switch (item.type) {
      case "reasoning":
        partStart = true
        return Effect.andThen(screen.status("thinking"), screen.line(style.dim("  thinking")))
      case "commandExecution": {
        const command = shellCommand(item.command)
        return Effect.andThen(screen.status(`running ${command}`), screen.line(style.cyan(`  $ ${command}`)))
      }
      case "fileChange":
        return Effect.andThen(
          screen.status("editing files"),
          Effect.forEach(
            item.changes,
            (change) =>
              screen.line(
                style.yellow(`  ✎ ${change.kind.type} ${Path.relative(workspace, change.path) || change.path}`)
              )
          )
        )
      case "agentMessage":
        return Effect.andThen(screen.status("answering"), screen.line(""))
      default:
        return Effect.void
    }
  }

  const completed = (item: ThreadItem) => {
    switch (item.type) {
      case "reasoning":
        return Effect.andThen(screen.endLine, screen.status("thinking"))
      case "commandExecution": {
        const output = (item.aggregatedOutput ?? "").trimEnd().split("\n").filter((l) => l !== "")
        const shown = output.slice(0, 8).map((l) => style.dim(`    ${l}`))
        const more = output.length > 8 ? [style.dim(`    … ${output.length - 8} more lines`)] : []
        const ok = item.status === "completed" && (item.exitCode ?? 0) === 0
        const took = (item.durationMs ?? 0) > 0 ? ` · ${item.durationMs} ms` : ""
        const result = ok
          ? style.green(`    ✓ exit ${item.exitCode ?? 0}${took}`)
          : style.red(`    ✗ ${item.status}, exit ${item.exitCode ?? "?"}${took}`)
        return Effect.andThen(
          Effect.forEach([...shown, ...more, result], screen.line),
          screen.status("thinking")
        )
      }
      case "fileChange":
        return Effect.andThen(
          screen.line(item.status === "completed" ? style.green("    ✓ applied") : style.red(`    ✗ ${item.status}`)),
          screen.status("thinking")
        )
      case "agentMessage":
        // An answer that arrived without deltas is printed whole.
        return Effect.andThen(streamedItems.has(item.id) ? Effect.void : screen.write(item.text), screen.endLine)
      default:
        return Effect.void
    }
  }

  return (event: Turn.TurnEvent): Effect.Effect<void> => {
    if (Notification.isUnknown(event)) return Effect.void
    switch (event.method) {
      case "item/started":
        return started(event.params.item)
      case "item/completed":
        return completed(event.params.item)
      case "item/reasoning/summaryTextDelta":
        return reasoningDelta(event.params.delta)
      case "item/reasoning/summaryPartAdded":
        partStart = true
        return screen.endLine
      case "item/agentMessage/delta":
        streamedItems.add(event.params.itemId)
        return screen.write(event.params.delta)
      case "error":
        return screen.line(style.red(
          `  ! ${errorText(event.params.error)}${event.params.willRetry ? " (retrying)" : ""}`
        ))
      default:
        return Effect.void
    }
  }
}

/** A server error with its details: `message (additionalDetails)` when the server sent details. */
export const errorText = (error: {
  readonly message: string
  readonly additionalDetails?: unknown
}): string => {
  const details = error.additionalDetails
  if (details === undefined || details === null || details === "") return error.message
  return `${error.message} (${typeof details === "string" ? details : JSON.stringify(details)})`
}

/** Starts a thread with `options`, streams one turn of `prompt` on the screen, and prints its usage. */
export const watchTurn = (
  codex: Codex.Service,
  screen: Screen.Screen,
  workspace: string,
  prompt: string,
  options: Codex.ThreadStartOptions
) =>
  Effect.gen(function*() {
    const { style } = screen
    yield* screen.status("starting a thread")
    const thread = yield* codex.threadStart(options)
    const handle = yield* thread.turn(prompt)
    yield* screen.status("thinking")
    const events = handle.stream.pipe(Stream.tap(render(screen, workspace)))

    const result = yield* Turn.collect(handle.id, handle.threadId, events).pipe(
      // Ctrl-C: stop the turn on the server before the app-server itself is stopped.
      Effect.onInterrupt(() =>
        Effect.andThen(handle.interrupt.pipe(Effect.ignore), screen.line(style.yellow("interrupted")))
      )
    )
    yield* screen.line(style.dim("─".repeat(40)))
    if (result.status !== "completed") yield* screen.line(style.red(`turn ${result.status}`))
    yield* screen.line(usageLine(result.usage, result.durationMs))
    yield* screen.line(style.dim(`thread ${thread.id}`))
  })
