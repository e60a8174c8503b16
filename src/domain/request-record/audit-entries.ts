// Pieces of audit entries that several decisions share: the entry for a status transition, the
// actor an executor records under, and counts per place.

import type { AuditActor, AuditDraft } from "../audit.js";
import type { RequestStatus } from "../request.js";
import type { PrivacyRequestRecord } from "./record.js";

/** The audit entry of a status change, with any details the decision adds. */
export function transitionAudit(record: PrivacyRequestRecord, to: RequestStatus, actor: AuditActor, now: Date, details = {}): AuditDraft {
  return { at: now.toISOString(), actor, action: "request.transitioned", details: { from: record.status, to, ...details } };
}

/** Executors, sweeps and checks record under a system actor named by what they are. */
export const executorActor = (id: string): AuditActor => ({ kind: "system", id });

/** `{contacts: 2}` → `["contacts:2"]`, as audit details hold counts per place. */
export function placeCounts(places: Readonly<Record<string, number>>): string[] {
  return Object.entries(places).map(([place, n]) => `${place}:${n}`);
}
