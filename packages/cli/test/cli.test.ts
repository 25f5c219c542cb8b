/**
 * The CLI (`examples/cli/main.ts`, `pnpm start`) in a real terminal, offline (the real
 * `codex app-server` against the embedded FakeModel's demo script):
 *
 * - in tmux (when installed): the screen is captured while the turn runs, so the test sees the
 *   spinner and the answer while it streams, then the final screen with the usage line;
 * - under `script` (util-linux, a pseudo-terminal without tmux): the same program, its raw output;
 * - piped to a file: no spinner and no escape codes, only the text.
 */
import { describe, expect, it } from "@effect/vitest"
import { execFileSync, spawn, spawnSync } from "node:child_process"
import * as Path from "node:path"
import { examplesDir, expectLinesInOrder, offlineEnv, repoRoot, runExample, stripAnsi } from "./helpers.ts"

const cli = Path.join(examplesDir, "cli", "main.ts")
const prompt = "What is this project?"

/** Quotes a word for `sh -c`. */
const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`

/** The shell command a terminal runs: the CLI, then its exit status. */
const command = `${quote(process.execPath)} ${quote(cli)} ${quote(prompt)}; echo "[exit $?]"`

const answerStart = "This is **tiny-todo**, a small TypeScript command-line to-do list"
const answerEnd = "I added NOTES.md with a one-line summary."

/** The lines the finished screen shows, in order. */
const finalScreen: ReadonlyArray<string | RegExp> = [
  /^effect-codex · offline demo: no OPENAI_API_KEY/,
  `› ${prompt}`,
  "  thinking",
  "    The user wants an overview of the project. Listing the files first.",
  "  $ ls -R",
  "    README.md",
  "    package.json",
  /^ {4}✓ exit 0/,
  "  ✎ add NOTES.md",
  "    ✓ applied",
  /^This is \*\*tiny-todo\*\*, a small TypeScript command-line to-do list: .* I added NOTES\.md with a one-line summary\.$/,
  /^tokens: [\d,]+ in \([\d,]+ cached\) · [\d,]+ out \([\d,]+ reasoning\) · [\d,]+ total · \d+\.\ds$/,
  /^thread [0-9a-f-]{36}$/
]

/** The finished terminal: the CLI's lines, then its exit status. */
const terminalScreen = [...finalScreen, "[exit 0]"]

const spinnerFrame = /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] .+ · \d+\.\ds$/m

describe("cli", () => {
  it("prints plain text when its output is not a terminal", async () => {
    const { stdout } = await runExample("cli/main.ts", [prompt])
    expect(stdout).not.toContain("\x1b[")
    expectLinesInOrder(stdout, finalScreen)
  })

  it("streams the turn live in tmux: spinner, deltas, commands, file changes, usage", async () => {
    const socket = `effect-codex-cli-test-${process.pid}`
    const tmux = (...args: ReadonlyArray<string>) =>
      execFileSync("tmux", ["-L", socket, "-f", "/dev/null", ...args], { env: offlineEnv(), encoding: "utf8" })
    tmux("new-session", "-d", "-s", "cli", "-x", "120", "-y", "60", "-c", repoRoot, `${command}; sleep 300`)
    try {
      const screens: Array<string> = []
      const deadline = Date.now() + 90_000
      while (Date.now() < deadline) {
        const screen = tmux("capture-pane", "-p", "-J", "-t", "cli")
        screens.push(screen)
        if (screen.includes("[exit ")) break
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      const last = screens.at(-1) ?? ""
      expectLinesInOrder(last.split("\n").map((line) => line.trimEnd()).join("\n"), terminalScreen)
      // While the model worked, a spinner line showed progress…
      expect(screens.some((screen) => spinnerFrame.test(screen))).toBe(true)
      // …and the answer appeared while it streamed, before it was complete.
      expect(screens.some((screen) => screen.includes(answerStart.slice(0, 20)) && !screen.includes(answerEnd)))
        .toBe(true)
    } finally {
      tmux("kill-server")
    }
  })

  it("runs in a pseudo-terminal under script(1) and draws the spinner", async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const child = spawn("script", ["-q", "-e", "-c", command, "/dev/null"], { cwd: repoRoot, env: offlineEnv() })
      let output = ""
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk))
      const timer = setTimeout(() => child.kill("SIGKILL"), 90_000)
      child.on("error", reject)
      child.on("close", () => {
        clearTimeout(timer)
        resolve(output)
      })
    })
    // A terminal shows, on each line, what was written after the last carriage return.
    const screen = stripAnsi(raw).split("\n").map((line) => line.replace(/\r$/, "").split("\r").at(-1)!.trimEnd())
      .join("\n")
    expectLinesInOrder(screen, terminalScreen)
    expect(stripAnsi(raw)).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] starting codex app-server · \d+\.\ds/)
    expect(raw).toContain("\x1b[") // colors and line erasing: it knew it was on a terminal
  })
})
