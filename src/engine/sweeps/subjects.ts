import type { ContainerMapping } from "../../domain/data-map.js";
import { utcDate } from "../../domain/deadlines.js";
import { coveringHold } from "../../domain/erasure.js";
import { isUsableIdentifier, normalizeIdentifier } from "../../domain/identifiers.js";
import { orgKey, subjectKey } from "../../domain/subject-key.js";
import type { EngineConfig, EngineDeps } from "../deps.js";
import { idKindOf, plainPath } from "./phases.js";
import type { OrgContext } from "./policy.js";

// The subjects of an org's items: what a page's query projects, the keys an item names (its
// subject's, and every key its identifiers give), and whether a legal hold covers them.

/** One row of a page: the item's id and the fields the query projected, never the whole item. */
export type Item = Readonly<Record<string, unknown>>;

/** The identifier fields of a mapping the query projects (as `i0`, `i1`...), to check holds by every key. */
function identifierFields(mapping: ContainerMapping): { alias: string; path: string; kind: "phone" | "email" }[] {
  return mapping.matches
    .filter((m): m is typeof m & { kind: "phone" | "email" } => (m.kind === "phone" || m.kind === "email") && plainPath(m.path))
    .map((m, i) => ({ alias: `i${String(i)}`, path: m.path, kind: m.kind }));
}

/** The SELECT list: the id, the named fields under their aliases, and the identifier fields. */
export function projection(mapping: ContainerMapping, fields: Readonly<Record<string, string>>): string {
  const parts = ["c.id AS id", ...Object.entries(fields).map(([alias, path]) => `c.${path} AS ${alias}`), ...identifierFields(mapping).map((f) => `c.${f.path} AS ${f.alias}`)];
  return parts.join(", ");
}

/** The key naming the item's subject, and every key its identifiers give (for legal holds). */
export function keysOf(config: Pick<EngineConfig, "PRIVACY_SUBJECT_KEY_SECRET">, ctx: OrgContext, mapping: ContainerMapping, item: Item): { primary: string; all: Set<string> } {
  const secret = config.PRIVACY_SUBJECT_KEY_SECRET;
  const idKind = idKindOf(mapping);
  const primary = mapping.retentionPeriod === "org" || idKind === undefined ? orgKey(secret, ctx.orgId) : subjectKey(secret, ctx.orgId, idKind, String(item.id));
  const all = new Set([primary]);
  for (const field of identifierFields(mapping)) {
    const value = item[field.alias];
    if (typeof value !== "string") continue;
    // A placeholder ("", "n/a", zeros) or a stored value that is no phone number names no one a hold could name.
    const normalized = normalizeIdentifier(field.kind, value, ctx.defaultCountry);
    if (normalized !== undefined) all.add(subjectKey(secret, ctx.orgId, field.kind, normalized));
  }
  return { primary, all };
}

/** Whether the item's id can name a subject: an item whose id is a placeholder ("null", "-") gets no erasure of its own. */
export function identifiable(mapping: ContainerMapping, item: Item): boolean {
  const idKind = idKindOf(mapping);
  return mapping.retentionPeriod === "org" || idKind === undefined || isUsableIdentifier(idKind, String(item.id));
}

export function isHeld(ctx: OrgContext, mapping: ContainerMapping, keys: ReadonlySet<string>): boolean {
  if (mapping.retentionPeriod === "org") {
    // An org under any org-wide hold is not offboarded by a timer: people decide that one.
    const today = utcDate(ctx.now);
    return ctx.holds.some((h) => h.subjectKeys === undefined && (h.until === undefined || h.until >= today));
  }
  return coveringHold(ctx.holds, keys, mapping.category, ctx.now) !== undefined;
}

/** Where a mapping's items live, its database alias resolved. */
export const target = (deps: Pick<EngineDeps, "resolve">, mapping: ContainerMapping) => ({ database: deps.resolve.database(mapping.database), container: mapping.container });
