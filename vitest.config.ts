import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    projects: ["packages/*"].map((glob) => ({
      extends: true,
      test: { include: [`${glob}/test/**/*.test.ts`] }
    })),
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
