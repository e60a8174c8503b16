import { randomUUID } from "node:crypto";
import { z } from "zod";
import { actorOf, mayActOnOrg, type Authorized, type Caller } from "../domain/access.js";
import { chainEntries } from "../domain/audit.js";
import type { LegalHold } from "../domain/erasure.js";
import { EngineError } from "../domain/errors.js";
import { IDENTIFIER_KINDS, normalizeSubject } from "../domain/identifiers.js";
import { OrgId, Subject } from "../domain/request.js";
import { codeHash, orgKey, subjectKey } from "../domain/subject-key.js";
import type { EngineDeps } from "./deps.js";
import { reflectHold } from "./subject-status.js";

/** What placing or lifting a hold touches: the holds, the status entries, the hold's audit chain. */
type HoldDeps = Pick<EngineDeps, "legalHolds" | "registry" | "audit" | "config" | "now">;

/**
 * Legal holds in the org registry: what a hold covers (a subject, a category, or both) is kept
 * by every erasure until the hold ends, and the certificate says so. A subject is recorded only
 * by the keyed hashes of its identifiers. The reason is shown in certificates: no names in it.
 * The hold's own audit chain holds the reason only as a keyed digest, as requests' free text is.
 */
export const LegalHoldBody = z
  .strictObject({
    orgId: OrgId,
    subject: Subject.optional(),
    category: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/).optional(),
    reason: z.string().trim().min(3).max(200),
    until: z.iso.date().optional(),
  })
  .refine((b) => b.subject !== undefined || b.category !== undefined, { message: "a hold covers a subject, a category, or both", path: ["subject"] });
export type LegalHoldBody = z.infer<typeof LegalHoldBody>;

export const LegalHoldsQuery = z.strictObject({ orgId: OrgId });

const notFound = () => new EngineError("not-found", "Organization not found", { reason: "org-not-found" });

export async function placeHold(deps: HoldDeps & Pick<EngineDeps, "orgs" | "dataMap">, caller: Authorized<"registry:write">, body: LegalHoldBody): Promise<LegalHold> {
  if (!mayActOnOrg(caller, body.orgId)) throw notFound();
  const org = await deps.orgs.get(body.orgId);
  if (org === undefined) throw notFound();
  if (body.category !== undefined && !deps.dataMap.categories.some((c) => c.id === body.category)) {
    throw new EngineError("validation", `Unknown category ${body.category}`, { reason: "invalid-input", fields: [{ path: "category", message: "not a category of the data map" }] });
  }
  const subject = body.subject === undefined ? undefined : normalizeSubject(body.subject, org.defaultCountry);
  const subjectKeys =
    subject === undefined
      ? undefined
      : IDENTIFIER_KINDS.flatMap((kind) => {
          const value = subject[kind];
          return value === undefined ? [] : [subjectKey(deps.config.PRIVACY_SUBJECT_KEY_SECRET, body.orgId, kind, value)];
        });
  const hold: LegalHold = {
    id: randomUUID(),
    orgId: body.orgId,
    ...(subjectKeys === undefined ? {} : { subjectKeys }),
    ...(body.category === undefined ? {} : { category: body.category }),
    reason: body.reason,
    ...(body.until === undefined ? {} : { until: body.until }),
    createdAt: deps.now().toISOString(),
    createdBy: caller.id,
  };
  await deps.legalHolds.put(hold);
  // The status other services read shows the hold too.
  await reflectHold(deps, hold, true);
  await auditHold(deps, caller, hold, "legal-hold.placed");
  return hold;
}

export async function listHolds(deps: Pick<EngineDeps, "legalHolds">, caller: Authorized<"request:read">, orgId: string): Promise<LegalHold[]> {
  if (!mayActOnOrg(caller, orgId)) return [];
  return deps.legalHolds.forOrg(orgId);
}

export async function liftHold(deps: HoldDeps, caller: Authorized<"registry:write">, orgId: string, id: string): Promise<void> {
  if (!mayActOnOrg(caller, orgId)) throw notFound();
  const hold = (await deps.legalHolds.forOrg(orgId)).find((h) => h.id === id);
  if (hold === undefined) throw new EngineError("not-found", "Legal hold not found", { reason: "hold-not-found" });
  // The status first: a crash in between leaves the hold in force and a retry finishes both.
  await reflectHold(deps, hold, false);
  if (!(await deps.legalHolds.remove(orgId, id))) throw new EngineError("not-found", "Legal hold not found", { reason: "hold-not-found" });
  await auditHold(deps, caller, hold, "legal-hold.lifted");
}

/**
 * Keyed digest of the reason (as requests' reasons and details are digested, under the hold's
 * chain id): proves the text without holding it, and unlike a plain hash cannot be confirmed by
 * guessing a short reason.
 */
function reasonDigest(deps: Pick<EngineDeps, "config">, chainId: string, reason: string): string {
  return codeHash(deps.config.PRIVACY_SUBJECT_KEY_SECRET, `text\u0000${chainId}`, reason);
}

/** A hold's audit trail: its own short chain, keyed by the hold (it belongs to no request). */
async function auditHold(deps: Pick<EngineDeps, "audit" | "config" | "now">, caller: Caller, hold: LegalHold, action: string): Promise<void> {
  const scope = { requestId: `hold:${hold.id}`, orgId: hold.orgId, subjectKey: hold.subjectKeys?.[0] ?? orgKey(deps.config.PRIVACY_SUBJECT_KEY_SECRET, hold.orgId) };
  const existing = await deps.audit.listForRequest(scope.requestId);
  const last = existing.at(-1);
  const { entries } = chainEntries(scope, last === undefined ? undefined : { seq: last.seq, hash: last.hash }, [
    { at: deps.now().toISOString(), actor: actorOf(caller), action, details: { category: hold.category ?? null, until: hold.until ?? null, subjects: hold.subjectKeys?.length ?? 0, reasonDigest: reasonDigest(deps, scope.requestId, hold.reason) } },
  ]);
  await deps.audit.write(entries);
}
