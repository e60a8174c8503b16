// A run's results: the machine it ran on, the markdown table of every scenario's rows and
// bench-results.json.

import { writeFileSync } from "node:fs";
import os from "node:os";
import type { TableRow } from "./scenario.js";

export function machineInfo(): { cpus: number; cpuModel: string; totalMemGB: number; node: string; platform: string } {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    totalMemGB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${os.release()} ${process.arch}`,
  };
}

export function markdownTable(outcomes: readonly { name: string; rows: readonly TableRow[] }[]): string {
  const lines = ["| scenario | figure | value | target | met? |", "| --- | --- | --- | --- | --- |"];
  for (const { name, rows } of outcomes) {
    for (const row of rows) {
      const met = row.met === undefined ? "" : row.met ? "yes" : "**no**";
      lines.push(`| ${name} | ${row.figure} | ${row.value} | ${row.target ?? ""} | ${met} |`);
    }
  }
  return lines.join("\n");
}

export function writeResults(path: string, results: unknown): void {
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}
