import { appendFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Figures a test measured (inputs tried, faults survived, load held), kept for the run's summary:
 * the global teardown prints them (test/support/global-setup.ts) so the README can quote a run.
 */
export function recordFigure(name: string, value: unknown): void {
  const dir = process.env.PRIVACY_TEST_LOG_DIR;
  if (dir === undefined) return;
  appendFileSync(join(dir, `figures-${String(process.pid)}.jsonl`), `${JSON.stringify({ name, value })}\n`);
}
