import { UTCDate } from "@date-fns/utc";
import { addDays } from "date-fns";
import { mayActOnOrg, type Authorized } from "../domain/access.js";
import { utcDate } from "../domain/deadlines.js";
import { EngineError } from "../domain/errors.js";
import { buildRequestReport, reportRange, type RequestReport, type RequestReportQuery } from "../domain/report.js";
import type { EngineDeps } from "./deps.js";
import type { OrgScope } from "./ports.js";

// The requests report of the console's dashboard (GET /api/reports/requests): figures the
// database computes over the caller's orgs, put together by the pure report in src/domain/report.ts.

export type ReportDeps = Pick<EngineDeps, "reports" | "orgs" | "now" | "config">;

const orgNotFound = () => new EngineError("not-found", "Organization not found", { reason: "org-not-found" });

/**
 * The report over one org (`query.orgId`) or every org the caller may act on. An org the caller
 * may not act on, or one the platform does not know, is a 404; a backwards or too long range a 400.
 */
export async function requestReport(deps: ReportDeps, caller: Authorized<"request:read">, query: RequestReportQuery): Promise<RequestReport> {
  const now = deps.now();
  // The range is checked before anything is read: a caller's mistake costs no query.
  const range = reportRange(query, now);
  let orgs: OrgScope = caller.orgs;
  if (query.orgId !== undefined) {
    if (!mayActOnOrg(caller, query.orgId)) throw orgNotFound();
    if ((await deps.orgs.get(query.orgId)) === undefined) throw orgNotFound();
    orgs = [query.orgId];
  }
  const dueSoonDays = deps.config.PRIVACY_DUE_SOON_DAYS;
  const today = utcDate(now);
  const dueSoonBy = utcDate(addDays(new UTCDate(now.getTime()), dueSoonDays));
  const [open, paused, received, closes] = await Promise.all([
    deps.reports.openCounts(orgs, { today, dueSoonBy }),
    deps.reports.pausedDeadlines(orgs),
    deps.reports.receivedByMonth(orgs, range.months),
    deps.reports.closeTimes(orgs, { start: range.start, end: range.end }),
  ]);
  return buildRequestReport({ open, paused, received, closes }, { range, now, dueSoonDays, ...(query.orgId === undefined ? {} : { orgId: query.orgId }) });
}
