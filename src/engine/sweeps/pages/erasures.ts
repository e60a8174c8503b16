import { utcDate } from "../../../domain/deadlines.js";
import { SubmitRequestBody } from "../../../domain/request.js";
import type { RetentionNotice } from "../../../domain/retention.js";
import type { Logger } from "../../ports.js";
import { submitRequest, type SubmitDeps } from "../../requests.js";
import { CHILDREN_CALLER, CHILDREN_OPENER, RETENTION_CALLER, RETENTION_OPENER } from "../callers.js";
import { idKindOf, type BirthMapping, type RetentionMapping } from "../phases.js";
import type { OrgContext } from "../policy.js";

// The erasures the sweeps open: requests like anyone's, through the same use case, attested by
// the sweep and under a deterministic Idempotency-Key, so running a page again opens none twice.

/** Opens the erasure a notice ran out into (an org's offboarding for an org-wide period); returns its id. */
export async function openRetentionErasure(deps: SubmitDeps, ctx: OrgContext, mapping: RetentionMapping, notice: RetentionNotice, log: Logger): Promise<string> {
  const verification = { method: "attested", by: RETENTION_CALLER.id };
  const idKind = idKindOf(mapping);
  const body =
    mapping.retentionPeriod === "org" || idKind === undefined
      ? { type: "org-offboarding", orgId: ctx.orgId, confirmation: ctx.orgId, reason: "retention", verification }
      : { type: "erasure", orgId: ctx.orgId, subject: { [idKind]: notice.itemId }, reason: "retention", verification };
  // One request per notice: a rerun of this page finds the request it opened, never a second.
  const outcome = await submitRequest(deps, RETENTION_OPENER, SubmitRequestBody.parse(body), `retention:${notice.subjectKey}:${notice.noticedAt}`, log);
  log.info("retention erasure opened", { orgId: ctx.orgId, subjectKey: notice.subjectKey, requestId: outcome.request.id, type: outcome.request.type });
  return outcome.request.id;
}

/** Opens the child-data erasure of one child found in a mapping, named by the item's id. */
export async function openChildErasure(deps: SubmitDeps, ctx: OrgContext, mapping: BirthMapping, itemId: string, subjectKey: string, log: Logger): Promise<void> {
  const idKind = idKindOf(mapping) ?? "contactId";
  const body = SubmitRequestBody.parse({
    type: "child-data",
    orgId: ctx.orgId,
    subject: { [idKind]: itemId },
    reason: "child-data",
    verification: { method: "attested", by: CHILDREN_CALLER.id },
  });
  // One a day at most: an erasure that could not finish is tried again the next day.
  const outcome = await submitRequest(deps, CHILDREN_OPENER, body, `children:${subjectKey}:${utcDate(ctx.now)}`, log);
  log.info("child-data erasure opened", { orgId: ctx.orgId, subjectKey, requestId: outcome.request.id, mapping: mapping.name });
}
