/**
 * Runs every example as a user would (`node examples/NN-name.ts`), offline: the real
 * `codex app-server` against the embedded FakeModel. Each run must exit 0, print the offline
 * banner, and print its key lines. Example 15 is a vitest file and runs as part of this project.
 */
import { describe, expect, it } from "@effect/vitest"
import { readdir } from "node:fs/promises"
import { codexVersion, examplesDir, expectLinesInOrder, runExample } from "./helpers.ts"

const offlineBanner =
  "[offline] OPENAI_API_KEY is not set: running the real codex app-server against the embedded FakeModel"

/** Expected lines, in order: strings are matched exactly (a whole line), regular expressions anywhere in a line. */
const cases: ReadonlyArray<readonly [file: string, lines: ReadonlyArray<string | RegExp>]> = [
  ["01-quickstart.ts", [
    `Codex app-server: ${codexVersion}`,
    "Credentials: not needed by this provider",
    /^Thread: [0-9a-f-]{36}$/,
    "Answer: Hello from Codex, driven by an Effect program!"
  ]],
  ["02-run.ts", [
    /^Turn: +[0-9a-f-]{36}$/,
    "Status:   completed",
    /^Duration: \d+ ms$/,
    "Items:    userMessage, reasoning, agentMessage",
    "Answer:   The letter r appears 3 times in 'strawberry'.",
    "Usage:    42 in, 12 out, 54 total"
  ]],
  ["03-streaming-events.ts", [
    "[turn/started]",
    "[item/started reasoning]",
    "  Streams, rivers, flow: keep it to 5-7-5.",
    "[item/completed reasoning]",
    "[item/started agentMessage]",
    "  Events drift downstream,",
    "  each delta a small ripple —",
    "  the turn completes, calm.",
    "[item/completed agentMessage]",
    /^\[thread\/tokenUsage\/updated total=\d+\]$/,
    "[turn/completed completed]",
    "Answer deltas received: 6"
  ]],
  ["04-existing-thread.ts", [
    "Earlier session: Noted: apple.",
    /^Resumed thread [0-9a-f-]{36}$/,
    "Answer: You asked me to remember: apple.",
    "The thread now has 2 turns."
  ]],
  ["05-lifecycle-and-controls.ts", [
    /^Started [0-9a-f-]{36}: Bubbles, Finn and Goldie\.$/,
    "Named: goldfish names",
    "Listed: yes",
    /^Forked into [0-9a-f-]{36} \(forked from the original\)$/,
    "Compacted: turn completed",
    "Archived: yes",
    "Unarchived: yes"
  ]],
  ["06-image-and-text.ts", ["Answer: A small red-and-white checkerboard pattern."]],
  ["07-local-image-and-text.ts", ["Image: checkerboard.png", "Answer: A tiny checkerboard of red and white squares."]],
  ["08-error-handling-and-retry.ts", [
    "1. turn failed: stream disconnected before completion: the model is overloaded with thoughts",
    "2. attempt failed (TurnFailedError), retrying…",
    "2. answer after retrying: Space and time form one fabric that mass bends, and light always moves at the same speed.",
    "3. InvalidOptionError: maxAttempts must be >= 1 (got 0)"
  ]],
  ["09-model-selection-and-turn-params.ts", [
    /^Models: .*\(default\)/,
    /^Using .+ \(.+\), efforts: /,
    /^Quick answer \(effort \w+\): Blue\.$/,
    /^Careful answer \(effort \w+\): Air molecules scatter blue light/,
    "Reasoning items: 1"
  ]],
  ["10-steer-and-interrupt.ts", [
    "Steered the turn.",
    "Steered turn: completed: Gutenberg's movable type press, around 1450, made printed books affordable across Europe.",
    "Interrupted the turn.",
    "Interrupted turn: interrupted"
  ]],
  ["11-login-and-account.ts", [
    "Account: none (requires OpenAI auth: true)",
    "Logged in with API key <redacted>",
    "Account: apiKey",
    "Answer: Hi there, nice to meet you!",
    "Logged out. Account: none"
  ]],
  ["12-manual-approvals.ts", [
    "Approval requested for `/bin/bash -c 'touch notes.txt'` (create notes.txt in the workspace): accept",
    "Approval requested for `/bin/bash -c 'curl -s https://example.com'` (fetch a web page): decline",
    "Command `/bin/bash -c 'touch notes.txt'`: completed",
    "Command `/bin/bash -c 'curl -s https://example.com'`: declined",
    "notes.txt exists: true",
    "Answer: I created notes.txt; fetching example.com was not approved."
  ]],
  ["13-structured-output.ts", [
    "TypeScript (2012), gradual typing",
    "Paradigms: object-oriented, functional, imperative",
    "StructuredOutputError, raw: {\"name\":\"Python\",\"firstReleased\":\"1991\",\"paradigms\":[],\"typing\":\"dynamic\"}"
  ]],
  ["14-concurrent-threads.ts", [
    "Name a prime number between 10 and 20. → 13.",
    "Name a planet with rings. → Saturn.",
    "Name a sorting algorithm. → Merge sort.",
    "Name a primary color. → Blue.",
    "Name a noble gas. → Neon.",
    /^5 answers from 5 threads in \d+\.\d s$/
  ]],
  ["18-tools.ts", [
    "Approval asked: cancel_order {\"id\":\"A-1\"}: accept",
    "get_order {\"id\":1} → failed: invalid arguments for tool get_order: Expected string at [\"id\"]",
    "get_order {\"id\":\"A-1\"} → ok: {\"id\":\"A-1\",\"item\":\"teapot\",\"status\":\"open\"}",
    "cancel_order {\"id\":\"A-1\"} → ok: {\"id\":\"A-1\",\"item\":\"teapot\",\"status\":\"cancelled\"}",
    "Answer: Order A-1 (a teapot) is now cancelled."
  ]],
  ["19-cluster.ts", [
    /^task-1 → runner [AB]: task-1 is done\.$/,
    /^task-2 → runner [AB]: task-2 is done\.$/,
    /^task-3 → runner [AB]: task-3 is done\.$/,
    /^task-4 → runner [AB]: task-4 is done\.$/,
    /^task-1 again → runner [AB]: Yes: task-1 is done\.$/,
    "task-1 has 2 turns"
  ]],
  ["20-durable-review.ts", [
    "Plan: Add a null check in parseConfig and a test for an empty file.",
    /^Waiting for approval \(token [A-Za-z0-9_-]{12}…\)$/,
    "Stopped the process while the workflow waits.",
    "After the restart: Suspended",
    "Approved.",
    "Result: Done: parseConfig checks for null; the new test passes.",
    "Model requests: 2 (one per turn)"
  ]]
]

/** Examples with their own test file (transports.test.ts): they start a listening app-server. */
const transportExamples = ["16-websocket.ts", "17-unix-socket.ts"]

describe("examples", () => {
  it("has a case for every example program", async () => {
    const programs = (await readdir(examplesDir)).filter((f) => /^\d\d-.*\.ts$/.test(f) && !f.endsWith(".test.ts"))
    // the remote-transport examples (16, 17) start their own listening server: transports.test.ts runs them
    const covered = [...cases.map(([file]) => file), ...transportExamples]
    expect(programs.toSorted()).toEqual(covered.toSorted())
  })

  for (const [file, lines] of cases) {
    it(`${file} runs offline and prints what it should`, async () => {
      const { stderr, stdout } = await runExample(file)
      expect(stdout.split("\n")[0]).toContain(offlineBanner)
      expectLinesInOrder(stdout, lines)
      // No default-handler warnings, no failures logged by the runtime.
      expect(stderr).not.toMatch(/WARN|ERROR|Error:/)
    })
  }
})
