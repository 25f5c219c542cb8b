import { defineConfig } from "vitest/config"

/** One vitest project per package; real-binary tests run in forks so each gets its own process. */
export default defineConfig({
  test: {
    projects: ["core", "node", "testing"].map((name) => ({
      extends: true,
      test: { name, include: [`packages/${name}/test/**/*.test.ts`] }
    })),
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
