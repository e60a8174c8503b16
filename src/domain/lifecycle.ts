import { EngineError } from "./errors.js";
import type { RequestStatus } from "./request.js";

// The request lifecycle as a pure state machine:
// awaiting-verification → queued → in-progress → completed | rejected | cancelled | failed.

export const LIFECYCLE_EVENTS = ["verify", "start", "complete", "fail", "reject", "cancel", "requeue"] as const;
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

const TRANSITIONS: Readonly<Record<RequestStatus, Partial<Record<LifecycleEvent, RequestStatus>>>> = {
  "awaiting-verification": { verify: "queued", reject: "rejected", cancel: "cancelled" },
  queued: { start: "in-progress", reject: "rejected", cancel: "cancelled", fail: "failed" },
  // An executor that loses its lease or is redelivered puts the request back in the queue.
  "in-progress": { complete: "completed", fail: "failed", requeue: "queued" },
  completed: {},
  rejected: {},
  cancelled: {},
  failed: {},
};

export const TERMINAL_STATUSES: readonly RequestStatus[] = ["completed", "rejected", "cancelled", "failed"];
export const OPEN_STATUSES: readonly RequestStatus[] = ["awaiting-verification", "queued", "in-progress"];

export function isTerminal(status: RequestStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export function nextStatus(from: RequestStatus, event: LifecycleEvent): RequestStatus | undefined {
  return TRANSITIONS[from][event];
}

/** The status after `event`, or a 409 problem naming the illegal transition. */
export function transition(from: RequestStatus, event: LifecycleEvent): RequestStatus {
  const to = nextStatus(from, event);
  if (to === undefined) {
    throw new EngineError("conflict", `A request that is ${from} cannot ${event}`, { reason: "illegal-transition" });
  }
  return to;
}
