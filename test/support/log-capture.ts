import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

// Every log line a test produces (through invocation contexts, and console output) is appended
// to a file under PRIVACY_TEST_LOG_DIR, which the run's global setup creates and scans at the
// end for seeded personal values.

const dir = process.env.PRIVACY_TEST_LOG_DIR;
const file = dir === undefined ? undefined : join(dir, `${process.pid}.log`);
if (dir !== undefined) mkdirSync(dir, { recursive: true });

export const capturedLines: string[] = [];

export function capturedLog(line: string): void {
  capturedLines.push(line);
  if (file !== undefined) appendFileSync(file, `${line}\n`);
}
