// A request's work done: an export delivered (and later its package gone), an erasure
// certified, or a rectification, restriction or suppression applied. Each moves the request to
// completed with what it did, in counts, never values.

import type { AuditDetailValue } from "../audit.js";
import type { Certificate } from "../certificate.js";
import type { EventDraft } from "../events.js";
import { executorActor, transitionAudit } from "./audit-entries.js";
import type { Applied, Delivery, PrivacyRequestRecord, RequestChange } from "./record.js";
import { moved } from "./transition.js";

export function completeExport(
  record: PrivacyRequestRecord,
  delivery: Delivery,
  written: { items: number; blobs: number; entries: number },
  executor: string,
  now: Date,
  dueSoonDays: number,
): RequestChange {
  // The destination URL carries a write credential to another controller's storage: once the
  // package is sent, only its host (in the delivery) stays.
  const { destination: _sent, ...withoutDestination } = record;
  const next = moved(withoutDestination, "complete", now, dueSoonDays, {
    delivery,
    progress: { ...record.progress, step: "delivered", itemsWritten: written.items, blobsWritten: written.blobs },
    resolution: { outcome: "completed", at: now.toISOString(), by: executor },
  });
  return {
    record: next,
    // What was exported: counts and the package's digest, never the content or the link.
    audit: [
      {
        at: now.toISOString(),
        actor: executorActor(executor),
        action: "export.completed",
        details: {
          items: written.items,
          blobs: written.blobs,
          entries: written.entries,
          sha256: delivery.sha256,
          bytes: delivery.bytes,
          expiresAt: delivery.expiresAt,
          sentToDestination: delivery.sentTo !== undefined,
        },
      },
      transitionAudit(record, next.status, executorActor(executor), now),
    ],
    events: [{ type: "request.status-changed", data: { from: record.status, to: next.status } }],
    enqueue: false,
  };
}

/** The package's link has expired and the package is gone. */
export function packageDeleted(record: PrivacyRequestRecord, now: Date): RequestChange | undefined {
  if (record.delivery === undefined || record.delivery.deletedAt !== undefined) return undefined;
  const nowIso = now.toISOString();
  const { url: _url, ...delivery } = record.delivery;
  return {
    record: { ...record, updatedAt: nowIso, delivery: { ...delivery, url: "", deletedAt: nowIso } },
    audit: [{ at: nowIso, actor: executorActor("package-expiry"), action: "export.package-deleted", details: { sha256: delivery.sha256 } }],
    events: [],
    enqueue: false,
  };
}

/** An erasure is done: its certificate is stored, recipients are told (Art. 19). */
export function completeErasure(record: PrivacyRequestRecord, certificate: Certificate, executor: string, now: Date, dueSoonDays: number): RequestChange {
  const counts = Object.values(certificate.places).reduce(
    (sum, p) => ({ deleted: sum.deleted + p.deleted, anonymised: sum.anonymised + p.anonymised, kept: sum.kept + p.kept }),
    { deleted: 0, anonymised: 0, kept: 0 },
  );
  // An erased subject's identifiers leave the request too; its keyed hash names it from now on.
  const next = moved({ ...record, subject: {} }, "complete", now, dueSoonDays, {
    certificate,
    progress: { ...record.progress, step: "certified" },
    resolution: {
      outcome: "completed",
      reason: certificate.outcome,
      ...(certificate.exceptions.length === 0 ? {} : { detail: certificate.exceptions.map((e) => `${e.place}: ${e.count} kept (${e.reason})`).join("; ") }),
      at: now.toISOString(),
      by: executor,
    },
  });
  return {
    record: next,
    audit: [
      {
        at: now.toISOString(),
        actor: executorActor(executor),
        action: "erasure.certified",
        details: { outcome: certificate.outcome, ...counts, remaining: certificate.verification.remaining, signature: certificate.signature },
      },
      transitionAudit(record, next.status, executorActor(executor), now),
    ],
    events: [
      { type: "subject.erased", data: { action: record.type === "org-offboarding" ? "org-offboarding" : "erasure", outcome: certificate.outcome } },
      { type: "request.status-changed", data: { from: record.status, to: next.status } },
    ],
    enqueue: false,
  };
}

/**
 * A rectification, restriction or suppression is done: what it changed (counts, field names) in
 * the audit, an event for the recipients (Art. 19).
 */
export function completeWork(
  record: PrivacyRequestRecord,
  outcome: {
    readonly applied: Applied;
    readonly action: string;
    readonly details: Readonly<Record<string, AuditDetailValue>>;
    readonly events: readonly EventDraft[];
    readonly patch?: Partial<PrivacyRequestRecord>;
  },
  executor: string,
  now: Date,
  dueSoonDays: number,
): RequestChange | undefined {
  if (record.status !== "in-progress") return undefined;
  const next = moved(record, "complete", now, dueSoonDays, {
    ...outcome.patch,
    applied: outcome.applied,
    progress: { ...record.progress, step: "applied" },
    resolution: { outcome: "completed", at: now.toISOString(), by: executor },
  });
  return {
    record: next,
    audit: [
      { at: now.toISOString(), actor: executorActor(executor), action: outcome.action, details: outcome.details },
      transitionAudit(record, next.status, executorActor(executor), now),
    ],
    events: [...outcome.events, { type: "request.status-changed", data: { from: record.status, to: next.status } }],
    enqueue: false,
  };
}

