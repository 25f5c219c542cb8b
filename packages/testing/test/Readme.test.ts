import { describe, expect, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as path from "node:path"

const here = path.dirname(new URL(import.meta.url).pathname)

describe("README guide", () => {
  it("embeds the guide example verbatim, so the example that runs in CI is the one users read", () => {
    const readme = fs.readFileSync(path.join(here, "..", "README.md"), "utf8")
    const example = fs.readFileSync(path.join(here, "guide", "commit-message.test.ts"), "utf8")
    expect(readme).toContain("```ts\n" + example + "```")
  })
})
