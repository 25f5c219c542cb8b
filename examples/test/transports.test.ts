/**
 * The transport examples (16 WebSocket, 17 Unix socket) run offline and print what they should.
 */
import { describe, expect, it } from "@effect/vitest"
import { expectLinesInOrder, runExample } from "./helpers.ts"

const cases: ReadonlyArray<readonly [string, ReadonlyArray<string | RegExp>]> = [
  ["16-websocket.ts", [
    /^\[offline\] CODEX_APP_SERVER_URL is not set/,
    /^Listening: ws:\/\/127\.0\.0\.1:\d+ \(capability-token auth\)$/,
    "Wrong token: AuthenticationError",
    "Answer: Hello from the other end of a WebSocket!"
  ]],
  ["17-unix-socket.ts", [
    /^\[offline\] started codex app-server --listen unix:/,
    "Client 1: First answer.",
    "Client 2: Second answer, same thread."
  ]]
]

describe("transport examples", () => {
  for (const [file, lines] of cases) {
    it(`${file} runs offline and prints what it should`, async () => {
      const { stderr, stdout } = await runExample(file)
      expectLinesInOrder(stdout, lines)
      expect(stderr).not.toMatch(/WARN|ERROR|Error:/)
    })
  }
})
