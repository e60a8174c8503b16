import type { Container, SqlParameter } from "@azure/cosmos";
import { OPEN_STATUSES, TERMINAL_STATUSES } from "../domain/lifecycle.js";
import type { CloseTime, MonthWindow, OpenCounts, PausedDeadline, ReceivedCounts } from "../domain/report.js";
import { JURISDICTIONS, REQUEST_TYPES, type Jurisdiction, type RequestType } from "../domain/request.js";
import type { OrgScope, RequestReports } from "../engine/ports.js";
import { mapCosmosError } from "./cosmos-errors.js";

// The requests report over the `requests` container (partitioned by /id, so every query here
// crosses partitions and is scoped by `c.orgId` in its text). Counts are aggregates the
// database computes: several conditional sums in one SELECT (`SUM(cond ? 1 : 0)`), which the
// emulator's query engine and Azure (through the SDK's aggregate pipeline) both run. GROUP BY,
// which the emulator lacks, is the `groupBy` option: the months' counts in one query instead of
// one per month. Two figures need more than a count and read a projection of dates and
// numbers only, never a document: the deadlines of paused clocks, and the receipt and close
// instants of closed requests (for percentiles).
//
// Queries per report: 1 (open counts) + 1 (paused clocks) + one per month of the range, or 1
// with `groupBy` + 1 (close times); the projections page by 1 000 rows.

export interface CosmosRequestReportsOptions {
  /** Count the months with one GROUP BY query (Azure); the emulator has no GROUP BY. */
  readonly groupBy?: boolean;
  /** Month queries in flight at once (portable path). */
  readonly concurrency?: number;
}

const PAGE_ROWS = 1000;

/** The org scope as a WHERE clause: nothing for every org, an equality for one, ARRAY_CONTAINS for several. */
function scoped(orgs: OrgScope, clauses: readonly string[], parameters: readonly SqlParameter[]): { query: string; parameters: SqlParameter[] } {
  const all = [...clauses];
  const params = [...parameters];
  if (orgs !== "*") {
    if (orgs.length === 1) {
      all.push("c.orgId = @orgId");
      params.push({ name: "@orgId", value: orgs[0] ?? "" });
    } else {
      all.push("ARRAY_CONTAINS(@orgIds, c.orgId)");
      params.push({ name: "@orgIds", value: [...orgs] });
    }
  }
  return { query: all.length === 0 ? "" : ` WHERE ${all.join(" AND ")}`, parameters: params };
}

const count = (row: Readonly<Record<string, unknown>> | undefined, alias: string): number => {
  const value = row?.[alias];
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
};

/** The effective due date as stored: the extended one where there is one. */
const DUE = "(IS_DEFINED(c.extendedDueAt) ? c.extendedDueAt : c.dueAt)";

export class CosmosRequestReports implements RequestReports {
  private readonly groupBy: boolean;
  private readonly concurrency: number;

  constructor(
    private readonly container: Container,
    options: CosmosRequestReportsOptions = {},
  ) {
    this.groupBy = options.groupBy ?? false;
    this.concurrency = Math.max(1, options.concurrency ?? 4);
  }

  async openCounts(orgs: OrgScope, dates: { readonly today: string; readonly dueSoonBy: string }): Promise<OpenCounts> {
    const where = scoped(orgs, ["ARRAY_CONTAINS(@open, c.status)"], [
      { name: "@open", value: [...OPEN_STATUSES] },
      { name: "@awaiting", value: "awaiting-verification" },
      { name: "@queued", value: "queued" },
      { name: "@inProgress", value: "in-progress" },
      { name: "@today", value: dates.today },
      { name: "@dueSoonBy", value: dates.dueSoonBy },
    ]);
    // A running pause moves the due date every day: those are judged apart (pausedDeadlines).
    const running = "NOT IS_DEFINED(c.pausedSince)";
    const query =
      "SELECT SUM(c.status = @awaiting ? 1 : 0) AS awaiting, SUM(c.status = @queued ? 1 : 0) AS queued, SUM(c.status = @inProgress ? 1 : 0) AS inProgress, " +
      `SUM((${running} AND ${DUE} < @today) ? 1 : 0) AS overdue, ` +
      `SUM((${running} AND ${DUE} >= @today AND ${DUE} <= @dueSoonBy) ? 1 : 0) AS dueSoon ` +
      `FROM c${where.query}`;
    const [row] = await this.aggregate({ query, parameters: where.parameters });
    return {
      byStatus: { "awaiting-verification": count(row, "awaiting"), queued: count(row, "queued"), "in-progress": count(row, "inProgress") },
      overdue: count(row, "overdue"),
      dueSoon: count(row, "dueSoon"),
    };
  }

  async pausedDeadlines(orgs: OrgScope): Promise<readonly PausedDeadline[]> {
    const where = scoped(orgs, ["c.status = @awaiting", "IS_DEFINED(c.pausedSince)"], [{ name: "@awaiting", value: "awaiting-verification" }]);
    const rows = await this.projection<PausedDeadline>({
      query: `SELECT c.jurisdiction, c.receivedAt, c.pausedDays, c.pausedSince, IS_DEFINED(c.extension) AS extended FROM c${where.query}`,
      parameters: where.parameters,
    });
    return rows.map((r) => ({ jurisdiction: r.jurisdiction, receivedAt: r.receivedAt, pausedDays: r.pausedDays, pausedSince: r.pausedSince, extended: r.extended }));
  }

