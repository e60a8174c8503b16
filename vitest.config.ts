import { defineConfig } from "vitest/config";

// `vitest run --mode soak` (npm run test:soak): the same fuzz, load and fault tests, longer.
const SOAK_ENV = { FUZZ_RUNS: "250", LOAD_SCALE: "2" };

export default defineConfig(({ mode }) => ({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/bench/**", "test/browser/**", "node_modules/**", "dist/**"],
    // The emulators start once for the whole run; test files reach them through inject().
    globalSetup: ["test/support/global-setup.ts"],
    setupFiles: ["test/support/capture-console.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    ...(mode === "soak" ? { env: SOAK_ENV, testTimeout: 600_000 } : {}),
  },
}));
