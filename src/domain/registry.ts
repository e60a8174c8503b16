import { utcDate } from "./deadlines.js";
import type { LegalHold } from "./erasure.js";
import type { RestrictionGround, SuppressionPurpose } from "./request.js";

// The org registry's answer to "what may we do with this person's data?", kept so other services
// can ask it with one point read. One entry per identifier of the subject (its keyed hash is the
// entry's id), each holding the whole status, so a lookup by phone, e-mail or contact id finds the
// same answer. Entries hold keyed hashes and dates, never an identifier in clear.

export interface Restriction {
  readonly since: string;
  readonly ground: RestrictionGround;
  readonly requestId: string;
}

export interface Suppression {
  readonly purpose: SuppressionPurpose;
  readonly since: string;
  /** An objection to direct marketing cannot be overridden (Art. 21(3)); the others may be, on compelling grounds. */
  readonly absolute: boolean;
  readonly basis: "objection" | "consent-withdrawal";
  readonly requestId: string;
}

/** A legal hold as the status shows it: no reason text, which stays with the hold. */
export interface HoldSummary {
  readonly id: string;
  readonly category?: string;
  readonly until?: string;
}

export interface SubjectEntry {
  /** `subject:` + the identifier's subject key. */
  readonly id: string;
  readonly orgId: string;
  readonly type: "subject-status";
  /** The subject key this entry answers for. */
  readonly key: string;
  /** Every subject key of the same subject known when the entry was last written. */
  readonly group: readonly string[];
  readonly restriction?: Restriction;
  readonly suppressions: readonly Suppression[];
  readonly legalHolds: readonly HoldSummary[];
  readonly updatedAt: string;
}

/** Holds that cover a whole org or category rather than named subjects: one entry per org. */
export interface OrgHoldsEntry {
  readonly id: "org-holds";
  readonly orgId: string;
  readonly type: "org-holds";
  readonly holds: readonly HoldSummary[];
  readonly updatedAt: string;
}

export const entryId = (key: string): string => `subject:${key}`;

export function emptyEntry(orgId: string, key: string, now: Date): SubjectEntry {
  return { id: entryId(key), orgId, type: "subject-status", key, group: [key], suppressions: [], legalHolds: [], updatedAt: now.toISOString() };
}

export function holdSummary(hold: LegalHold): HoldSummary {
  return { id: hold.id, ...(hold.category === undefined ? {} : { category: hold.category }), ...(hold.until === undefined ? {} : { until: hold.until }) };
}

/** Changes to a subject's status, applied to each of its entries alike. */
export type StatusChange =
  | { readonly kind: "restrict"; readonly restriction: Restriction }
  | { readonly kind: "lift"; readonly requestId: string }
  | { readonly kind: "suppress"; readonly suppressions: readonly Suppression[] }
  | { readonly kind: "hold"; readonly hold: HoldSummary }
  | { readonly kind: "release"; readonly holdId: string }
  | { readonly kind: "join"; readonly group: readonly string[] };

/** The entry after a change, or `undefined` when the change is already in it (idempotent). */
export function applyStatusChange(entry: SubjectEntry, change: StatusChange, group: readonly string[], now: Date): SubjectEntry | undefined {
  const merged = [...new Set([...entry.group, ...group])].sort();
  const next = ((): SubjectEntry => {
    switch (change.kind) {
      case "restrict":
        // A restriction already in force keeps its first date.
        return entry.restriction === undefined ? { ...entry, restriction: change.restriction } : entry;
      case "lift": {
        if (entry.restriction?.requestId !== change.requestId) return entry;
        const { restriction: _lifted, ...rest } = entry;
        return rest;
      }
      case "suppress": {
        const known = new Set(entry.suppressions.map((s) => s.purpose));
        const added = change.suppressions.filter((s) => !known.has(s.purpose));
        // An objection makes an earlier consent-based suppression of the same purpose absolute where the law does.
        const upgraded = entry.suppressions.map((s) => {
          const again = change.suppressions.find((c) => c.purpose === s.purpose);
          return again !== undefined && again.absolute && !s.absolute ? { ...s, absolute: true } : s;
        });
        return { ...entry, suppressions: [...upgraded, ...added].sort((a, b) => a.purpose.localeCompare(b.purpose)) };
      }
      case "hold":
        return entry.legalHolds.some((h) => h.id === change.hold.id) ? entry : { ...entry, legalHolds: [...entry.legalHolds, change.hold] };
      case "release":
        return entry.legalHolds.some((h) => h.id === change.holdId) ? { ...entry, legalHolds: entry.legalHolds.filter((h) => h.id !== change.holdId) } : entry;
      case "join":
        return entry;
    }
  })();
  const groupChanged = merged.length !== entry.group.length || merged.some((k, i) => entry.group[i] !== k);
  if (next === entry && !groupChanged) return undefined;
  return { ...next, group: merged, updatedAt: now.toISOString() };
}

/** An entry moved to a new key (an identifier was rectified): same status, the group follows. */
export function rekeyEntry(entry: SubjectEntry, from: string, to: string, into: SubjectEntry | undefined, now: Date): SubjectEntry {
  const group = [...new Set([...entry.group, ...(into?.group ?? [])].map((k) => (k === from ? to : k)))].sort();
  const base = into ?? { ...entry, id: entryId(to), key: to };
  const restriction = base.restriction ?? entry.restriction;
  const suppressions = [...base.suppressions, ...entry.suppressions.filter((s) => !base.suppressions.some((b) => b.purpose === s.purpose))];
  const legalHolds = [...base.legalHolds, ...entry.legalHolds.filter((h) => !base.legalHolds.some((b) => b.id === h.id))];
  return {
    ...base,
    id: entryId(to),
    key: to,
    group,
    ...(restriction === undefined ? {} : { restriction }),
    suppressions: [...suppressions].sort((a, b) => a.purpose.localeCompare(b.purpose)),
    legalHolds,
    updatedAt: now.toISOString(),
  };
}

export interface StatusView {
  readonly restricted: boolean;
  readonly restriction?: { readonly since: string; readonly ground: RestrictionGround };
  readonly suppressions: readonly { readonly purpose: SuppressionPurpose; readonly since: string; readonly absolute: boolean; readonly basis: Suppression["basis"] }[];
  readonly legalHolds: readonly HoldSummary[];
}

/** What a service may do: the subject's entry and the org-wide holds, holds in force today only. */
export function statusView(entry: SubjectEntry | undefined, orgHolds: OrgHoldsEntry | undefined, now: Date): StatusView {
  const today = utcDate(now);
  const inForce = (h: HoldSummary) => h.until === undefined || h.until >= today;
  return {
    restricted: entry?.restriction !== undefined,
    ...(entry?.restriction === undefined ? {} : { restriction: { since: entry.restriction.since, ground: entry.restriction.ground } }),
    suppressions: (entry?.suppressions ?? []).map((s) => ({ purpose: s.purpose, since: s.since, absolute: s.absolute, basis: s.basis })),
    legalHolds: [...(entry?.legalHolds ?? []), ...(orgHolds?.holds ?? [])].filter(inForce),
  };
}
