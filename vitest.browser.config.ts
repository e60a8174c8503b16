import { defineConfig } from "vitest/config";

// `npm run test:browser`: the console in Debian's chromium (playwright-core, no downloaded
// browser), against the whole stack started once by the global setup: embedded emulators, a
// seeded demo namespace and the local host serving every function, the console included. Run it
// after `npm run build` (the console is served from dist/console). One file at a time: the
// browser and the engine share the machine's cores.

export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    exclude: ["node_modules/**", "dist/**"],
    globalSetup: ["test/browser/support/stack.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
