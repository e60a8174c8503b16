// A placed restriction's later life (Art. 18(3)): the request to lift it, with its notice to
// the subject, and the lift once the markers are off. Placing it is completeWork's.

import type { AuditActor } from "../audit.js";
import { EngineError } from "../errors.js";
import { executorActor, placeCounts } from "./audit-entries.js";
import type { Applied, PrivacyRequestRecord, RequestChange } from "./record.js";

/**
 * Lifting a restriction: needs a reason, and the subject is told before it is lifted (Art. 18(3)),
 * so the notice event is committed with the request and the markers come off in the work after it.
 */
export function requestLift(record: PrivacyRequestRecord, params: { reason: string; reasonDigest: string; now: Date; actor: AuditActor }): RequestChange {
  if (record.type !== "restriction") throw new EngineError("conflict", "Only a restriction can be lifted", { reason: "not-a-restriction" });
  if (record.status !== "completed" || record.restriction === undefined) {
    throw new EngineError("conflict", `A restriction that is ${record.status} is not in force yet`, { reason: "restriction-not-in-force" });
  }
  if (record.restriction.state !== "in-force") throw new EngineError("conflict", `The restriction is already ${record.restriction.state}`, { reason: "already-lifted" });
  const nowIso = params.now.toISOString();
  return {
    record: {
      ...record,
      updatedAt: nowIso,
      restriction: { ...record.restriction, state: "lift-requested", liftReason: params.reason, liftRequestedAt: nowIso, liftRequestedBy: params.actor.id },
    },
    audit: [{ at: nowIso, actor: params.actor, action: "restriction.lift-requested", details: { reasonDigest: params.reasonDigest, since: record.restriction.since } }],
    events: [{ type: "restriction.lift-notice", data: { since: record.restriction.since, ground: record.ground ?? null } }],
    enqueue: true,
  };
}

export function completeLift(record: PrivacyRequestRecord, applied: Applied, executor: string, now: Date): RequestChange | undefined {
  if (record.restriction?.state !== "lift-requested") return undefined;
  const nowIso = now.toISOString();
  return {
    record: { ...record, updatedAt: nowIso, restriction: { ...record.restriction, state: "lifted", liftedAt: nowIso } },
    audit: [{ at: nowIso, actor: executorActor(executor), action: "restriction.lifted", details: { places: placeCounts(applied.places), registryEntries: applied.registryEntries } }],
    events: [{ type: "restriction.lifted", data: { since: record.restriction.since } }],
    enqueue: false,
  };
}
