import { appendRecord } from "./run-records.js";

/**
 * Figures a test measured (inputs tried, faults survived, load held), kept for the run's summary:
 * the global teardown prints them (test/support/global-setup.ts) so the README can quote a run.
 */
export function recordFigure(name: string, value: unknown): void {
  appendRecord("figures", JSON.stringify({ name, value }));
}
