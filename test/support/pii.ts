import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parsePhoneNumberFromString } from "libphonenumber-js";
import { buildDataset, personalValuesOf } from "../../src/local/seed.js";

/**
 * The personal values the suite works with (the default seed dataset) in every form a leak could
 * take: phones in E.164, international, national and digits-only formats; emails and names in any
 * letter case (matching is case-insensitive).
 */
export function personalNeedles(values: readonly string[] = personalValuesOf(buildDataset())): string[] {
  const needles = new Set<string>();
  for (const value of values) {
    needles.add(value.toLowerCase());
    const phone = value.startsWith("+") ? parsePhoneNumberFromString(value) : undefined;
    if (phone !== undefined) {
      needles.add(phone.formatInternational().toLowerCase());
      needles.add(phone.formatNational().toLowerCase());
      needles.add(phone.number.slice(1));
      needles.add(phone.nationalNumber);
    }
  }
  // Very short fragments would match by chance (digits inside hashes): keep what identifies.
  return [...needles].filter((n) => n.length >= 7);
}

export interface Leak {
  readonly file: string;
  readonly line: number;
  /** Which needle matched, by index only: the report itself must not repeat the value. */
  readonly needle: number;
}

export function findLeaks(texts: readonly { file: string; text: string }[], needles: readonly string[]): Leak[] {
  const leaks: Leak[] = [];
  for (const { file, text } of texts) {
    text.split("\n").forEach((line, index) => {
      const lower = line.toLowerCase();
      needles.forEach((needle, needleIndex) => {
        if (lower.includes(needle)) leaks.push({ file, line: index + 1, needle: needleIndex });
      });
    });
  }
  return leaks;
}

export function readLogDir(dir: string): { file: string; text: string }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".log"))
    .map((f) => ({ file: f, text: readFileSync(join(dir, f), "utf8") }));
}
