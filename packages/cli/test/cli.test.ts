/**
 * The `effect-codex` bin (`pnpm start`) as a user runs it:
 *
 * - its command line (`effect/cli`): `--help` and `--version` print and start nothing;
 * - offline (the real `codex app-server` against the scripted FakeModel, which answers the prompt
 *   typed): piped to a file (no spinner, no escape codes), in tmux (the screen is captured while
 *   the turn runs, so the test sees the spinner and the answer while it streams), and under
 *   `script` (a pseudo-terminal without tmux);
 * - live against a FakeModel on 127.0.0.1 (`OPENAI_BASE_URL`): the key is used for the session
 *   only unless `--save-login`, and without credentials it fails before any turn.
 */
import * as CodexHome from "@effect-codex/testing/CodexHome"
import * as FakeModel from "@effect-codex/testing/FakeModel"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { execFileSync, spawn } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { bin, cliEnv, expectLinesInOrder, packageDir, repoRoot, runCli, stripAnsi } from "./helpers.ts"

const prompt = "What is this project? Answer like a pirate."

/** Quotes a word for `sh -c`. */
const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`

/** The shell command a terminal runs: the CLI, then its exit status. */
const command = `${quote(process.execPath)} ${quote(bin)} ${quote(prompt)}; echo "[exit $?]"`

const answerStart = `You asked: "${prompt}". I am the offline demo's scripted model`
const answerEnd = "I added NOTES.md with a one-line summary."

/** The lines the finished screen shows, in order. */
const finalScreen: ReadonlyArray<string | RegExp> = [
  /^effect-codex · offline demo: the real codex app-server against a scripted fake model/,
  `› ${prompt}`,
  "  thinking",
  `    The user asks: "${prompt}". Listing the files first.`,
  "  $ ls -R",
  "    README.md",
  "    package.json",
  /^ {4}✓ exit 0/,
  "  ✎ add NOTES.md",
  "    ✓ applied",
  `${answerStart}, so here is what I can tell: this is **tiny-todo**, a small TypeScript command-line to-do list ` +
  "(`src/cli.ts` is the entry point, `src/todo.ts` defines the `Todo` type). I added NOTES.md with a one-line summary.",
  /^tokens: [\d,]+ in \([\d,]+ cached\) · [\d,]+ out \([\d,]+ reasoning\) · [\d,]+ total · \d+\.\ds$/,
  /^thread [0-9a-f-]{36}$/
]

/** The finished terminal: the CLI's lines, then its exit status. */
const terminalScreen = [...finalScreen, "[exit 0]"]

const spinnerFrame = /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] .+ · \d+\.\ds$/m

const packageVersion = (JSON.parse(readFileSync(Path.join(packageDir, "package.json"), "utf8")) as {
  readonly version: string
}).version

