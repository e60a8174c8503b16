import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { dueState } from "../../src/domain/deadlines.js";
import { EngineError } from "../../src/domain/errors.js";
import { OPEN_STATUSES } from "../../src/domain/lifecycle.js";
import { deadlineOf } from "../../src/domain/request-record/deadline.js";
import type { PrivacyRequestRecord } from "../../src/domain/privacy-request.js";
import {
  addMonths,
  buildRequestReport,
  closeTimes,
  daysToClose,
  MAX_REPORT_MONTHS,
  monthOf,
  monthsBetween,
  monthWindow,
  pausedDueState,
  percentile,
  REPORT_OPEN_STATUSES,
  reportRange,
  type OpenCounts,
  type PausedDeadline,
} from "../../src/domain/report.js";
import { foldGroups } from "../../src/stores/cosmos-request-reports.js";

// The requests report's pure parts (src/domain/report.ts): percentiles (known values and
// fast-check properties), days to close, UTC months and their windows at the boundaries, the
// range a query asks for from a frozen clock, paused clocks against the request view's own
// computation, and the report put together from a store's figures.

afterEach(() => {
  vi.useRealTimers();
});

const days = fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 1, maxLength: 60 });
const quantile = fc.double({ min: 0, max: 1, noNaN: true });

describe("percentile", () => {
  it("known values: linear interpolation between the closest ranks", () => {
    expect(percentile([], 0.5)).toBeUndefined();
    expect(percentile([7], 0.9)).toBe(7);
    expect(percentile([3, 1, 2], 0.5)).toBe(2);
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([1, 1, 2, 10, 15, 17, 30, 31], 0.9)).toBeCloseTo(30.3, 10);
    expect(percentile([0, 10], 0.9)).toBeCloseTo(9, 10);
    expect(() => percentile([1], 1.5)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });

  it("lies between the smallest and the largest value; p = 0 is the minimum, p = 1 the maximum", () => {
    fc.assert(
      fc.property(days, quantile, (values, p) => {
        const q = percentile(values, p) ?? Number.NaN;
        expect(q).toBeGreaterThanOrEqual(Math.min(...values));
        expect(q).toBeLessThanOrEqual(Math.max(...values));
        expect(percentile(values, 0)).toBe(Math.min(...values));
        expect(percentile(values, 1)).toBe(Math.max(...values));
      }),
    );
  });

  it("grows with p", () => {
    fc.assert(
      fc.property(days, quantile, quantile, (values, a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        expect(percentile(values, low) ?? 0).toBeLessThanOrEqual((percentile(values, high) ?? 0) + 1e-9);
      }),
    );
  });

  it("does not depend on the order of the values, and does not reorder them", () => {
    fc.assert(
      fc.property(
        days.chain((values) => fc.tuple(fc.constant(values), fc.shuffledSubarray(values, { minLength: values.length, maxLength: values.length }))),
        quantile,
        ([values, shuffled], p) => {
          const before = [...values];
          expect(percentile(shuffled, p)).toBe(percentile(values, p));
          expect(values).toEqual(before);
        },
      ),
    );
  });

  it("the median is the middle value of an odd count, the mean of the middle two of an even one", () => {
    fc.assert(
      fc.property(days, (values) => {
        const sorted = [...values].sort((a, b) => a - b);
        const middle = Math.floor(sorted.length / 2);
        const expected = sorted.length % 2 === 1 ? sorted[middle] : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
        expect(percentile(values, 0.5)).toBe(expected);
      }),
    );
  });

  it("moves with a shift of every value, and at least as many values are at or below it as p says", () => {
    fc.assert(
      fc.property(days, quantile, fc.integer({ min: 0, max: 100 }), (values, p, shift) => {
        const q = percentile(values, p) ?? 0;
        expect(percentile(values.map((v) => v + shift), p) ?? 0).toBeCloseTo(q + shift, 6);
        const atOrBelow = values.filter((v) => v <= q + 1e-9).length;
        expect(atOrBelow).toBeGreaterThanOrEqual(Math.floor(p * (values.length - 1)) + 1);
      }),
    );
  });
});

