import { chainEntries } from "../../../domain/audit.js";
import type { EventType, OutboxEvent } from "../../../domain/events.js";
import type { RetentionNotice } from "../../../domain/retention.js";
import type { EngineDeps } from "../../deps.js";
import { SWEEP_ACTOR } from "../callers.js";

// The effects of a notice given, cancelled: an event, and an audit entry in the subject's
// retention chain (a chain of its own, apart from any request's).

export type AnnounceDeps = Pick<EngineDeps, "outbox" | "audit" | "now">;

export async function announce(deps: AnnounceDeps, notice: RetentionNotice, type: EventType, action: string, data: Readonly<Record<string, string>>): Promise<void> {
  const scope = { requestId: `retention:${notice.orgId}:${notice.subjectKey}`, orgId: notice.orgId, subjectKey: notice.subjectKey };
  const at = deps.now().toISOString();
  // Event ids follow the inactivity noticed, so a step that runs a page again writes no second event.
  const event: OutboxEvent = { ...scope, id: `${scope.requestId}:${type}:${notice.activityAt}`, type, data: { mapping: notice.mapping, ...data }, createdAt: at, status: "pending" };
  await deps.outbox.write([event]);
  const last = (await deps.audit.listForRequest(scope.requestId)).at(-1);
  const { entries } = chainEntries(scope, last === undefined ? undefined : { seq: last.seq, hash: last.hash }, [{ at, actor: SWEEP_ACTOR, action, details: { mapping: notice.mapping, ...data } }]);
  await deps.audit.write(entries);
}