/** A fresh, empty folder, removed when the scope closes. */
const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(Path.join(tmpdir(), "effect-codex-cli-test-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

describe("cli: command line", () => {
  it.live("--help prints the usage and every flag, and starts nothing (CODEX_HOME stays empty)", () =>
    Effect.gen(function*() {
      const home = yield* tempDir
      const { code, stdout } = yield* Effect.promise(() =>
        runCli(["--no-offline", "--help", "a prompt that must not be sent"], cliEnv({ CODEX_HOME: home }))
      )
      expect(code).toBe(0)
      expectLinesInOrder(stdout, ["USAGE", "  effect-codex [flags] [<prompt...>]"])
      for (const flag of ["--model", "--cwd", "--sandbox", "--approval", "--offline", "--save-login", "--version"]) {
        expect(stdout).toContain(flag)
      }
      expect(stdout).not.toContain("effect-codex ·")
      expect(readdirSync(home)).toEqual([])
    }).pipe(Effect.scoped))

  it.live("--version prints the package's version", () =>
    Effect.gen(function*() {
      const { code, stdout } = yield* Effect.promise(() => runCli(["--version"]))
      expect(code).toBe(0)
      expect(stdout.trim()).toBe(`effect-codex v${packageVersion}`)
    }))

  it.live("an unknown flag is a usage error (exit 1), not a prompt", () =>
    Effect.gen(function*() {
      const { code, stderr, stdout } = yield* Effect.promise(() => runCli(["--frobnicate", "hello"]))
      expect(code).toBe(1)
      expect(stdout + stderr).toContain("Unrecognized flag: --frobnicate")
      expect(stdout).not.toContain("effect-codex ·")
    }))

  it.live("--save-login without OPENAI_API_KEY is refused before anything starts", () =>
    Effect.gen(function*() {
      const home = yield* tempDir
      const { code, stdout } = yield* Effect.promise(() =>
        runCli(["--save-login", "hello"], cliEnv({ CODEX_HOME: home }))
      )
      expect(code).toBe(1)
      expect(stdout).toContain("error: InvalidFlagsError: --save-login needs OPENAI_API_KEY")
      expect(readdirSync(home)).toEqual([])
    }).pipe(Effect.scoped))
})

describe("cli: live (the real app-server, a FakeModel on 127.0.0.1 as OPENAI_BASE_URL)", () => {
  it.live("without credentials it fails with a clear message before any turn (the app-server did start)", () =>
    Effect.gen(function*() {
      const home = yield* tempDir
      const model = yield* FakeModel.FakeModel
      const { code, stdout } = yield* Effect.promise(() =>
        runCli(["--no-offline", "hello"], cliEnv({ CODEX_HOME: home, OPENAI_BASE_URL: model.url }))
      )
      expect(code).toBe(1)
      expectLinesInOrder(stdout, [
        "effect-codex · live: the credentials of `codex login`",
        "› hello",
        "error: NoCredentialsError: no credentials: set OPENAI_API_KEY or run `codex login`"
      ])
      expect(yield* model.requests).toEqual([])
      expect(readdirSync(home).length).toBeGreaterThan(0) // the app-server ran there: --help above really started nothing
    }).pipe(Effect.scoped, Effect.provide(FakeModel.layer)))

  // OPENAI_API_KEY reaches the model either way; only with --save-login does CODEX_HOME keep it.
  for (
    const key of [
      {
        name: "OPENAI_API_KEY is used for the session only: the model sees it, CODEX_HOME gets no auth.json",
        apiKey: "sk-session-only-test",
        args: ["--sandbox", "read-only", "ahoy"],
        provider: "OPENAI_BASE_URL",
        answer: "Arr, this be a session answer.",
        lines: ["effect-codex · live: OPENAI_API_KEY for this session only (not saved)", "› ahoy"],
        saved: false
      },
      {
        name: "--save-login logs in through the app-server, which stores the key in CODEX_HOME/auth.json",
        apiKey: "sk-saved-login-test",
        args: ["--save-login", "ahoy"],
        // the user's config: a provider (the FakeModel) that requires OpenAI auth, as the built-in one does
        provider: "config.toml",
        answer: "Saved and answered.",
        lines: [
          "effect-codex · live: logging in with OPENAI_API_KEY, saved in CODEX_HOME/auth.json (--save-login)",
          "logged in with OPENAI_API_KEY (saved in CODEX_HOME/auth.json)"
        ],
        saved: true
      }
    ] as const
  ) {
    it.live(key.name, () =>
      Effect.gen(function*() {
        const home = yield* tempDir
        const model = yield* FakeModel.FakeModel
        const env = cliEnv({ CODEX_HOME: home, OPENAI_API_KEY: key.apiKey })
        if (key.provider === "OPENAI_BASE_URL") env["OPENAI_BASE_URL"] = model.url
        else {
          const port = Number(new URL(model.url).port)
          writeFileSync(Path.join(home, "config.toml"), CodexHome.configToml({ port, requiresOpenaiAuth: true }))
        }
        yield* model.enqueue(FakeModel.message(key.answer))
        const { code, stdout } = yield* Effect.promise(() => runCli(key.args, env))
        expect(code, stdout).toBe(0)
        expectLinesInOrder(stdout, [...key.lines, key.answer])
        const requests = yield* model.requests
        expect(requests.map((r) => r.headers["authorization"])).toEqual([`Bearer ${key.apiKey}`])
        const authJson = Path.join(home, "auth.json")
        if (key.saved) expect(readFileSync(authJson, "utf8")).toContain(key.apiKey)
        else {
          expect(existsSync(authJson)).toBe(false)
          expect(readdirSync(home).join("\n")).not.toMatch(/auth/)
        }
      }).pipe(Effect.scoped, Effect.provide(FakeModel.layer)))
  }

  it.live("a failed turn shows the server's messages: each retry, then the final error (exit 1)", () =>
    Effect.gen(function*() {
      const home = yield* tempDir
      const model = yield* FakeModel.FakeModel
      // codex retries a broken stream 5 times, then fails the turn
      yield* model.enqueue(...Array.from({ length: 6 }, (_, i) => FakeModel.failed(`out of ideas #${i + 1}`)))
      const env = cliEnv({ CODEX_HOME: home, OPENAI_BASE_URL: model.url, OPENAI_API_KEY: "sk-fail-test" })
      const { code, stdout } = yield* Effect.promise(() => runCli(["ahoy"], env))
      expect(code).toBe(1)
      expectLinesInOrder(stdout, [
        /^ {2}! Reconnecting\.\.\. 1\/5 \(.*out of ideas #1\) \(retrying\)$/,
        /^ {2}! Reconnecting\.\.\. 5\/5 \(.*out of ideas #5\) \(retrying\)$/,
        // the final error has no details of its own: the turn error keeps the last retry's (TurnFailedError)
        /^error: turn failed: .*out of ideas #6 \(.*out of ideas #5\)$/
      ])
    }).pipe(Effect.scoped, Effect.provide(FakeModel.layer)))
})

describe("cli: offline demo in a terminal", () => {
  it("prints plain text when its output is not a terminal", async () => {
    const { code, stdout } = await runCli([prompt])
    expect(code).toBe(0)
    expect(stdout).not.toContain("\x1b[")
    expectLinesInOrder(stdout, finalScreen)
  })

  it("streams the turn live in tmux: spinner, deltas, commands, file changes, usage", async () => {
    const socket = `effect-codex-cli-test-${process.pid}`
    const tmux = (...args: ReadonlyArray<string>) =>
      execFileSync("tmux", ["-L", socket, "-f", "/dev/null", ...args], { env: cliEnv(), encoding: "utf8" })
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
      const child = spawn("script", ["-q", "-e", "-c", command, "/dev/null"], { cwd: repoRoot, env: cliEnv() })
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
