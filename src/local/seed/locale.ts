// Reading the locale data (locale-data.ts): which locale and name an org has, how a phone
// format draws a number, how a greeting names its contact, and the ASCII email local part of a
// (possibly accented) name.

import { pad } from "./ids.js";
import { LOCALES, ORG_NAMES, ORG_NAME_PARTS, type Locale, type PhonePart } from "./locale-data.js";
import type { Rng } from "./random.js";

export type { Locale } from "./locale-data.js";

/** The locale of org n (1-based): the locales in turn. */
export function localeOf(orgIndex: number): Locale {
  const locale = LOCALES[(orgIndex - 1) % LOCALES.length];
  if (locale === undefined) throw new Error("no locale");
  return locale;
}

/** The name and email domain of org n; draws from `rng` only for an org without a fixed name. */
export function orgIdentityOf(orgIndex: number, orgKey: string, rng: Rng): { name: string; domain: string } {
  return (
    ORG_NAMES[orgIndex] ?? {
      name: `${rng.pick(ORG_NAME_PARTS)} Cycles ${orgKey}`,
      domain: `cycles-${orgKey}.example.com`,
    }
  );
}

function drawPart(part: PhonePart, rng: Rng): string {
  if (typeof part === "string") return part;
  if ("digits" in part) return rng.digits(part.digits);
  if ("pick" in part) return rng.pick(part.pick);
  const n = rng.int(part.int[0], part.int[1]);
  return part.width === undefined ? String(n) : pad(n, part.width);
}

/** A random phone of the locale's format, parts drawn left to right; `wide` once the narrow range is crowded. */
export function drawPhone(locale: Locale, rng: Rng, wide: boolean): string {
  return (wide ? locale.phone.wide : locale.phone.narrow).map((part) => drawPart(part, rng)).join("");
}

/** The locale's greeting addressed to `firstName`. */
export function greetingFor(locale: Locale, firstName: string): string {
  return locale.greeting.replace("{firstName}", () => firstName);
}

/** ASCII local part for an email address. */
export function emailLocalPart(name: string): string {
  return name
    .toLowerCase()
    .replace(/ä/g, "ae")
    .replace(/ö/g, "oe")
    .replace(/ü/g, "ue")
    .replace(/ß/g, "ss")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/\s+/g, ".")
    .replace(/[^a-z0-9.-]/g, "");
}
