/**
 * The offline demo of the CLI: a tiny project to look at, and what the scripted FakeModel answers.
 * The real `codex app-server` runs the `ls` and applies the patch in a temporary workspace; the
 * replies are written for the prompt the user typed, so the answer visibly handles it.
 */
import * as FakeModel from "@effect-codex/testing/FakeModel"

/** The prompt when none is given. */
export const defaultPrompt =
  "What is this project? Look at the files, add a NOTES.md with a summary, and tell me in two sentences."

/** The files of the demo workspace. */
export const files: Readonly<Record<string, string>> = {
  "README.md": "# tiny-todo\n\nA to-do list for the terminal.\n",
  "package.json": JSON.stringify({ name: "tiny-todo", version: "1.0.0", type: "module", bin: "src/cli.ts" }, null, 2),
  "src/cli.ts": "console.log(\"todo: nothing to do\")\n",
  "src/todo.ts": "export interface Todo {\n  readonly title: string\n  readonly done: boolean\n}\n"
}

/** A prompt shortened to one line of at most 200 characters, for quoting it back. */
export const quote = (prompt: string): string => {
  const line = prompt.replace(/\s+/g, " ").trim()
  return line.length > 200 ? `${line.slice(0, 199)}…` : line
}

/** The NOTES.md the demo writes: the summary, and the question it was asked. */
export const notes = (prompt: string): string =>
  `# Notes\n\ntiny-todo is a small TypeScript command-line to-do list.\n\nAsked: ${quote(prompt)}\n`

/** The demo's final answer to `prompt`: it quotes the prompt, then says what it found and did. */
export const answer = (prompt: string): string =>
  `You asked: "${quote(prompt)}". I am the offline demo's scripted model, so here is what I can tell: this is ` +
  "**tiny-todo**, a small TypeScript command-line to-do list (`src/cli.ts` is the entry point, `src/todo.ts` " +
  "defines the `Todo` type). I added NOTES.md with a one-line summary."

/** One reply per model request, written for `prompt`: look around, write the notes, then answer. */
export const script = (prompt: string): ReadonlyArray<FakeModel.Reply> => [
  FakeModel.response([
    FakeModel.reasoning(`The user asks: "${quote(prompt)}". Listing the files first.`, { deltas: 8, delayMs: 70 }),
    FakeModel.execCommand("ls -R")
  ], { usage: { inputTokens: 1830, cachedInputTokens: 1024, outputTokens: 48, reasoningOutputTokens: 16 } }),
  FakeModel.response([
    FakeModel.reasoning("A to-do CLI in TypeScript. I'll write the summary into NOTES.md.", { deltas: 6, delayMs: 60 }),
    FakeModel.applyPatch([FakeModel.addFile("NOTES.md", notes(prompt))])
  ], { usage: { inputTokens: 2012, cachedInputTokens: 1792, outputTokens: 64, reasoningOutputTokens: 12 } }),
  FakeModel.message(answer(prompt), {
    deltas: 24,
    delayMs: 45,
    usage: { inputTokens: 2140, cachedInputTokens: 1984, outputTokens: 52 }
  })
]
