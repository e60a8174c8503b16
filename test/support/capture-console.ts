import { format } from "node:util";
import { capturedLog } from "./log-capture.js";

// Every console line a test file prints also goes to the run's log capture, for the PII scan.

for (const level of ["log", "info", "warn", "error", "debug"] as const) {
  const original = console[level].bind(console);
  console[level] = (...args: unknown[]) => {
    capturedLog(`[console.${level}] ${format(...args)}`);
    original(...args);
  };
}
