import { appendFileSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

// What the run produced beyond log lines, kept beside them in PRIVACY_TEST_LOG_DIR for the
// global teardown's scan (test/support/global-setup.ts): the engine databases each test file
// created, the problem responses callers got, and the secrets handed out (verification codes)
// that must never reach a log. One file per process and kind; nothing here is a `.log` file.

export type RecordKind = "namespaces" | "problems" | "codes" | "figures";

export function appendRecord(kind: RecordKind, line: string): void {
  const dir = process.env.PRIVACY_TEST_LOG_DIR;
  if (dir === undefined) return;
  appendFileSync(join(dir, `${kind}-${String(process.pid)}.jsonl`), `${line.replace(/\n/g, " ")}\n`);
}

export function readRecords(dir: string, kind: RecordKind): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${kind}-`) && f.endsWith(".jsonl"))
    .flatMap((f) => readFileSync(join(dir, f), "utf8").split("\n"))
    .filter((line) => line !== "");
}
