// Moving a request to its next status: the lifecycle step every decision that changes the
// status takes, with what leaves the document on the way (a status reason, a running pause, a
// portability destination on a terminal state) and the deadline recomputed.

import { isTerminal, transition, type LifecycleEvent } from "../lifecycle.js";
import { effectivePausedDays, withDeadline } from "./deadline.js";
import type { PrivacyRequestRecord } from "./record.js";

/** The document after lifecycle `event` (a 409 when the status does not allow it), its deadline recomputed. */
export function moved(
  record: PrivacyRequestRecord,
  event: LifecycleEvent,
  now: Date,
  dueSoonDays: number,
  patch: Partial<PrivacyRequestRecord> = {},
): PrivacyRequestRecord {
  const status = transition(record.status, event);
  // A portability destination's URL carries a write credential (a SAS) to another controller's
  // storage: it leaves the request on every terminal state, not only once the package is sent.
  const { statusReason: _reason, ...kept } = record;
  const { destination: _destination, ...withoutDestination } = kept;
  const rest = isTerminal(status) ? withoutDestination : kept;
  // Leaving awaiting-verification ends a running pause.
  const pausedDays = effectivePausedDays(record, now);
  const { pausedSince: _p, ...unpaused } = rest;
  const next = record.status === "awaiting-verification" ? { ...unpaused, pausedDays } : rest;
  return withDeadline({ ...next, ...patch, status, updatedAt: now.toISOString() }, now, dueSoonDays);
}
