import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { readRecords } from "./run-records.js";
import { scanRun } from "./run-scan.js";
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
      const scan = await scanRun(logDir, { endpoint: emulators.cosmosEndpoint, key: emulators.cosmosKey });
      for (const line of readRecords(logDir, "figures")) console.log(`[figures] ${line}`);
      // vitest does not fail a run for an error thrown here, so the exit code is set directly.
      if (scan.logLines === 0) {
        // A run of files that log nothing; test/e2e/no-personal-data.test.ts asserts capture works.
        console.warn("[pii-scan] no log line was captured in this run");
      }
      const where = (leaks: readonly { file: string; line: number }[]) => leaks.slice(0, 10).map((l) => `${l.file}:${String(l.line)}`).join(", ");
      if (scan.personalLeaks.length > 0) {
        console.error(`[pii-scan] FAILED: personal data reached ${String(scan.personalLeaks.length)} line(s): ${where(scan.personalLeaks)}`);
        process.exitCode = 1;
      }
      if (scan.secretLeaks.length > 0) {
        const kinds = [...new Set(scan.secretLeaks.map((l) => l.what))].join(", ");
        console.error(`[secret-scan] FAILED: ${kinds} reached ${String(scan.secretLeaks.length)} line(s): ${where(scan.secretLeaks)}`);
        process.exitCode = 1;
      }
      if (scan.personalLeaks.length === 0 && scan.secretLeaks.length === 0) {
        console.log(
          `[pii-scan] ${String(scan.logLines)} captured log lines, ${String(scan.problems)} problem responses and ${String(scan.storedDocuments)} audit entries, events, certificates and registry entries of ${String(scan.databases)} test databases: no seeded personal value in any phone format, no key, secret, SAS signature or issued verification code`,
        );
      }
    } finally {
      rmSync(logDir, { recursive: true, force: true });
      await emulators.stop();
    }
  };
}
