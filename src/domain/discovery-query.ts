import { parsePhoneNumberFromString } from "libphonenumber-js";
import type { ContainerMapping, FieldKey } from "./data-map.js";
import { isUsableIdentifier } from "./identifiers.js";

// Pure construction of discovery queries. Every query is parameterised, filtered on the org and
// stays in the org's partition. A round asks for items that match a *new* key and none of the
// keys already known, so an item is found exactly once without remembering what was found.

export type KeySet = ReadonlyMap<string, readonly string[]>;

export interface SqlQuery {
  readonly text: string;
  readonly parameters: { name: string; value: string }[];
}

/** `customer.phone` → `c["customer"]["phone"]`; array segments are handled by callers. */
export function fieldRef(path: string, root = "c"): string {
  return path
    .split(".")
    .map((segment) => `[${JSON.stringify(segment.replace("[]", ""))}]`)
    .reduce((acc, seg) => `${acc}${seg}`, root);
}

/**
 * The forms a phone may be stored in, built from libphonenumber's grouping: E.164, the 00 prefix,
 * `+49 (0)30 …`, and the international format with spaces, dashes, slashes or nothing between
 * groups; for numbers of the org's own country also the national format in the same ways, with
 * the area code in brackets, and the bare digits. Equality on each keeps the queries
 * index-friendly. National forms are asked for only inside the number's own country (elsewhere the
 * same digits are another number), and every match is checked again in canonical form.
 */
export function phoneVariants(e164: string, orgCountry?: string): string[] {
  const parsed = parsePhoneNumberFromString(e164);
  if (parsed === undefined) return [e164];
  const international = parsed.formatInternational().split(" "); // ["+49", "30", "1234567"]
  const [code = "", ...intlRest] = international;
  const forms = new Set<string>([e164, `00${e164.slice(1)}`]);
  for (const separator of [" ", "-", "/", ""]) {
    forms.add(international.join(separator));
    forms.add([code, ...intlRest].join(separator).replace(/^\+/, "00"));
  }
  if (intlRest.length > 0) {
    forms.add(`${code} (0)${intlRest.join(" ")}`);
    forms.add(`${code}(0)${intlRest.join("")}`);
  }
  if (orgCountry === undefined || parsed.country === orgCountry) {
    const national = parsed.formatNational().split(" "); // ["030", "1234567"]
    const [area = "", ...nationalRest] = national;
    forms.add(e164.slice(1));
    forms.add(national.join("").replace(/\D/g, ""));
    for (const separator of [" ", "-", "/", ""]) forms.add(national.join(separator));
    if (nationalRest.length > 0) {
      forms.add(`(${area}) ${nationalRest.join(" ")}`);
      forms.add(`(${area})${nationalRest.join("")}`);
    }
  }
  return [...forms];
}

/** The stored values to compare against for a kind: phones in their variants, emails as stored (compared lower-cased). */
function storedForms(kind: string, values: readonly string[], orgCountry: string | undefined): string[] {
  return kind === "phone" ? values.flatMap((v) => phoneVariants(v, orgCountry)) : [...values];
}

/** One condition: the field at `key.path` is one of the values (an IN list: index-friendly on Azure). */
function condition(key: FieldKey, list: string): string {
  const isArray = key.path.includes("[]");
  const email = key.kind === "email";
  if (!isArray) {
    const ref = fieldRef(key.path);
    // Guarded, so NOT (...) stays true for items without the field (undefined is not false).
    // No parentheses of its own: AND binds tighter than the OR that joins conditions, and every
    // level of grouping makes the emulator's query parser several times slower.
    if (email) return `IS_STRING(${ref}) AND LOWER(TRIM(${ref})) IN (${list})`;
    return `IS_DEFINED(${ref}) AND ${ref} IN (${list})`;
  }
  // `tags[]` or `participants[].phone`: any element (or element field) is one of the values.
  const [arrayPath = "", rest] = key.path.split("[]");
  const elementField = rest === undefined || rest === "" ? "e" : fieldRef(rest.replace(/^\./, ""), "e");
  const compared = email ? `LOWER(TRIM(${elementField}))` : elementField;
  return `EXISTS(SELECT VALUE e FROM e IN ${fieldRef(arrayPath)} WHERE ${compared} IN (${list}))`;
}

export interface MatchQueryInput {
  readonly mapping: Pick<ContainerMapping, "matches" | "keys" | "orgField">;
  readonly orgId: string;
  readonly fresh: KeySet;
  readonly known: KeySet;
  /** `keys`: only id and the key fields (discovery); `all`: whole items (export). */
  readonly projection: "keys" | "all";
  /** The org's default country: national phone forms are asked for only for its own numbers. */
  readonly orgCountry?: string;
}

/** Undefined when no match of this mapping has a fresh key. */
export function matchQuery(input: MatchQueryInput): SqlQuery | undefined {
  const parameters: SqlQuery["parameters"] = [{ name: "@orgId", value: input.orgId }];
  const anyOf = (set: KeySet, prefix: string): string[] =>
    input.mapping.matches.flatMap((key, index) => {
      // A placeholder ("", "n/a", zeros...) is never a query parameter: it would match everyone who has it.
      const values = (set.get(key.kind) ?? []).filter((value) => isUsableIdentifier(key.kind, value));
      if (values.length === 0) return [];
      const names = storedForms(key.kind, values, input.orgCountry).map((value, i) => {
        const name = `@${prefix}${index}_${i}`;
        parameters.push({ name, value });
        return name;
      });
      return [condition(key, names.join(", "))];
    });
  const freshConditions = anyOf(input.fresh, "n");
  if (freshConditions.length === 0) return undefined;
  const knownConditions = anyOf(input.known, "k");
  const projection =
    input.projection === "all"
      ? "*"
      : [
          "c.id",
          ...input.mapping.keys.map((key, i) => `${fieldRef(key.path.split("[]")[0] ?? key.path)} AS k${i}`),
          // The matched fields too: every match is checked again in canonical form.
          ...input.mapping.matches.map((key, i) => `${fieldRef(key.path.split("[]")[0] ?? key.path)} AS m${i}`),
        ].join(", ");
  const text = [
    `SELECT ${projection} FROM c WHERE ${fieldRef(input.mapping.orgField)} = @orgId`,
    freshConditions.length === 1 ? `AND ${freshConditions.join("")}` : `AND (${freshConditions.join(" OR ")})`,
    ...(knownConditions.length === 0 ? [] : [`AND NOT (${knownConditions.join(" OR ")})`]),
  ].join(" ");
  return { text, parameters };
}

/** Values at a field path of an item (arrays flattened), as strings. */
export function valuesAt(item: unknown, path: string): string[] {
  let current: unknown[] = [item];
  for (const segment of path.split(".")) {
    const isArray = segment.endsWith("[]");
    const name = isArray ? segment.slice(0, -2) : segment;
    current = current.flatMap((value) => {
      if (value === null || typeof value !== "object") return [];
      const child = (value as Record<string, unknown>)[name];
      if (isArray) return Array.isArray(child) ? (child as unknown[]) : [];
      return child === undefined ? [] : [child];
    });
  }
  return current.filter((v): v is string | number => typeof v === "string" || typeof v === "number").map(String);
}
