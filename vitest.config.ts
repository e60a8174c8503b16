import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/bench/**", "node_modules/**", "dist/**"],
    // The emulators start once for the whole run; test files reach them through inject().
    globalSetup: ["test/support/global-setup.ts"],
    setupFiles: ["test/support/capture-console.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
