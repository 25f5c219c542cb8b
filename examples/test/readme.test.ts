import { describe, expect, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as path from "node:path"

const root = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..")

describe("README", () => {
  it("shows examples/readme.ts verbatim (type-checked in CI), so its first example compiles", () => {
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8")
    const example = fs.readFileSync(path.join(root, "examples", "readme.ts"), "utf8")
    expect(readme).toContain("```ts\n" + example + "```")
  })

  it("starts with the two commands, and .ci/run runs the same test command", () => {
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8")
    const ci = fs.readFileSync(path.join(root, ".ci", "run"), "utf8")
    const commands = [...readme.matchAll(/^(npx -y pnpm@\S+ install .*)$/gm)].map((m) => m[1]!)
    expect(commands.length).toBeGreaterThanOrEqual(2)
    expect(commands[0]).toMatch(/ start$/)
    expect(ci).toContain(commands[1]!)
  })
})
