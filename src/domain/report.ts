import { z } from "zod";
import { calendarDaysBetween, computeDeadline, dueState, type DueState } from "./deadlines.js";
import { EngineError } from "./errors.js";
import { effectivePausedDays } from "./request-record/deadline.js";
import { JURISDICTIONS, OrgId, REQUEST_TYPES, type Jurisdiction, type RequestType } from "./request.js";

// The requests report of the console's dashboard, pure: calendar months (UTC) and their
// windows, the range a query asks for, days to close and their percentiles, and the report's
// shape assembled from the counts the store computes. No clock (`now` is a parameter), no I/O.

/** A calendar month, `YYYY-MM` (UTC). */
export type Month = string;

export const MONTH_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** The longest range one report covers: the store runs one query per month of it. */
export const MAX_REPORT_MONTHS = 36;
/** The range when the query names none: this month and the 11 before it. */
export const DEFAULT_REPORT_MONTHS = 12;

const MonthParam = z.string().regex(MONTH_PATTERN, "must be a calendar month, YYYY-MM");

export const RequestReportQuery = z.strictObject({
  /** One org; absent: every org the caller may act on. */
  orgId: OrgId.optional(),
  /** First month of the range (inclusive); default: 11 months before `to`. */
  from: MonthParam.optional(),
  /** Last month of the range (inclusive); default: this month. */
  to: MonthParam.optional(),
});
export type RequestReportQuery = z.infer<typeof RequestReportQuery>;

/** Months counted from year 0: month arithmetic without Date (whose two-digit years are 19xx). */
function ordinal(month: Month): number {
  const match = MONTH_PATTERN.exec(month);
  if (match === null) throw new EngineError("validation", `${month} is not a month`, { reason: "invalid-input", fields: [{ path: "month", message: "must be YYYY-MM" }] });
  return Number(match[1]) * 12 + Number(match[2]) - 1;
}

function fromOrdinal(value: number): Month {
  const year = Math.floor(value / 12);
  return `${String(year).padStart(4, "0")}-${String((value % 12) + 1).padStart(2, "0")}`;
}

export function addMonths(month: Month, count: number): Month {
  return fromOrdinal(ordinal(month) + count);
}

/** The UTC month an instant falls in. */
export function monthOf(instant: string | Date): Month {
  const ms = typeof instant === "string" ? Date.parse(instant) : instant.getTime();
  if (!Number.isFinite(ms)) throw new EngineError("validation", "Not an instant", { reason: "invalid-input", fields: [{ path: "instant", message: "must be an ISO-8601 date-time" }] });
  return new Date(ms).toISOString().slice(0, 7);
}

/** Every month from `from` to `to`, both included, in order. */
export function monthsBetween(from: Month, to: Month): Month[] {
  const first = ordinal(from);
  return Array.from({ length: Math.max(0, ordinal(to) - first + 1) }, (_, i) => fromOrdinal(first + i));
}

/**
 * A month as a half-open window of instants, `[start, end)`, in the form the engine stores
 * instants (`toISOString`), so a store compares them as strings.
 */
export interface MonthWindow {
  readonly month: Month;
  readonly start: string;
  readonly end: string;
}

export function monthWindow(month: Month): MonthWindow {
  return { month, start: `${month}-01T00:00:00.000Z`, end: `${addMonths(month, 1)}-01T00:00:00.000Z` };
}

export interface ReportRange {
  readonly from: Month;
  readonly to: Month;
  readonly months: readonly MonthWindow[];
  /** The whole range, `[start of from, start of the month after to)`. */
  readonly start: string;
  readonly end: string;
}

function rangeError(path: "query.from" | "query.to", message: string): EngineError {
  return new EngineError("validation", `The report's range is not valid: ${message}`, { reason: "invalid-input", fields: [{ path, message }] });
}

