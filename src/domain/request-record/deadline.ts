// The deadline as the request carries it: the paused days, the stored due dates and their
// state, an extension, and the hourly check that marks due-soon and overdue. The rules
// themselves (per jurisdiction) are in ../deadlines.ts.

import type { AuditActor } from "../audit.js";
import { EngineError } from "../errors.js";
import { calendarDaysBetween, computeDeadline, DEADLINE_RULES, dueState, extensionRefusal, type Deadline } from "../deadlines.js";
import type { EventDraft } from "../events.js";
import { isTerminal } from "../lifecycle.js";
import type { PrivacyRequestRecord, RequestChange } from "./record.js";

/** Paused days so far, counting a pause still running up to `now`. */
export function effectivePausedDays(record: Pick<PrivacyRequestRecord, "pausedDays" | "pausedSince">, now: Date): number {
  return record.pausedDays + (record.pausedSince === undefined ? 0 : calendarDaysBetween(record.pausedSince, now.toISOString()));
}

export function deadlineOf(record: PrivacyRequestRecord, now: Date): Deadline {
  return computeDeadline({
    jurisdiction: record.jurisdiction,
    receivedAt: record.receivedAt,
    pausedDays: effectivePausedDays(record, now),
    extended: record.extension !== undefined,
  });
}

/** Recomputes the stored deadline fields as of `now`. */
export function withDeadline(record: PrivacyRequestRecord, now: Date, dueSoonDays: number): PrivacyRequestRecord {
  const deadline = deadlineOf(record, now);
  const { extendedDueAt: _e, acknowledgeDueAt: _a, ...rest } = record;
  return {
    ...rest,
    dueAt: deadline.dueAt,
    ...(deadline.extendedDueAt === undefined ? {} : { extendedDueAt: deadline.extendedDueAt }),
    ...(deadline.acknowledgeDueAt === undefined ? {} : { acknowledgeDueAt: deadline.acknowledgeDueAt }),
    // Computed at every change; a closed request is never refreshed again, so it keeps the state
    // it was closed in (on time, or late).
    deadlineState: dueState(deadline.effectiveDueAt, now, dueSoonDays),
  };
}

export function extendRequest(
  record: PrivacyRequestRecord,
  params: { reason: string; reasonDigest: string; now: Date; actor: AuditActor; dueSoonDays: number },
): RequestChange {
  if (isTerminal(record.status)) {
    throw new EngineError("conflict", `A request that is ${record.status} cannot be extended`, { reason: "illegal-transition" });
  }
  const rule = DEADLINE_RULES[record.jurisdiction];
  const refusal = extensionRefusal(rule, deadlineOf(record, params.now), record.extension !== undefined, params.now);
  if (refusal !== null) throw new EngineError("conflict", refusal, { reason: "extension-refused" });
  const nowIso = params.now.toISOString();
  const next = withDeadline(
    { ...record, updatedAt: nowIso, extension: { reason: params.reason, at: nowIso, by: params.actor.id } },
    params.now,
    params.dueSoonDays,
  );
  return {
    record: next,
    // The reason is free text that may name people: it stays on the request; the audit holds its
    // keyed digest, which proves the text later without holding it.
    audit: [
      {
        at: nowIso,
        actor: params.actor,
        action: "request.extended",
        details: { dueAt: next.dueAt, extendedDueAt: next.extendedDueAt ?? null, reasonDigest: params.reasonDigest },
      },
    ],
    events: [{ type: "request.extended", data: { dueAt: next.dueAt, extendedDueAt: next.extendedDueAt ?? null } }],
    enqueue: false,
  };
}

/** The hourly deadline check: marks due-soon and overdue; a newly overdue request emits an event. */
export function refreshDeadline(record: PrivacyRequestRecord, now: Date, dueSoonDays: number): RequestChange | undefined {
  if (isTerminal(record.status)) return undefined;
  const next = withDeadline(record, now, dueSoonDays);
  const nowIso = now.toISOString();
  if (next.deadlineState === record.deadlineState) {
    // A paused clock moves the due date without changing the state: keep the stored date current
    // (list filters and the next check read it); nothing to audit.
    const moved = next.dueAt !== record.dueAt || next.extendedDueAt !== record.extendedDueAt;
    return moved ? { record: { ...next, updatedAt: nowIso }, audit: [], events: [], enqueue: false } : undefined;
  }
  const actor: AuditActor = { kind: "system", id: "deadline-check" };
  const effective = next.extendedDueAt ?? next.dueAt;
  const events: EventDraft[] =
    next.deadlineState === "overdue"
      ? [{ type: "request.overdue", data: { dueAt: effective, status: next.status } }]
      : next.deadlineState === "due-soon"
        ? [{ type: "request.due-soon", data: { dueAt: effective, status: next.status } }]
        : [];
  return {
    record: { ...next, updatedAt: nowIso },
    audit: [{ at: nowIso, actor, action: "deadline.marked", details: { from: record.deadlineState, to: next.deadlineState, dueAt: effective } }],
    events,
    enqueue: false,
  };
}
