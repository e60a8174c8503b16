// An executor's work on a request, short of its outcome: taking it (or saying no executor is
// installed), recording discovery and the run it follows, opening a follow-up request, and
// failing it when a step keeps failing. The completions are in completion.ts.

import { isTerminal } from "../lifecycle.js";
import type { RequestType } from "../request.js";
import { executorActor, transitionAudit } from "./audit-entries.js";
import type { DiscoverySummary, Failure, PrivacyRequestRecord, RequestChange } from "./record.js";
import { moved } from "./transition.js";

/** A queued request whose type has no executor yet stays queued and says why. */
export function awaitExecutor(record: PrivacyRequestRecord, now: Date): RequestChange | undefined {
  const reason = `no executor for ${record.type} requests is installed in this version; the request stays queued`;
  if (record.status !== "queued" || record.statusReason === reason) return undefined;
  const nowIso = now.toISOString();
  return {
    record: { ...record, statusReason: reason, updatedAt: nowIso },
    audit: [{ at: nowIso, actor: { kind: "system", id: "work-queue" }, action: "request.awaiting-executor", details: { type: record.type } }],
    events: [],
    enqueue: false,
  };
}


/** An executor takes a queued request (or resumes its own, redelivered). */
export function startWork(record: PrivacyRequestRecord, executor: string, now: Date, dueSoonDays: number): RequestChange | undefined {
  if (record.status === "in-progress") return undefined;
  const next = moved(record, "start", now, dueSoonDays, { progress: { step: "discovery" } });
  return {
    record: next,
    audit: [transitionAudit(record, next.status, executorActor(executor), now)],
    events: [{ type: "request.status-changed", data: { from: record.status, to: next.status } }],
    enqueue: false,
  };
}

export function recordDiscovery(record: PrivacyRequestRecord, summary: DiscoverySummary, executor: string, now: Date): RequestChange {
  const sum = (counts: Readonly<Record<string, number>>) => Object.values(counts).reduce((a, b) => a + b, 0);
  const nowIso = now.toISOString();
  return {
    record: {
      ...record,
      updatedAt: nowIso,
      discovery: summary,
      progress: { step: "packaging", itemsFound: sum(summary.items), blobsFound: sum(summary.blobs), csvRowsFound: sum(summary.csvRows) },
    },
    audit: [
      {
        at: nowIso,
        actor: executorActor(executor),
        action: "discovery.completed",
        details: {
          items: sum(summary.items),
          blobs: sum(summary.blobs),
          csvRows: sum(summary.csvRows),
          places: Object.entries({ ...summary.items, ...summary.blobs, ...summary.csvRows }).map(([k, v]) => `${k}:${v}`),
        },
      },
    ],
    events: [],
    enqueue: false,
  };
}

/**
 * Records the discovery run an executor follows, once: a second delivery reuses the first's.
 * A request that ended while its discovery ran (failed by another delivery) takes no run: its
 * work must not go on.
 */
export function claimRun(record: PrivacyRequestRecord, run: string, subjectKeys: Readonly<Record<string, readonly string[]>>, now: Date): RequestChange | undefined {
  if (isTerminal(record.status) || record.progress?.run !== undefined) return undefined;
  return { record: { ...record, updatedAt: now.toISOString(), progress: { ...record.progress, step: "applying", run, subjectKeys } }, audit: [], events: [], enqueue: false };
}

/** A step that kept failing: the request fails with the step and the reason, and an alert goes out. */
export function failWork(
  record: PrivacyRequestRecord,
  failure: Failure,
  executor: string,
  now: Date,
  dueSoonDays: number,
): RequestChange | undefined {
  if (record.status !== "in-progress" && record.status !== "queued") return undefined;
  const next = moved(record, "fail", now, dueSoonDays, {
    failure,
    statusReason: `failed at ${failure.step}: ${failure.reason}`,
    resolution: { outcome: "failed", reason: failure.step, at: now.toISOString(), by: executor },
  });
  return {
    record: next,
    audit: [
      { at: now.toISOString(), actor: executorActor(executor), action: "work.failed", details: { step: failure.step, reason: failure.reason, attempts: failure.attempts } },
      transitionAudit(record, next.status, executorActor(executor), now),
    ],
    events: [
      { type: "request.status-changed", data: { from: record.status, to: next.status } },
      { type: "alert", data: { kind: "request-failed", step: failure.step, reason: failure.reason } },
    ],
    enqueue: false,
  };
}

/** A consent withdrawal opened its erasure: the link is kept, so a redelivery opens no second one. */
export function linkFollowUp(record: PrivacyRequestRecord, followUp: { requestId: string; type: RequestType }, now: Date): RequestChange | undefined {
  if (record.followUp !== undefined) return undefined;
  const nowIso = now.toISOString();
  return {
    record: { ...record, updatedAt: nowIso, followUp },
    audit: [{ at: nowIso, actor: executorActor("suppression-executor"), action: "request.follow-up-opened", details: { requestId: followUp.requestId, type: followUp.type } }],
    events: [],
    enqueue: false,
  };
}

