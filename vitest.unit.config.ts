import { defineConfig } from "vitest/config";

/**
 * `npm run test:unit`: the pure core and the other emulator-free tests, in seconds. No global
 * setup (no emulators, no run-wide log scan); the console capture still loads, and writes to a
 * file only when PRIVACY_TEST_LOG_DIR is set, which nothing here sets.
 */
export default defineConfig({
  test: {
    include: ["test/unit/**/*.test.ts"],
    exclude: ["node_modules/**", "dist/**"],
    setupFiles: ["test/support/capture-console.ts"],
    pool: "forks",
    testTimeout: 30_000,
  },
});