describe("close times", () => {
  it("count, median and 90th percentile to one decimal; null without any closed request", () => {
    expect(closeTimes([])).toEqual({ count: 0, medianDays: null, p90Days: null });
    expect(closeTimes([1, 10])).toEqual({ count: 2, medianDays: 5.5, p90Days: 9.1 });
    expect(closeTimes([1, 2, 4])).toEqual({ count: 3, medianDays: 2, p90Days: 3.6 });
    fc.assert(
      fc.property(days, (values) => {
        const figures = closeTimes(values);
        expect(figures.count).toBe(values.length);
        expect(Math.abs((figures.medianDays ?? 0) - (percentile(values, 0.5) ?? 0))).toBeLessThanOrEqual(0.05 + 1e-9);
        expect(figures.p90Days ?? 0).toBeGreaterThanOrEqual(figures.medianDays ?? 0);
        for (const figure of [figures.medianDays ?? 0, figures.p90Days ?? 0]) expect(Math.round(figure * 10) / 10).toBe(figure);
      }),
    );
  });

  it("days to close are whole UTC calendar days, as the deadlines count them", () => {
    expect(daysToClose("2026-06-30T23:59:59.999Z", "2026-07-01T00:00:00.000Z")).toBe(1);
    expect(daysToClose("2026-07-01T00:00:00.000Z", "2026-07-01T23:59:59.999Z")).toBe(0);
    expect(daysToClose("2026-07-01T01:30:00+02:00", "2026-07-10T12:00:00.000Z")).toBe(10);
    expect(daysToClose("2026-02-10T10:00:00.000Z", "2026-03-10T09:00:00.000Z")).toBe(28);
  });
});

describe("months (UTC)", () => {
  it("an instant's month, at the boundaries and across offsets", () => {
    expect(monthOf("2026-06-30T23:59:59.999Z")).toBe("2026-06");
    expect(monthOf("2026-07-01T00:00:00.000Z")).toBe("2026-07");
    expect(monthOf("2026-07-01T01:30:00+02:00")).toBe("2026-06");
    expect(monthOf("2026-12-31T22:30:00-02:00")).toBe("2027-01");
    expect(monthOf(new Date(Date.UTC(2028, 1, 29, 23, 59, 59, 999)))).toBe("2028-02");
    expect(() => monthOf("yesterday")).toThrow(EngineError);
  });

  it("month arithmetic across years, and no two-digit-year surprise", () => {
    expect(addMonths("2026-01", -1)).toBe("2025-12");
    expect(addMonths("2025-12", 1)).toBe("2026-01");
    expect(addMonths("2026-11", -11)).toBe("2025-12");
    expect(addMonths("0099-12", 1)).toBe("0100-01");
    expect(monthsBetween("2025-11", "2026-02")).toEqual(["2025-11", "2025-12", "2026-01", "2026-02"]);
    expect(monthsBetween("2026-02", "2026-01")).toEqual([]);
    expect(monthWindow("2026-12")).toEqual({ month: "2026-12", start: "2026-12-01T00:00:00.000Z", end: "2027-01-01T00:00:00.000Z" });
  });

  it("every instant, as the engine stores it, falls in its month's window by string comparison (as the store compares)", () => {
    const instant = fc.date({ min: new Date("2000-01-01T00:00:00.000Z"), max: new Date("2099-12-31T23:59:59.999Z"), noInvalidDate: true });
    fc.assert(
      fc.property(instant, (date) => {
        const stored = date.toISOString();
        const window = monthWindow(monthOf(date));
        expect(window.start <= stored && stored < window.end).toBe(true);
        // …and in no neighbour's.
        const before = monthWindow(addMonths(window.month, -1));
        const after = monthWindow(addMonths(window.month, 1));
        expect(stored < before.end).toBe(false);
        expect(stored >= after.start).toBe(false);
      }),
    );
  });
});

