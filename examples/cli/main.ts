/**
 * effect-codex CLI: start a thread and watch one turn live.
 *
 * Reasoning and the answer stream in as their deltas arrive, commands and file changes show up as
 * they happen, a spinner runs while the model works, and the token usage closes the turn. Ctrl-C
 * interrupts the turn cleanly before the app-server stops.
 *
 * Without `OPENAI_API_KEY` it runs offline: the real `codex app-server` against the embedded
 * FakeModel, scripted with a short demo (reasoning, an `ls`, a new file, a streamed answer) in a
 * temporary workspace. With `OPENAI_API_KEY` set it talks to the real service, in the current
 * directory.
 *
 *     pnpm start                          # the demo prompt
 *     pnpm start "What does this repository do?"
 *     node examples/cli/main.ts "Explain src/index.ts"
 */
import { AppServerClient, Codex, Turn } from "@effect-codex/core"
import type { Protocol } from "@effect-codex/core"
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Option, Stream } from "effect"
import * as Path from "node:path"
import * as Backend from "../_backend.ts"
import { demoFiles, demoPrompt, demoScript } from "./demo.ts"
import * as Screen from "./Screen.ts"

type ThreadItem = Protocol.Schemas.ThreadItem
type TokenUsage = Protocol.Schemas.ThreadTokenUsage

/** The prompt when none is given: read-only on the real service; the demo also writes a file. */
const defaultPrompt = (live: boolean) =>
  live ? "What is this project? Look at the files and tell me in two sentences." : demoPrompt

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
    if (AppServerClient.isUnknown(event)) return Effect.void
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
        return screen.line(style.red(`  ! ${event.params.error.message}${event.params.willRetry ? " (retrying)" : ""}`))
      default:
        return Effect.void
    }
  }
}

/** Starts a thread, streams one turn on the screen, and prints its usage. */
const watchTurn = (screen: Screen.Screen, prompt: string) =>
  Effect.gen(function*() {
    const codex = yield* Codex.Codex
    const backend = yield* Backend.Backend
    const { style } = screen

    yield* screen.status("starting a thread")
    const thread = yield* codex.threadStart()
    const handle = yield* thread.turn(prompt)
    yield* screen.status("thinking")
    const events = handle.stream.pipe(Stream.tap(render(screen, backend.workspace)))

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
  }).pipe(
    Effect.catchTag("TurnFailedError", (error) =>
      Effect.andThen(
        screen.line(screen.style.red(`turn failed: ${error.message}`)),
        Effect.sync(() => void (process.exitCode = 1))
      ))
  )

const main = Effect.gen(function*() {
  const screen = Screen.make()
  const { style } = screen
  const live = Option.isSome(yield* Backend.apiKey)
  const prompt = process.argv.slice(2).join(" ").trim() || defaultPrompt(live)

  yield* screen.line(
    style.bold("effect-codex") + " · " + (live
      ? style.green("live: OPENAI_API_KEY is set, talking to the real Codex service")
      : style.yellow(
        "offline demo: no OPENAI_API_KEY, so the real codex app-server runs against the embedded FakeModel"
      ))
  )
  yield* screen.line(style.bold(`› ${prompt}`))
  yield* screen.status("starting codex app-server")

  yield* watchTurn(screen, prompt).pipe(
    Effect.provide(Backend.layer({
      banner: false,
      script: demoScript,
      files: demoFiles,
      offline: { sandboxMode: "workspace-write" }
    })),
    screen.withSpinner
  )
})

main.pipe(NodeRuntime.runMain)
