import { defineConfig } from "vitest/config";

// Integration tests spawn the built CLI (dist/) and real process trees; `npm test` builds first.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