describe("the range a query asks for", () => {
  it("defaults to this month and the 11 before it, at the last and first instant of a year (frozen clock)", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2025-12-31T23:59:59.999Z"));
    const lastInstant = reportRange({}, new Date());
    expect([lastInstant.from, lastInstant.to, lastInstant.months.length]).toEqual(["2025-01", "2025-12", 12]);
    expect([lastInstant.start, lastInstant.end]).toEqual(["2025-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"]);
    vi.setSystemTime(new Date("2026-01-01T00:00:00.000Z"));
    const firstInstant = reportRange({}, new Date());
    expect([firstInstant.from, firstInstant.to]).toEqual(["2025-02", "2026-01"]);
  });

  it("`from` alone runs to this month, `to` alone starts 11 months before it", () => {
    const now = new Date("2026-11-20T10:00:00.000Z");
    expect(reportRange({ from: "2026-09" }, now).months.map((m) => m.month)).toEqual(["2026-09", "2026-10", "2026-11"]);
    expect(reportRange({ to: "2026-06" }, now).from).toBe("2025-07");
    expect(reportRange({ from: "2026-03", to: "2026-03" }, now).months).toEqual([monthWindow("2026-03")]);
  });

  it("backwards or longer than 36 months is a validation error naming query.from", () => {
    const now = new Date("2026-11-20T10:00:00.000Z");
    const fieldsOf = (query: { from?: string; to?: string }) => {
      try {
        reportRange(query, now);
        return undefined;
      } catch (error) {
        expect(error).toBeInstanceOf(EngineError);
        expect((error as EngineError).code).toBe("validation");
        return (error as EngineError).fields.map((f) => f.path);
      }
    };
    expect(fieldsOf({ from: "2026-08", to: "2026-07" })).toEqual(["query.from"]);
    expect(fieldsOf({ from: "2023-01", to: "2026-01" })).toEqual(["query.from"]);
    expect(fieldsOf({ from: "2023-12", to: "2026-11" })).toBeUndefined();
    expect(monthsBetween("2023-12", "2026-11")).toHaveLength(MAX_REPORT_MONTHS);
  });

  it("any clock: the default range is 12 consecutive months ending with the clock's UTC month, windows end to end", () => {
    fc.assert(
      fc.property(fc.date({ min: new Date("2001-01-01T00:00:00.000Z"), max: new Date("2098-12-31T23:59:59.999Z"), noInvalidDate: true }), (now) => {
        const range = reportRange({}, now);
        expect(range.months).toHaveLength(12);
        expect(range.to).toBe(now.toISOString().slice(0, 7));
        for (let i = 1; i < range.months.length; i += 1) expect(range.months[i]?.start).toBe(range.months[i - 1]?.end);
        expect(range.start <= now.toISOString() && now.toISOString() < range.end).toBe(true);
      }),
    );
  });
});

describe("a paused clock", () => {
  const record = (over: Partial<PrivacyRequestRecord>): PrivacyRequestRecord =>
    ({ jurisdiction: "GDPR", receivedAt: "2026-10-01T09:00:00.000Z", pausedDays: 0, pausedSince: "2026-10-30T09:00:00.000Z", ...over }) as PrivacyRequestRecord;

  it("is judged as the request view judges it", () => {
    const now = new Date("2026-11-20T10:00:00.000Z");
    const cases: readonly Partial<PrivacyRequestRecord>[] = [
      {},
      { receivedAt: "2026-08-10T10:00:00.000Z", pausedSince: "2026-08-10T10:01:00.000Z" },
      { receivedAt: "2026-09-01T10:00:00.000Z", pausedSince: "2026-10-15T10:00:00.000Z" },
      { jurisdiction: "UK-GDPR", receivedAt: "2026-11-16T09:00:00.000Z", pausedSince: "2026-11-16T09:00:00.000Z", pausedDays: 2 },
    ];
    const states = cases.map((c) => {
      const r = record(c);
      const paused: PausedDeadline = { jurisdiction: r.jurisdiction, receivedAt: r.receivedAt, pausedDays: r.pausedDays, pausedSince: r.pausedSince ?? "", extended: false };
      const viewed = dueState(deadlineOf(r, now).effectiveDueAt, now, 3);
      expect(pausedDueState(paused, now, 3)).toBe(viewed);
      return viewed;
    });
    expect(states).toEqual(["due-soon", "on-track", "overdue", "on-track"]);
  });
});