  async receivedByMonth(orgs: OrgScope, months: readonly MonthWindow[]): Promise<readonly ReceivedCounts[]> {
    if (months.length === 0) return [];
    if (this.groupBy) return this.receivedGrouped(orgs, months);
    const results: ReceivedCounts[] = new Array<ReceivedCounts>(months.length);
    let next = 0;
    const worker = async () => {
      while (next < months.length) {
        const index = next++;
        const month = months[index];
        if (month !== undefined) results[index] = await this.receivedIn(orgs, month);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, months.length) }, worker));
    return results;
  }

  async closeTimes(orgs: OrgScope, window: { readonly start: string; readonly end: string }): Promise<readonly CloseTime[]> {
    const where = scoped(orgs, ["ARRAY_CONTAINS(@closed, c.status)", "c.resolution.at >= @start", "c.resolution.at < @end"], [
      { name: "@closed", value: [...TERMINAL_STATUSES] },
      { name: "@start", value: window.start },
      { name: "@end", value: window.end },
    ]);
    const rows = await this.projection<[string, string]>({ query: `SELECT VALUE [c.receivedAt, c.resolution.at] FROM c${where.query}`, parameters: where.parameters });
    return rows.map(([receivedAt, closedAt]) => ({ receivedAt, closedAt }));
  }

  /** One month's requests by type and by jurisdiction, in one aggregate query. */
  private async receivedIn(orgs: OrgScope, month: MonthWindow): Promise<ReceivedCounts> {
    const typeSums = REQUEST_TYPES.map((_, i) => `SUM(c.type = @t${i} ? 1 : 0) AS t${i}`);
    const jurisdictionSums = JURISDICTIONS.map((_, i) => `SUM(c.jurisdiction = @j${i} ? 1 : 0) AS j${i}`);
    const where = scoped(orgs, ["c.receivedAt >= @start", "c.receivedAt < @end"], [
      { name: "@start", value: month.start },
      { name: "@end", value: month.end },
      ...REQUEST_TYPES.map((t, i) => ({ name: `@t${i}`, value: t })),
      ...JURISDICTIONS.map((j, i) => ({ name: `@j${i}`, value: j })),
    ]);
    const [row] = await this.aggregate({ query: `SELECT COUNT(1) AS total, ${[...typeSums, ...jurisdictionSums].join(", ")} FROM c${where.query}`, parameters: where.parameters });
    return {
      total: count(row, "total"),
      byType: Object.fromEntries(REQUEST_TYPES.map((t, i) => [t, count(row, `t${i}`)])),
      byJurisdiction: Object.fromEntries(JURISDICTIONS.map((j, i) => [j, count(row, `j${i}`)])),
    };
  }

  /** Every month's counts in one GROUP BY query over the whole range, folded per month. */
  private async receivedGrouped(orgs: OrgScope, months: readonly MonthWindow[]): Promise<readonly ReceivedCounts[]> {
    const first = months[0];
    const last = months[months.length - 1];
    if (first === undefined || last === undefined) return [];
    const where = scoped(orgs, ["c.receivedAt >= @start", "c.receivedAt < @end"], [
      { name: "@start", value: first.start },
      { name: "@end", value: last.end },
    ]);
    const month = "SUBSTRING(c.receivedAt, 0, 7)";
    const rows = await this.aggregate({
      query: `SELECT ${month} AS month, c.type AS type, c.jurisdiction AS jurisdiction, COUNT(1) AS n FROM c${where.query} GROUP BY ${month}, c.type, c.jurisdiction`,
      parameters: where.parameters,
    });
    return foldGroups(rows, months);
  }

  /** An aggregate query, read to its end (the SDK merges the partitions' partial aggregates). */
  private async aggregate(query: { query: string; parameters: SqlParameter[] }): Promise<Readonly<Record<string, unknown>>[]> {
    try {
      const { resources } = await this.container.items.query<Record<string, unknown>>(query).fetchAll();
      return resources;
    } catch (error) {
      throw mapCosmosError(error, "request report");
    }
  }

  /** A projection, page by page to its end. */
  private async projection<T>(query: { query: string; parameters: SqlParameter[] }): Promise<T[]> {
    const rows: T[] = [];
    try {
      const iterator = this.container.items.query<T>(query, { maxItemCount: PAGE_ROWS });
      while (iterator.hasMoreResults()) {
        const page = await iterator.fetchNext();
        rows.push(...page.resources);
      }
      return rows;
    } catch (error) {
      throw mapCosmosError(error, "request report");
    }
  }
}

/** GROUP BY rows (month, type, jurisdiction, n) as one count per month, in the months' order. */
export function foldGroups(rows: readonly Readonly<Record<string, unknown>>[], months: readonly MonthWindow[]): ReceivedCounts[] {
  const byMonth = new Map<string, { total: number; byType: Partial<Record<RequestType, number>>; byJurisdiction: Partial<Record<Jurisdiction, number>> }>(
    months.map((m) => [m.month, { total: 0, byType: {}, byJurisdiction: {} }]),
  );
  for (const row of rows) {
    const bucket = typeof row.month === "string" ? byMonth.get(row.month) : undefined;
    const n = count(row, "n");
    if (bucket === undefined || n === 0) continue;
    bucket.total += n;
    const type = REQUEST_TYPES.find((t) => t === row.type);
    if (type !== undefined) bucket.byType[type] = (bucket.byType[type] ?? 0) + n;
    const jurisdiction = JURISDICTIONS.find((j) => j === row.jurisdiction);
    if (jurisdiction !== undefined) bucket.byJurisdiction[jurisdiction] = (bucket.byJurisdiction[jurisdiction] ?? 0) + n;
  }
  return months.map((m) => byMonth.get(m.month) ?? { total: 0, byType: {}, byJurisdiction: {} });
}
