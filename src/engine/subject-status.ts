import { z } from "zod";
import { mayActOnOrg, type Authorized } from "../domain/access.js";
import type { LegalHold } from "../domain/erasure.js";
import { EngineError } from "../domain/errors.js";
import { IDENTIFIER_KINDS, isUsableIdentifier, normalizeEmail, normalizePhone, type IdentifierKind } from "../domain/identifiers.js";
import { applyStatusChange, emptyEntry, holdSummary, rekeyEntry, statusView, type StatusChange, type StatusView } from "../domain/registry.js";
import { OrgId } from "../domain/request.js";
import { subjectKey } from "../domain/subject-key.js";
import type { EngineDeps } from "./deps.js";

// The subject status other services ask before they use a person's data: restricted, suppressed
// purposes, legal holds. Written by the executors and the legal-hold routes into one registry entry
// per identifier key; read with one point read of the subject's entry (and the org-wide holds,
// read beside it).

export const SubjectStatusQuery = z
  .strictObject({
    orgId: OrgId,
    phone: z.string().trim().min(3).max(40).optional(),
    email: z.string().trim().min(3).max(254).optional(),
    contactId: z.string().trim().min(1).max(128).optional(),
    userId: z.string().trim().min(1).max(128).optional(),
  })
  .refine((q) => [q.phone, q.email, q.contactId, q.userId].filter((v) => v !== undefined).length === 1, {
    message: "exactly one of phone, email, contactId, userId is required",
    path: ["phone"],
  })
  .superRefine((q, ctx) => {
    // A placeholder ("", "n/a", "unknown", zeros, an e-mail without @) names no one: asking by it
    // would answer for everyone stored with it.
    for (const kind of IDENTIFIER_KINDS) {
      const value = q[kind];
      if (value !== undefined && !isUsableIdentifier(kind, value)) ctx.addIssue({ code: "custom", path: [kind], message: "is a placeholder, not an identifier" });
    }
  });
export type SubjectStatusQuery = z.infer<typeof SubjectStatusQuery>;

export interface SubjectStatus extends StatusView {
  readonly orgId: string;
  readonly subjectKey: string;
}

/**
 * A known org's default country, for national phone formats; cached briefly (it rarely changes).
 * An unknown org is never cached, and never answered: "nothing restricted" for a mistyped org id
 * would tell a service to go ahead.
 */
const COUNTRY_TTL_MS = 5 * 60_000;
const countries = new WeakMap<Pick<EngineDeps, "orgs">, Map<string, { country: string | undefined; at: number }>>();

async function knownOrgCountry(deps: Pick<EngineDeps, "orgs">, orgId: string): Promise<{ country: string | undefined }> {
  const cache = countries.get(deps) ?? new Map<string, { country: string | undefined; at: number }>();
  countries.set(deps, cache);
  const hit = cache.get(orgId);
  if (hit !== undefined && Date.now() - hit.at < COUNTRY_TTL_MS) return hit;
  const org = await deps.orgs.get(orgId);
  if (org === undefined) throw new EngineError("not-found", "Organization not found", { reason: "org-not-found" });
  const known = { country: org.defaultCountry, at: Date.now() };
  cache.set(orgId, known);
  return known;
}

/** The lookup key: phones in any written form (E.164, national with the org's country, `00…`). */
async function lookupKey(deps: Pick<EngineDeps, "orgs" | "config">, query: SubjectStatusQuery): Promise<string> {
  const secret = deps.config.PRIVACY_SUBJECT_KEY_SECRET;
  const key = (kind: IdentifierKind, value: string) => subjectKey(secret, query.orgId, kind, value);
  if (query.phone !== undefined) {
    // `+…` needs no country; national forms and `00…` (an exit code, country-specific) need the org's.
    const international = query.phone.trim().startsWith("+");
    const phone = normalizePhone(query.phone, international ? undefined : (await knownOrgCountry(deps, query.orgId)).country, "phone");
    // "0000000" in a national format normalises to a country code and zeros: still no one.
    if (!isUsableIdentifier("phone", phone)) throw new EngineError("validation", "The phone is a placeholder, not an identifier", { reason: "placeholder-identifier", fields: [{ path: "phone", message: "is a placeholder, not an identifier" }] });
    return key("phone", phone);
  }
  if (query.email !== undefined) return key("email", normalizeEmail(query.email));
  if (query.contactId !== undefined) return key("contactId", query.contactId);
  if (query.userId !== undefined) return key("userId", query.userId);
  throw new EngineError("validation", "An identifier is required", { fields: [{ path: "phone", message: "required" }] });
}

