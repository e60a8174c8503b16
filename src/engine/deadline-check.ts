import { addDays } from "date-fns";
import { UTCDate } from "@date-fns/utc";
import { toEngineError } from "../domain/errors.js";
import { utcDate } from "../domain/deadlines.js";
import { refreshDeadline } from "../domain/privacy-request.js";
import { flushEffects, mutate, type CommitDeps } from "./commit.js";
import type { EngineDeps } from "./deps.js";
import type { Logger } from "./ports.js";

export interface DeadlineCheckReport {
  readonly examined: number;
  readonly dueSoon: number;
  readonly overdue: number;
  readonly flushed: number;
}

/**
 * The hourly deadline check: marks open requests due within the due-soon window and those
 * overdue (a newly overdue one emits `request.overdue` through the outbox), then flushes
 * effects left pending by an interrupted commit. Idempotent: a second run changes nothing.
 */
export async function checkDeadlines(deps: CommitDeps & Pick<EngineDeps, "config" | "now">, log: Logger): Promise<DeadlineCheckReport> {
  const now = deps.now();
  const horizon = utcDate(addDays(new UTCDate(now), deps.config.PRIVACY_DUE_SOON_DAYS));
  let examined = 0;
  let dueSoon = 0;
  let overdue = 0;
  let token: string | undefined;
  do {
    const page = await deps.requests.deadlineCandidates(horizon, token);
    for (const candidate of page.items) {
      examined += 1;
      try {
        const saved = await mutate(deps, candidate.value.id, (current) => refreshDeadline(current.value, now, deps.config.PRIVACY_DUE_SOON_DAYS), log);
        if (saved.value.deadlineState === "overdue") overdue += 1;
        if (saved.value.deadlineState === "due-soon") dueSoon += 1;
      } catch (thrown) {
        // One failing request does not stop the others; the next hourly run takes it again.
        log.warn("deadline check failed for a request", { requestId: candidate.value.id, error: toEngineError(thrown).code });
      }
    }
    token = page.continuationToken;
  } while (token !== undefined);

  let flushed = 0;
  const settledBefore = new Date(now.getTime() - 60_000).toISOString();
  token = undefined;
  do {
    const page = await deps.requests.withPendingEffects(settledBefore, token);
    for (const request of page.items) {
      const after = await flushEffects(deps, request, log);
      if (after.value.pending === undefined) flushed += 1;
    }
    token = page.continuationToken;
  } while (token !== undefined);

  log.info("deadline check done", { examined, dueSoon, overdue, flushed });
  return { examined, dueSoon, overdue, flushed };
}
