import type { Jurisdiction, RequestType } from "./types.js";

// GET /api/reports/requests, as src/http/report-view.ts documents it: counts only, never a
// request or a subject. Months are YYYY-MM (UTC), the range inclusive.

export interface ReceivedCounts {
  readonly total: number;
  readonly byType: Readonly<Record<RequestType, number>>;
  readonly byJurisdiction: Readonly<Record<Jurisdiction, number>>;
}

export interface ClosedCounts {
  readonly count: number;
  /** Whole days from receipt to close; null when none closed. */
  readonly medianDays: number | null;
  readonly p90Days: number | null;
}

export interface RequestsReport {
  readonly generatedAt: string;
  readonly orgId?: string;
  readonly from: string;
  readonly to: string;
  readonly open: {
    readonly total: number;
    readonly byStatus: { readonly "awaiting-verification": number; readonly queued: number; readonly "in-progress": number };
    readonly dueSoon: number;
    readonly overdue: number;
    readonly dueSoonDays: number;
  };
  readonly received: ReceivedCounts;
  readonly closed: ClosedCounts;
  readonly months: readonly { readonly month: string; readonly received: ReceivedCounts; readonly closed: ClosedCounts }[];
}
