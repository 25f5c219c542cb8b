/**
 * `pnpm run compat` reads the protocol back from generated code (`scripts/protocol-drift.ts`): it
 * must read what `scripts/codegen.ts` writes today, and report a change where there is one.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { drift, readProtocol } from "../../../scripts/protocol-drift.ts"
import { data } from "../src/generated/internal/codecs.ts"
import { generatedFromVersion } from "../src/generated/Protocol.ts"

const generated = Path.join(Path.dirname(fileURLToPath(import.meta.url)), "../src/generated")

describe("compat's protocol reader", () => {
  it("reads the committed generated code: its version, the four method tables and every definition", () => {
    const protocol = readProtocol(generated)
    assert.strictEqual(protocol.version, generatedFromVersion)
    assert.deepStrictEqual(Object.keys(protocol.tables).toSorted(), [
      "ClientNotifications",
      "ClientRequests",
      "ServerNotifications",
      "ServerRequests"
    ])
    assert.isTrue(protocol.tables.ClientRequests!.some((row) => row[0] === "thread/start"))
    assert.deepStrictEqual(Object.keys(protocol.definitions).toSorted(), data.names().toSorted())
    assert.deepStrictEqual(drift(protocol, protocol), [])
  })

  it("reports methods and definitions added, removed or changed", () => {
    const base = readProtocol(generated)
    const { ThreadStartParams: _removed, ...definitions } = base.definitions
    const next = {
      ...base,
      tables: { ...base.tables, ClientRequests: base.tables.ClientRequests!.filter((row) => row[0] !== "turn/steer") },
      definitions: { ...definitions, Added: "string", TurnError: { message: "string", extra: "int" } }
    }
    const lines = drift(base, next)
    assert.deepStrictEqual(lines.map((l) => l.trim().split(":")[0]), [
      "client requests removed (1)",
      "definitions added (1)",
      "definitions removed (1)",
      "definitions changed (1)"
    ])
    assert.include(lines.join("\n"), "turn/steer")
    assert.include(lines.join("\n"), "TurnError (+extra")
  })
})