/** The range a query asks for, its defaults filled in from `now`; a 400 when it is backwards or too long. */
export function reportRange(query: Pick<RequestReportQuery, "from" | "to">, now: Date): ReportRange {
  const to = query.to ?? monthOf(now);
  const from = query.from ?? addMonths(to, -(DEFAULT_REPORT_MONTHS - 1));
  if (ordinal(from) > ordinal(to)) throw rangeError("query.from", "must not be after to");
  const months = monthsBetween(from, to);
  if (months.length > MAX_REPORT_MONTHS) throw rangeError("query.from", `the range may cover at most ${MAX_REPORT_MONTHS} months`);
  return { from, to, months: months.map(monthWindow), start: monthWindow(from).start, end: monthWindow(to).end };
}

// --- Days to close --------------------------------------------------------------------------

/** Whole UTC calendar days from receipt to close, as the deadlines count them. */
export function daysToClose(receivedAt: string, closedAt: string): number {
  return calendarDaysBetween(receivedAt, closedAt);
}

/**
 * The `p`-th quantile (0 ≤ p ≤ 1) by linear interpolation between the closest ranks (numpy's
 * default, Excel's PERCENTILE.INC): the median of an even count is the mean of the middle two.
 * Undefined for no values.
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (!(p >= 0 && p <= 1)) throw new RangeError("p must be between 0 and 1");
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (sorted.length - 1) * p;
  const below = Math.floor(rank);
  const low = sorted[below] ?? 0;
  const high = sorted[Math.min(below + 1, sorted.length - 1)] ?? low;
  return low + (rank - below) * (high - low);
}

/** One decimal place: a day count read on a dashboard. */
const tenth = (value: number) => Math.round(value * 10) / 10;

export interface CloseTimes {
  readonly count: number;
  /** Days to close (whole UTC calendar days), null without any closed request. */
  readonly medianDays: number | null;
  readonly p90Days: number | null;
}

export function closeTimes(days: readonly number[]): CloseTimes {
  const median = percentile(days, 0.5);
  const p90 = percentile(days, 0.9);
  return { count: days.length, medianDays: median === undefined ? null : tenth(median), p90Days: p90 === undefined ? null : tenth(p90) };
}

// --- A paused clock -------------------------------------------------------------------------

/** What the deadline of an open request whose clock is paused needs (numbers and dates only). */
export interface PausedDeadline {
  readonly jurisdiction: Jurisdiction;
  readonly receivedAt: string;
  readonly pausedDays: number;
  readonly pausedSince: string;
  readonly extended: boolean;
}

/**
 * A paused request's due state as of `now`: its due date moves with every day of the pause, so
 * the stored one is stale; this is what the request's view shows.
 */
export function pausedDueState(paused: PausedDeadline, now: Date, dueSoonDays: number): DueState {
  const deadline = computeDeadline({
    jurisdiction: paused.jurisdiction,
    receivedAt: paused.receivedAt,
    pausedDays: effectivePausedDays(paused, now),
    extended: paused.extended,
  });
  return dueState(deadline.effectiveDueAt, now, dueSoonDays);
}

// --- The report -----------------------------------------------------------------------------

export const REPORT_OPEN_STATUSES = ["awaiting-verification", "queued", "in-progress"] as const;
export type ReportOpenStatus = (typeof REPORT_OPEN_STATUSES)[number];

/** Open requests now, as the store counts them: by status, and by stored due date where the clock runs. */
export interface OpenCounts {
  readonly byStatus: Readonly<Record<ReportOpenStatus, number>>;
  /** Open requests without a running pause whose effective due date is before today. */
  readonly overdue: number;
  /** Open requests without a running pause due between today and `dueSoonDays` from today. */
  readonly dueSoon: number;
}

/** Requests received in one window, as the store counts them; a type or jurisdiction absent counts 0. */
export interface ReceivedCounts {
  readonly total: number;
  readonly byType: Readonly<Partial<Record<RequestType, number>>>;
  readonly byJurisdiction: Readonly<Partial<Record<Jurisdiction, number>>>;
}

/** A closed request's two instants: receipt and close (its resolution). */
export interface CloseTime {
  readonly receivedAt: string;
  readonly closedAt: string;
}

