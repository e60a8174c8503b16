// Closing a request before its work is done: a rejection (with its reason) or a cancellation.

import type { AuditActor } from "../audit.js";
import { transitionAudit } from "./audit-entries.js";
import type { PrivacyRequestRecord, RequestChange } from "./record.js";
import { moved } from "./transition.js";

export function closeRequest(
  record: PrivacyRequestRecord,
  params: {
    event: "reject" | "cancel";
    reason?: string;
    detail?: string;
    /** Keyed digest of the free-text detail, for the audit. */
    detailDigest?: string;
    now: Date;
    actor: AuditActor;
    dueSoonDays: number;
  },
): RequestChange {
  const nowIso = params.now.toISOString();
  const outcome = params.event === "reject" ? "rejected" : "cancelled";
  const next = moved(record, params.event, params.now, params.dueSoonDays, {
    resolution: {
      outcome,
      ...(params.reason === undefined ? {} : { reason: params.reason }),
      ...(params.detail === undefined ? {} : { detail: params.detail }),
      at: nowIso,
      by: params.actor.id,
    },
  });
  return {
    record: next,
    audit: [
      transitionAudit(record, next.status, params.actor, params.now, {
        ...(params.event === "reject" ? { reason: params.reason ?? null } : {}),
        ...(params.detailDigest === undefined ? {} : { detailDigest: params.detailDigest }),
      }),
    ],
    events: [{ type: "request.status-changed", data: { from: record.status, to: next.status } }],
    enqueue: false,
  };
}

