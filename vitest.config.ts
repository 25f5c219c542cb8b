import { defineConfig } from "vitest/config"

/**
 * One vitest project per package, plus `examples` (the example programs, run as child processes,
 * and example 15, a test file itself); real-binary tests run in forks so each gets its own process.
 */
export default defineConfig({
  test: {
    projects: [
      ...["core", "node", "testing", "cli", "cluster"].map((name) => ({
        extends: true,
        test: { name, include: [`packages/${name}/test/**/*.test.ts`] }
      })),
      { extends: true, test: { name: "examples", include: ["examples/**/*.test.ts"], exclude: ["**/node_modules/**"] } }
    ],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
