import { z } from "zod";
import type { DataMap, RectifiableField } from "./data-map.js";
import { EngineError } from "./errors.js";
import { isUsableIdentifier, normalizeEmail, normalizeIdentifier, normalizePhone, type IdentifierKind } from "./identifiers.js";
import type { FieldChange } from "./request.js";

// Rectification (Art. 16), pure: which changes are allowed (the data map lists the fields and
// every place a copy lives), their values checked and normalised like identifiers, and one item
// with the changes applied. Applying is idempotent: an item already holding the value is left.

export interface CheckedChange {
  readonly field: string;
  readonly type: RectifiableField["type"];
  readonly value: string;
}

const IsoDate = z.iso.date();

/** Checks a request's changes against the map; a problem names `changes[i].field` or `.value`. */
export function checkChanges(map: DataMap, changes: readonly z.infer<typeof FieldChange>[], defaultCountry: string | undefined, today: string): CheckedChange[] {
  const problems: { path: string; message: string }[] = [];
  const seen = new Set<string>();
  const checked = changes.flatMap((change, i): CheckedChange[] => {
    const spec = map.rectification.find((f) => f.field === change.field);
    if (spec === undefined) {
      const allowed = map.rectification.map((f) => f.field).join(", ");
      problems.push({ path: `changes[${i}].field`, message: `not a field that can be rectified (${allowed === "" ? "none are mapped" : allowed})` });
      return [];
    }
    if (seen.has(change.field)) {
      problems.push({ path: `changes[${i}].field`, message: "appears twice" });
      return [];
    }
    seen.add(change.field);
    const path = `changes[${i}].value`;
    if (typeof change.value !== "string" || change.value.trim() === "") {
      problems.push({ path, message: "must be a non-empty string (erasure, not rectification, removes a value)" });
      return [];
    }
    try {
      return [{ field: spec.field, type: spec.type, value: normalizeValue(spec.type, change.value, defaultCountry, path, today) }];
    } catch (error) {
      if (error instanceof EngineError) problems.push(...error.fields);
      else throw error;
      return [];
    }
  });
  if (problems.length > 0) {
    throw new EngineError("validation", "Some changes cannot be applied", { reason: "invalid-changes", fields: problems });
  }
  return checked;
}

const placeholder = (path: string) =>
  new EngineError("validation", `${path} is a placeholder, not an identifier`, {
    reason: "placeholder-identifier",
    fields: [{ path, message: "is a placeholder, not an identifier" }],
  });

function normalizeValue(type: RectifiableField["type"], value: string, defaultCountry: string | undefined, path: string, today: string): string {
  switch (type) {
    case "text":
      return value.trim();
    case "phone": {
      const phone = normalizePhone(value, defaultCountry, path);
      // A corrected value becomes the subject's key: a placeholder ("0000000") would name no one.
      if (normalizeIdentifier("phone", value, defaultCountry) === undefined) throw placeholder(path);
      return phone;
    }
    case "email": {
      const email = normalizeEmail(value);
      if (!isUsableIdentifier("email", email)) throw placeholder(path);
      if (!z.email().safeParse(email).success) throw new EngineError("validation", `${path} is not an e-mail address`, { fields: [{ path, message: "must be an e-mail address" }] });
      return email;
    }
    case "date":
      if (!IsoDate.safeParse(value.trim()).success || value.trim() > today) {
        throw new EngineError("validation", `${path} is not a date`, { fields: [{ path, message: "must be a date (YYYY-MM-DD), not in the future" }] });
      }
      return value.trim();
  }
}

/** The identifier kind a rectified field is, if it identifies the subject (its registry entries follow it). */
export function identifierKindOf(type: RectifiableField["type"]): Extract<IdentifierKind, "phone" | "email"> | undefined {
  return type === "phone" || type === "email" ? type : undefined;
}

/** The changes that concern one mapped container, with the path each lives at there. */
export function changesFor(map: DataMap, container: string, changes: readonly CheckedChange[]): { change: CheckedChange; path: string; copy: boolean }[] {
  return changes.flatMap((change) => {
    const spec = map.rectification.find((f) => f.field === change.field);
    return (spec?.places ?? []).filter((p) => p.container === container).map((p) => ({ change, path: p.path, copy: p.copy }));
  });
}

function read(item: Readonly<Record<string, unknown>>, path: string): unknown {
  let at: unknown = item;
  for (const segment of path.split(".")) {
    if (typeof at !== "object" || at === null || !Object.hasOwn(at, segment)) return undefined;
    at = (at as Record<string, unknown>)[segment];
  }
  return at;
}

function write(item: Record<string, unknown>, path: string, value: string): Record<string, unknown> {
  const [head, ...rest] = path.split(".");
  if (head === undefined) return item;
  if (rest.length === 0) return { ...item, [head]: value };
  const inner = item[head];
  const child = typeof inner === "object" && inner !== null && !Array.isArray(inner) ? (inner as Record<string, unknown>) : {};
  return { ...item, [head]: write(child, rest.join("."), value) };
}

export interface ItemRectification {
  readonly item: Record<string, unknown>;
  /** Field → the value it held before (a copy that held none is not changed). */
  readonly before: ReadonlyMap<string, string>;
}

/** The item with the changes applied, or `undefined` when nothing in it changes. */
export function rectifyItem(item: Readonly<Record<string, unknown>>, places: readonly { change: CheckedChange; path: string; copy: boolean }[]): ItemRectification | undefined {
  let next: Record<string, unknown> = { ...item };
  const before = new Map<string, string>();
  for (const { change, path, copy } of places) {
    const current = read(next, path);
    // A copy is corrected where it exists; the subject's own record gets the field in any case.
    if (copy && (current === undefined || current === null)) continue;
    if (current === change.value) continue;
    if (current !== undefined && current !== null) before.set(change.field, typeof current === "string" ? current : JSON.stringify(current));
    next = write(next, path, change.value);
    if (!before.has(change.field)) before.set(change.field, "");
  }
  return before.size === 0 ? undefined : { item: next, before };
}
