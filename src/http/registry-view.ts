import { z } from "zod";
import type { LegalHold } from "../domain/erasure.js";
import type { StatusView } from "../domain/registry.js";
import { RESTRICTION_GROUNDS, SUPPRESSION_PURPOSES } from "../domain/request.js";

// The registry routes' bodies as the API shows them: a subject's status and legal holds. Each
// `to…View` copies what the use case returned field by field, so the compiler holds the engine's
// result and the documented schema to one shape, and nothing undocumented leaves the engine.

export const LegalHoldView = z
  .object({
    id: z.string(),
    orgId: z.string(),
    subjectKeys: z.array(z.string()).optional().describe("keyed hashes of the subject's identifiers; absent: every subject of the org"),
    category: z.string().optional().describe("absent: every category"),
    reason: z.string(),
    until: z.string().optional().describe("last day of the hold (YYYY-MM-DD); absent: until lifted"),
    createdAt: z.string().optional(),
    createdBy: z.string().optional(),
  })
  .meta({ id: "LegalHold" });
export type LegalHoldView = z.infer<typeof LegalHoldView>;

export const LegalHoldList = z.object({ items: z.array(LegalHoldView) }).meta({ id: "LegalHoldList" });
export type LegalHoldList = z.infer<typeof LegalHoldList>;

export const SubjectStatusView = z
  .object({
    orgId: z.string(),
    subjectKey: z.string().describe("keyed hash of the identifier looked up"),
    restricted: z.boolean().describe("true: keep the data, use it for nothing but storage, legal claims and the subject's own requests"),
    restriction: z.object({ since: z.string(), ground: z.enum(RESTRICTION_GROUNDS) }).optional(),
    suppressions: z.array(
      z.object({ purpose: z.enum(SUPPRESSION_PURPOSES), since: z.string(), absolute: z.boolean(), basis: z.enum(["objection", "consent-withdrawal"]) }),
    ),
    legalHolds: z.array(z.object({ id: z.string(), category: z.string().optional(), until: z.string().optional() })),
  })
  .meta({ id: "SubjectStatus" });
export type SubjectStatusView = z.infer<typeof SubjectStatusView>;

export function toLegalHoldView(hold: LegalHold): LegalHoldView {
  return {
    id: hold.id,
    orgId: hold.orgId,
    ...(hold.subjectKeys === undefined ? {} : { subjectKeys: [...hold.subjectKeys] }),
    ...(hold.category === undefined ? {} : { category: hold.category }),
    reason: hold.reason,
    ...(hold.until === undefined ? {} : { until: hold.until }),
    ...(hold.createdAt === undefined ? {} : { createdAt: hold.createdAt }),
    ...(hold.createdBy === undefined ? {} : { createdBy: hold.createdBy }),
  };
}

export function toLegalHoldList(holds: readonly LegalHold[]): LegalHoldList {
  return { items: holds.map(toLegalHoldView) };
}

/** The engine's subject status (the registry's status view, for one org and subject key). */
export function toSubjectStatusView(status: StatusView & { readonly orgId: string; readonly subjectKey: string }): SubjectStatusView {
  return {
    orgId: status.orgId,
    subjectKey: status.subjectKey,
    restricted: status.restricted,
    ...(status.restriction === undefined ? {} : { restriction: { since: status.restriction.since, ground: status.restriction.ground } }),
    suppressions: status.suppressions.map((s) => ({ purpose: s.purpose, since: s.since, absolute: s.absolute, basis: s.basis })),
    legalHolds: status.legalHolds.map((h) => ({ id: h.id, ...(h.category === undefined ? {} : { category: h.category }), ...(h.until === undefined ? {} : { until: h.until }) })),
  };
}
