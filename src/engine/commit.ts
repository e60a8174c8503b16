import { chainEntries } from "../domain/audit.js";
import { EngineError, isStale, toEngineError } from "../domain/errors.js";
import type { OutboxEvent } from "../domain/events.js";
import type { PendingEffects, PrivacyRequestRecord, RequestChange } from "../domain/privacy-request.js";
import type { EngineDeps } from "./deps.js";
import type { Logger, Versioned } from "./ports.js";

/** The stores a commit writes: the request document, then its audit entries, events and work item. */
export type CommitDeps = Pick<EngineDeps, "requests" | "audit" | "outbox" | "work">;

/**
 * Commits a change in one document write: the new state, its chained audit entries, its events
 * and whether it must be enqueued all land together in the request document (`pending`). The
 * effects are then copied to their own stores, idempotently; a crash in between leaves them in
 * `pending`, where the next commit carries them over and the hourly check flushes them.
 */
export async function commit(
  deps: CommitDeps,
  current: Versioned<PrivacyRequestRecord> | undefined,
  change: RequestChange,
  log: Logger,
): Promise<Versioned<PrivacyRequestRecord>> {
  if (change.events.length > 0 && change.audit.length === 0) {
    // Event ids derive from the change's first audit entry; a change without one could reuse ids.
    throw new EngineError("internal", "A change that emits events must record an audit entry", { reason: "events-without-audit" });
  }
  const base = current?.value;
  const scope = { requestId: change.record.id, orgId: change.record.orgId, subjectKey: change.record.subjectKey };
  const { entries, head } = chainEntries(scope, base?.auditHead, change.audit);
  const firstSeq = entries[0]?.seq ?? head?.seq ?? 0;
  const events: OutboxEvent[] = change.events.map((draft, index) => ({
    ...draft,
    id: `${scope.requestId}:${firstSeq}:${index}`,
    orgId: scope.orgId,
    requestId: scope.requestId,
    subjectKey: scope.subjectKey,
    createdAt: change.record.updatedAt,
    status: "pending",
  }));
  const carried = base?.pending;
  const pending: PendingEffects = {
    audit: [...(carried?.audit ?? []), ...entries],
    events: [...(carried?.events ?? []), ...events],
    enqueue: (carried?.enqueue ?? false) || change.enqueue,
  };
  const { pending: _drop, ...rest } = change.record;
  const record: PrivacyRequestRecord = { ...rest, ...(head === undefined ? {} : { auditHead: head }), pending };
  const saved = current === undefined ? await deps.requests.create(record) : await deps.requests.replace(record, current.etag);
  return flushEffects(deps, saved, log);
}

/** Copies a request's pending effects to their stores, then clears them. Safe to repeat. */
export async function flushEffects(
  deps: CommitDeps,
  saved: Versioned<PrivacyRequestRecord>,
  log: Logger,
): Promise<Versioned<PrivacyRequestRecord>> {
  const pending = saved.value.pending;
  if (pending === undefined) return saved;
  try {
    await deps.audit.write(pending.audit);
    await deps.outbox.write(pending.events);
    if (pending.enqueue) await deps.work.enqueue({ requestId: saved.value.id });
    const { pending: _done, ...cleared } = saved.value;
    return await deps.requests.replace(cleared, saved.etag);
  } catch (thrown) {
    const error = toEngineError(thrown);
    // Someone committed after us and carried our effects over; they flush them.
    if (isStale(error)) return saved;
    log.warn("effects not flushed yet; they stay pending on the request", {
      requestId: saved.value.id,
      error: error.code,
    });
    return saved;
  }
}

/**
 * Load → decide → commit under the document's ETag, retried when someone else wrote in between.
 * `decide` is pure and may throw an EngineError (a caller's mistake changes nothing).
 */
export async function mutate(
  deps: CommitDeps,
  id: string,
  decide: (current: Versioned<PrivacyRequestRecord>) => RequestChange | undefined,
  log: Logger,
): Promise<Versioned<PrivacyRequestRecord>> {
  for (let attempt = 1; ; attempt += 1) {
    const current = await deps.requests.get(id);
    if (current === undefined) throw new EngineError("not-found", "Request not found", { reason: "request-not-found" });
    const change = decide(current);
    if (change === undefined) return current;
    try {
      return await commit(deps, current, change, log);
    } catch (thrown) {
      const error = toEngineError(thrown);
      if (!isStale(error) || attempt >= 5) throw error;
    }
  }
}