describe("the report from a store's figures", () => {
  const now = new Date("2026-11-20T10:00:00.000Z");
  const range = reportRange({ from: "2026-09", to: "2026-11" }, now);
  const open: OpenCounts = { byStatus: { "awaiting-verification": 2, queued: 3, "in-progress": 1 }, overdue: 1, dueSoon: 1 };
  const paused: PausedDeadline[] = [
    { jurisdiction: "GDPR", receivedAt: "2026-09-01T10:00:00.000Z", pausedDays: 0, pausedSince: "2026-10-15T10:00:00.000Z", extended: false },
    { jurisdiction: "GDPR", receivedAt: "2026-10-01T09:00:00.000Z", pausedDays: 0, pausedSince: "2026-10-30T09:00:00.000Z", extended: false },
  ];

  it("adds the paused clocks' states, completes every type and jurisdiction, buckets closes by close month", () => {
    const report = buildRequestReport(
      {
        open,
        paused,
        received: [{ total: 2, byType: { access: 2 }, byJurisdiction: { GDPR: 1, CCPA: 1 } }, { total: 0, byType: {}, byJurisdiction: {} }, { total: 1, byType: { erasure: 1 }, byJurisdiction: { LGPD: 1 } }],
        closes: [
          { receivedAt: "2026-09-01T10:00:00.000Z", closedAt: "2026-09-30T23:59:59.999Z" },
          { receivedAt: "2026-09-20T10:00:00.000Z", closedAt: "2026-10-01T00:00:00.000Z" },
          { receivedAt: "2026-10-02T10:00:00.000Z", closedAt: "2026-10-05T10:00:00.000Z" },
          // Outside the range: not counted.
          { receivedAt: "2026-08-01T10:00:00.000Z", closedAt: "2026-08-31T23:59:59.999Z" },
        ],
      },
      { range, now, dueSoonDays: 3, orgId: "org-a" },
    );
    expect(report.orgId).toBe("org-a");
    expect(report.open).toEqual({ total: 6, byStatus: open.byStatus, overdue: 2, dueSoon: 2, dueSoonDays: 3 });
    expect(report.received.total).toBe(3);
    expect(report.received.byType).toMatchObject({ access: 2, erasure: 1, portability: 0, "org-offboarding": 0 });
    expect(Object.keys(report.received.byType)).toHaveLength(9);
    expect(report.received.byJurisdiction).toEqual({ GDPR: 1, "UK-GDPR": 0, CCPA: 1, DPDP: 0, LGPD: 1, PIPEDA: 0, "QUEBEC-25": 0 });
    expect(report.months.map((m) => [m.month, m.received.total, m.closed.count])).toEqual([
      ["2026-09", 2, 1],
      ["2026-10", 0, 2],
      ["2026-11", 1, 0],
    ]);
    expect(report.months[1]?.closed).toEqual({ count: 2, medianDays: 7, p90Days: 10.2 });
    expect(report.closed).toEqual({ count: 3, medianDays: 11, p90Days: 25.4 });
    expect(report.generatedAt).toBe(now.toISOString());
  });

  it("needs one count per month of the range", () => {
    expect(() => buildRequestReport({ open, paused: [], received: [], closes: [] }, { range, now, dueSoonDays: 3 })).toThrow();
  });

  it("counts the same open statuses as the lifecycle", () => {
    expect([...REPORT_OPEN_STATUSES]).toEqual([...OPEN_STATUSES]);
  });
});

describe("GROUP BY rows (the Azure path) folded per month", () => {
  it("sums (month, type, jurisdiction) groups into each month, ignoring months outside the range", () => {
    const months = [monthWindow("2026-09"), monthWindow("2026-10")];
    const folded = foldGroups(
      [
        { month: "2026-09", type: "access", jurisdiction: "GDPR", n: 2 },
        { month: "2026-09", type: "erasure", jurisdiction: "GDPR", n: 1 },
        { month: "2026-09", type: "access", jurisdiction: "CCPA", n: 4 },
        { month: "2026-08", type: "access", jurisdiction: "GDPR", n: 9 },
        { month: "2026-10", type: "child-data", jurisdiction: "DPDP", n: 1 },
      ],
      months,
    );
    expect(folded).toEqual([
      { total: 7, byType: { access: 6, erasure: 1 }, byJurisdiction: { GDPR: 3, CCPA: 4 } },
      { total: 1, byType: { "child-data": 1 }, byJurisdiction: { DPDP: 1 } },
    ]);
    expect(foldGroups([], months)).toEqual([
      { total: 0, byType: {}, byJurisdiction: {} },
      { total: 0, byType: {}, byJurisdiction: {} },
    ]);
  });
});
