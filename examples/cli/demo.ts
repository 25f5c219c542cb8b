/**
 * The offline demo of the CLI: a tiny project to look at, and what the FakeModel answers. The real
 * `codex app-server` runs the `ls` and applies the patch in a temporary workspace.
 */
import { FakeModel } from "@effect-codex/testing"

/** The demo's prompt (what the scripted replies answer). */
export const demoPrompt =
  "What is this project? Look at the files, add a NOTES.md with a summary, and tell me in two sentences."

/** The files of the demo workspace. */
export const demoFiles: Readonly<Record<string, string>> = {
  "README.md": "# tiny-todo\n\nA to-do list for the terminal.\n",
  "package.json": JSON.stringify({ name: "tiny-todo", version: "1.0.0", type: "module", bin: "src/cli.ts" }, null, 2),
  "src/cli.ts": "console.log(\"todo: nothing to do\")\n",
  "src/todo.ts": "export interface Todo {\n  readonly title: string\n  readonly done: boolean\n}\n"
}

const notes = "# Notes\n\ntiny-todo is a small TypeScript command-line to-do list.\n"

const answer = "This is **tiny-todo**, a small TypeScript command-line to-do list: `src/cli.ts` is the entry " +
  "point and `src/todo.ts` defines the `Todo` type. I added NOTES.md with a one-line summary."

/** One reply per model request: look around, write the notes, then answer. */
export const demoScript: ReadonlyArray<FakeModel.Reply> = [
  FakeModel.response([
    FakeModel.reasoning("The user wants an overview of the project. Listing the files first.", {
      deltas: 8,
      delayMs: 70
    }),
    FakeModel.execCommand("ls -R")
  ], { usage: { inputTokens: 1830, cachedInputTokens: 1024, outputTokens: 48, reasoningOutputTokens: 16 } }),
  FakeModel.response([
    FakeModel.reasoning("A to-do CLI in TypeScript. I'll write the summary into NOTES.md.", { deltas: 6, delayMs: 60 }),
    FakeModel.applyPatch([FakeModel.addFile("NOTES.md", notes)])
  ], { usage: { inputTokens: 2012, cachedInputTokens: 1792, outputTokens: 64, reasoningOutputTokens: 12 } }),
  FakeModel.message(answer, {
    deltas: 24,
    delayMs: 45,
    usage: { inputTokens: 2140, cachedInputTokens: 1984, outputTokens: 52 }
  })
]
