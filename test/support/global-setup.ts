import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { findLeaks, personalNeedles, readLogDir } from "./pii.js";
import { freePort, startEmbeddedEmulators } from "../../src/local/emulators.js";

/** Where test files find the emulators started once for the run: `inject("emulators")`. */
export interface ProvidedEmulators {
  cosmosEndpoint: string;
  cosmosKey: string;
  storageConnectionString: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    emulators: ProvidedEmulators;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const ports = { cosmos: await freePort(), blob: await freePort(), queue: await freePort(), table: await freePort() };
  const emulators = await startEmbeddedEmulators(ports);
  project.provide("emulators", {
    cosmosEndpoint: emulators.cosmosEndpoint,
    cosmosKey: emulators.cosmosKey,
    storageConnectionString: emulators.storageConnectionString,
  });
  // Every log line of the run lands here (test/support/log-capture.ts); the teardown scans it.
  const logDir = mkdtempSync(join(tmpdir(), "privacy-engine-test-logs-"));
  process.env.PRIVACY_TEST_LOG_DIR = logDir;
  return async () => {
    try {
      await emulators.stop();
    } finally {
      const logs = readLogDir(logDir);
      const leaks = findLeaks(logs, personalNeedles());
      const lines = logs.reduce((n, l) => n + l.text.split("\n").length - 1, 0);
      rmSync(logDir, { recursive: true, force: true });
      // vitest does not fail a run for an error thrown here, so the exit code is set directly.
      if (lines === 0) {
        // A run of files that log nothing; test/e2e/no-personal-data.test.ts asserts capture works.
        console.warn("[pii-scan] no log line was captured in this run");
      } else if (leaks.length > 0) {
        const where = leaks.slice(0, 10).map((l) => `${l.file}:${l.line} (needle #${l.needle})`);
        console.error(`[pii-scan] FAILED: personal data reached ${leaks.length} log line(s) during the suite: ${where.join(", ")}`);
        process.exitCode = 1;
      } else {
        console.log(`[pii-scan] ${lines} captured log lines, no seeded personal value in any phone format`);
      }
    }
  };
}
