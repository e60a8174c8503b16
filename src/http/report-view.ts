import { z } from "zod";
import type { RequestReport } from "../domain/report.js";
import { JURISDICTIONS, REQUEST_TYPES } from "../domain/request.js";

// The requests report as the API shows it (GET /api/reports/requests). Counts only: no request,
// subject or identifier appears in it. `toReportView` copies the engine's report field by field,
// so nothing undocumented is sent.

const Count = z.number().int().min(0);
const Days = z.number().min(0).nullable().describe("whole UTC calendar days from receipt to close; null when none closed");

const ByType = z.object(Object.fromEntries(REQUEST_TYPES.map((t) => [t, Count])) as Record<(typeof REQUEST_TYPES)[number], typeof Count>);
const ByJurisdiction = z.object(Object.fromEntries(JURISDICTIONS.map((j) => [j, Count])) as Record<(typeof JURISDICTIONS)[number], typeof Count>);

const ReceivedView = z.object({ total: Count, byType: ByType, byJurisdiction: ByJurisdiction });

const ClosedView = z.object({
  count: Count,
  medianDays: Days,
  p90Days: Days.describe("90th percentile of days to close (linear interpolation); null when none closed"),
});

const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/);

export const RequestReportView = z
  .object({
    generatedAt: z.string(),
    orgId: z.string().optional().describe("the org asked for; absent: every org the caller may act on"),
    from: Month.describe("first month of the range (UTC), inclusive"),
    to: Month.describe("last month of the range (UTC), inclusive"),
    open: z
      .object({
        total: Count,
        byStatus: z.object({ "awaiting-verification": Count, queued: Count, "in-progress": Count }),
        dueSoon: Count.describe("open requests due within dueSoonDays from today (inclusive), as the request views show them"),
        overdue: Count.describe("open requests past their effective due date"),
        dueSoonDays: Count,
      })
      .describe("open requests now, whatever the range"),
    received: ReceivedView.describe("requests received in the range"),
    closed: ClosedView.describe("requests closed in the range, any outcome"),
    months: z
      .array(z.object({ month: Month, received: ReceivedView.describe("received in this month"), closed: ClosedView.describe("closed in this month") }))
      .describe("each month of the range, oldest first"),
  })
  .meta({ id: "RequestReport" });
export type RequestReportView = z.infer<typeof RequestReportView>;

type ReceivedShape = RequestReport["received"];

const received = (r: ReceivedShape): RequestReportView["received"] => ({
  total: r.total,
  byType: Object.fromEntries(REQUEST_TYPES.map((t) => [t, r.byType[t]])) as RequestReportView["received"]["byType"],
  byJurisdiction: Object.fromEntries(JURISDICTIONS.map((j) => [j, r.byJurisdiction[j]])) as RequestReportView["received"]["byJurisdiction"],
});
const closed = (c: RequestReport["closed"]): RequestReportView["closed"] => ({ count: c.count, medianDays: c.medianDays, p90Days: c.p90Days });

export function toReportView(report: RequestReport): RequestReportView {
  return {
    generatedAt: report.generatedAt,
    ...(report.orgId === undefined ? {} : { orgId: report.orgId }),
    from: report.from,
    to: report.to,
    open: {
      total: report.open.total,
      byStatus: { "awaiting-verification": report.open.byStatus["awaiting-verification"], queued: report.open.byStatus.queued, "in-progress": report.open.byStatus["in-progress"] },
      dueSoon: report.open.dueSoon,
      overdue: report.open.overdue,
      dueSoonDays: report.open.dueSoonDays,
    },
    received: received(report.received),
    closed: closed(report.closed),
    months: report.months.map((m) => ({ month: m.month, received: received(m.received), closed: closed(m.closed) })),
  };
}