export interface Received {
  readonly total: number;
  readonly byType: Readonly<Record<RequestType, number>>;
  readonly byJurisdiction: Readonly<Record<Jurisdiction, number>>;
}

export interface RequestReport {
  readonly generatedAt: string;
  readonly orgId?: string;
  readonly from: Month;
  readonly to: Month;
  readonly open: {
    readonly total: number;
    readonly byStatus: Readonly<Record<ReportOpenStatus, number>>;
    readonly dueSoon: number;
    readonly overdue: number;
    readonly dueSoonDays: number;
  };
  /** Received in the range, by type and by jurisdiction. */
  readonly received: Received;
  /** Closed in the range (any outcome): how many, and days from receipt to close. */
  readonly closed: CloseTimes;
  /** Per month of the range, oldest first: received (by receipt month) and closed (by close month). */
  readonly months: readonly { readonly month: Month; readonly received: Received; readonly closed: CloseTimes }[];
}

export interface ReportFigures {
  readonly open: OpenCounts;
  readonly paused: readonly PausedDeadline[];
  /** One per month of the range, in its order. */
  readonly received: readonly ReceivedCounts[];
  readonly closes: readonly CloseTime[];
}

function completeReceived(counts: ReceivedCounts): Received {
  return {
    total: counts.total,
    byType: Object.fromEntries(REQUEST_TYPES.map((t) => [t, counts.byType[t] ?? 0])) as Record<RequestType, number>,
    byJurisdiction: Object.fromEntries(JURISDICTIONS.map((j) => [j, counts.byJurisdiction[j] ?? 0])) as Record<Jurisdiction, number>,
  };
}

function sumReceived(all: readonly Received[]): Received {
  return {
    total: all.reduce((sum, r) => sum + r.total, 0),
    byType: Object.fromEntries(REQUEST_TYPES.map((t) => [t, all.reduce((sum, r) => sum + r.byType[t], 0)])) as Record<RequestType, number>,
    byJurisdiction: Object.fromEntries(JURISDICTIONS.map((j) => [j, all.reduce((sum, r) => sum + r.byJurisdiction[j], 0)])) as Record<Jurisdiction, number>,
  };
}

/** The report from the store's figures: paused clocks judged as of `now`, close times bucketed by close month. */
export function buildRequestReport(
  figures: ReportFigures,
  context: { readonly range: ReportRange; readonly now: Date; readonly dueSoonDays: number; readonly orgId?: string },
): RequestReport {
  const { range, now, dueSoonDays } = context;
  if (figures.received.length !== range.months.length) throw new Error("one count of received requests per month of the range");
  const pausedStates = figures.paused.map((p) => pausedDueState(p, now, dueSoonDays));
  const byStatus = figures.open.byStatus;
  const received = figures.received.map(completeReceived);
  const closedDays = new Map<Month, number[]>(range.months.map((m) => [m.month, []]));
  const inRange: number[] = [];
  for (const close of figures.closes) {
    // The store selects closes in the range; one outside it (a clock skew at a boundary) is not counted.
    const bucket = closedDays.get(monthOf(close.closedAt));
    if (bucket === undefined) continue;
    const days = daysToClose(close.receivedAt, close.closedAt);
    bucket.push(days);
    inRange.push(days);
  }
  return {
    generatedAt: now.toISOString(),
    ...(context.orgId === undefined ? {} : { orgId: context.orgId }),
    from: range.from,
    to: range.to,
    open: {
      total: REPORT_OPEN_STATUSES.reduce((sum, s) => sum + byStatus[s], 0),
      byStatus: { ...byStatus },
      dueSoon: figures.open.dueSoon + pausedStates.filter((s) => s === "due-soon").length,
      overdue: figures.open.overdue + pausedStates.filter((s) => s === "overdue").length,
      dueSoonDays,
    },
    received: sumReceived(received),
    closed: closeTimes(inRange),
    months: range.months.map((m, i) => ({ month: m.month, received: received[i] ?? completeReceived({ total: 0, byType: {}, byJurisdiction: {} }), closed: closeTimes(closedDays.get(m.month) ?? []) })),
  };
}