export async function subjectStatus(deps: Pick<EngineDeps, "orgs" | "config" | "registry" | "now">, caller: Authorized<"status:read">, query: SubjectStatusQuery): Promise<SubjectStatus> {
  if (!mayActOnOrg(caller, query.orgId)) throw new EngineError("not-found", "Organization not found", { reason: "org-not-found" });
  await knownOrgCountry(deps, query.orgId);
  const key = await lookupKey(deps, query);
  const [entry, orgHolds] = await Promise.all([deps.registry.get(query.orgId, key), deps.registry.orgHolds(query.orgId)]);
  return { orgId: query.orgId, subjectKey: key, ...statusView(entry, orgHolds, deps.now()) };
}

/**
 * Applies a change to every entry of a subject (one per identifier key, plus every key an entry
 * already groups with them). Idempotent. Resolves to the number of entries written.
 */
export async function recordStatus(deps: Pick<EngineDeps, "registry" | "now">, orgId: string, keys: readonly string[], change: StatusChange): Promise<number> {
  const now = deps.now();
  const group = [...new Set(keys)].sort();
  // Entries written earlier may know keys this request did not find: they are changed too.
  const known = await Promise.all(group.map((key) => deps.registry.get(orgId, key)));
  const all = [...new Set([...group, ...known.flatMap((e) => e?.group ?? [])])].sort();
  let written = 0;
  for (const key of all) {
    await deps.registry.updateEntry(orgId, key, (entry) => {
      // Taking something away from a subject the registry does not know leaves nothing to write.
      if (entry === undefined && (change.kind === "lift" || change.kind === "release")) return undefined;
      const next = applyStatusChange(entry ?? emptyEntry(orgId, key, now), change, all, now);
      if (next !== undefined) written += 1;
      return next;
    });
  }
  return written;
}

/** An identifier was rectified: its entry moves to the new key and the group follows; holds too. */
export async function rekeySubject(deps: Pick<EngineDeps, "registry" | "legalHolds" | "now">, orgId: string, from: string, to: string): Promise<number> {
  if (from === to) return 0;
  const now = deps.now();
  const old = await deps.registry.get(orgId, from);
  let moved = 0;
  if (old !== undefined) {
    await deps.registry.updateEntry(orgId, to, (into) => rekeyEntry(old, from, to, into, now));
    for (const other of old.group.filter((k) => k !== from && k !== to)) {
      await deps.registry.updateEntry(orgId, other, (entry) =>
        entry === undefined ? undefined : { ...entry, group: [...new Set(entry.group.map((k) => (k === from ? to : k)))].sort(), updatedAt: now.toISOString() },
      );
    }
    await deps.registry.updateEntry(orgId, from, () => "delete");
    moved += 1;
  }
  for (const hold of await deps.legalHolds.forOrg(orgId)) {
    if (hold.subjectKeys?.includes(from) !== true) continue;
    await deps.legalHolds.put({ ...hold, subjectKeys: [...new Set(hold.subjectKeys.map((k) => (k === from ? to : k)))] });
    moved += 1;
  }
  return moved;
}

/** A placed or lifted hold shows in the status: on its subjects' entries, or the org-wide list. */
export async function reflectHold(deps: Pick<EngineDeps, "registry" | "now">, hold: LegalHold, placed: boolean): Promise<void> {
  if (hold.subjectKeys === undefined) {
    const now = deps.now().toISOString();
    await deps.registry.updateOrgHolds(hold.orgId, (entry) => {
      const holds = (entry?.holds ?? []).filter((h) => h.id !== hold.id);
      return { id: "org-holds", orgId: hold.orgId, type: "org-holds", holds: placed ? [...holds, holdSummary(hold)] : holds, updatedAt: now };
    });
    return;
  }
  await recordStatus(deps, hold.orgId, hold.subjectKeys, placed ? { kind: "hold", hold: holdSummary(hold) } : { kind: "release", holdId: hold.id });
}
