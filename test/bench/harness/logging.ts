// What the bench prints and keeps: progress lines on stderr, and a quiet logger that holds the
// engine's last log entries (for figures and failure reports) without printing them.

import type { Logger } from "../../../src/engine/ports.js";

type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

/** A logger that keeps the engine's last log entries (for figures and failure reports) without printing them. */
export function quietLogger(): Logger & { entries: { level: string; message: string; fields: LogFields }[]; tail(n: number): string } {
  const entries: { level: string; message: string; fields: LogFields }[] = [];
  const keep = (level: string) => (message: string, fields: LogFields = {}) => {
    entries.push({ level, message, fields });
    if (entries.length > 500) entries.shift();
  };
  return {
    entries,
    tail: (n) => entries.slice(-n).map((e) => `[${e.level}] ${e.message} ${JSON.stringify(e.fields)}`).join("\n"),
    info: keep("info"),
    warn: keep("warn"),
    error: keep("error"),
  };
}

export function progress(line: string): void {
  console.error(`[bench] ${line}`);
}
