// The response deadlines of every jurisdiction (src/domain/deadlines.ts): known dates and fast-check
// properties. Over 400 lines on purpose: one rule table, tested rule by rule in one place.

import { describe, it, expect } from "vitest";
import fc from "fast-check";
import {
  DEADLINE_RULES,
  calendarDaysBetween,
  computeDeadline,
  dueState,
  extensionRefusal,
  unrolledDueAt,
  utcDate,
  type Deadline,
  type DeadlineInput,
} from "../../src/domain/deadlines.js";
import { EngineError } from "../../src/domain/errors.js";
import { JURISDICTIONS, type Jurisdiction } from "../../src/domain/request.js";

// --- An independent calendar, built only on Date.UTC, to check the engine against. -------------

const SUN = 0;
const MON = 1;
const TUE = 2;
const WED = 3;
const FRI = 5;
const SAT = 6;

function parts(date: string): [number, number, number] {
  const [y, m, d] = date.split("-").map(Number);
  if (y === undefined || m === undefined || d === undefined) throw new Error(`bad date ${date}`);
  return [y, m, d];
}

function fromUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday, computed from the calendar, not from the engine. */
function weekday(date: string): number {
  const [y, m, d] = parts(date);
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

function plusDays(date: string, n: number): string {
  const [y, m, d] = parts(date);
  return fromUtc(Date.UTC(y, m - 1, d + n));
}

/** Same day n months later, clamped to the last day of a shorter month. */
function plusMonths(date: string, n: number): string {
  const [y, m, d] = parts(date);
  const lastDay = new Date(Date.UTC(y, m - 1 + n + 1, 0)).getUTCDate();
  return fromUtc(Date.UTC(y, m - 1 + n, Math.min(d, lastDay)));
}

function daysFrom(a: string, b: string): number {
  const [ay, am, ad] = parts(a);
  const [by, bm, bd] = parts(b);
  return (Date.UTC(by, bm - 1, bd) - Date.UTC(ay, am - 1, ad)) / 86_400_000;
}

function rolled(date: string): string {
  const w = weekday(date);
  return w === SAT ? plusDays(date, 2) : w === SUN ? plusDays(date, 1) : date;
}

function input(jurisdiction: Jurisdiction, receivedAt: string, pausedDays = 0, extended = false): DeadlineInput {
  return { jurisdiction, receivedAt, pausedDays, extended };
}

function expectValidationError(fn: () => unknown, reason?: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(EngineError);
  expect((thrown as EngineError).code).toBe("validation");
  if (reason !== undefined) expect((thrown as EngineError).reason).toBe(reason);
}

// --- The calendar facts the expected dates below rely on, checked independently. ---------------

describe("calendar facts used by the expectations", () => {
  it("weekdays of the dates in the table", () => {
    expect(weekday("2026-01-01")).toBe(4); // Thursday
    expect(weekday("2026-02-28")).toBe(SAT);
    expect(weekday("2026-03-02")).toBe(MON);
    expect(weekday("2028-02-29")).toBe(TUE);
    expect(weekday("2026-04-05")).toBe(SUN);
    expect(weekday("2026-04-06")).toBe(MON);
    expect(weekday("2026-09-30")).toBe(WED);
    expect(weekday("2026-04-04")).toBe(SAT);
    expect(weekday("2026-02-15")).toBe(SUN);
    expect(weekday("2026-02-16")).toBe(MON);
    expect(weekday("2026-04-28")).toBe(TUE);
    expect(weekday("2026-01-02")).toBe(FRI);
    expect(weekday("2026-01-16")).toBe(FRI);
    expect(weekday("2026-02-14")).toBe(SAT);
    expect(weekday("2026-03-21")).toBe(SAT);
    expect(weekday("2026-01-31")).toBe(SAT);
  });

  it("day counts of the fixed-day rules", () => {
    expect(daysFrom("2026-01-02", "2026-02-16")).toBe(45);
    expect(daysFrom("2025-12-31", "2026-02-14")).toBe(45);
    expect(daysFrom("2026-02-14", "2026-03-31")).toBe(45);
    expect(daysFrom("2026-03-06", "2026-03-21")).toBe(15);
    expect(daysFrom("2026-01-10", "2026-02-09")).toBe(30);
    expect(daysFrom("2026-01-10", "2026-03-11")).toBe(60);
    expect(daysFrom("2026-01-01", "2026-01-31")).toBe(30);
    expect(daysFrom("2026-01-01", "2026-04-01")).toBe(90);
    expect(daysFrom("2026-02-10", "2026-02-15")).toBe(5);
  });
});

// --- Known dates. -------------------------------------------------------------------------------

describe("computeDeadline: known dates", () => {
  type Row = readonly [
    label: string,
    jurisdiction: Jurisdiction,
    receivedAt: string,
    pausedDays: number,
    unrolled: string,
    dueAt: string,
  ];
  const rows: readonly Row[] = [
    // 31 Jan + 1 month clamps to 28 Feb 2026, a Saturday, so the due date rolls to Monday 2 Mar.
    ["GDPR month-end clamp", "GDPR", "2026-01-31T09:00:00Z", 0, "2026-02-28", "2026-03-02"],
    ["GDPR leap-year clamp", "GDPR", "2028-01-31T09:00:00Z", 0, "2028-02-29", "2028-02-29"],
    ["GDPR 5 Mar → 5 Apr (Sunday) → Monday", "GDPR", "2026-03-05T09:00:00Z", 0, "2026-04-05", "2026-04-06"],
    ["GDPR 31 Aug → 30 Sep", "GDPR", "2026-08-31T09:00:00Z", 0, "2026-09-30", "2026-09-30"],
    ["GDPR Saturday → Monday", "GDPR", "2026-03-04T09:00:00Z", 0, "2026-04-04", "2026-04-06"],
    ["GDPR paused 5 days, Sunday → Monday", "GDPR", "2026-01-10T09:00:00Z", 5, "2026-02-15", "2026-02-16"],
    ["UK-GDPR month-end clamp", "UK-GDPR", "2026-01-31T09:00:00Z", 0, "2026-02-28", "2026-03-02"],
    ["UK-GDPR leap-year clamp", "UK-GDPR", "2028-01-31T09:00:00Z", 0, "2028-02-29", "2028-02-29"],
    ["UK-GDPR 5 Mar → Monday 6 Apr", "UK-GDPR", "2026-03-05T09:00:00Z", 0, "2026-04-05", "2026-04-06"],
    ["UK-GDPR 31 Aug → 30 Sep", "UK-GDPR", "2026-08-31T09:00:00Z", 0, "2026-09-30", "2026-09-30"],
    ["UK-GDPR Saturday → Monday", "UK-GDPR", "2026-03-04T09:00:00Z", 0, "2026-04-04", "2026-04-06"],
    ["UK-GDPR paused 5 days", "UK-GDPR", "2026-01-10T09:00:00Z", 5, "2026-02-15", "2026-02-16"],
    ["CCPA 45 days from a Friday", "CCPA", "2026-01-02T15:00:00Z", 0, "2026-02-16", "2026-02-16"],
    ["CCPA 45 days onto a Saturday, no roll", "CCPA", "2025-12-31T15:00:00Z", 0, "2026-02-14", "2026-02-14"],
    ["CCPA ignores pausedDays", "CCPA", "2025-12-31T15:00:00Z", 7, "2026-02-14", "2026-02-14"],
    ["LGPD 15 days onto a Saturday, no roll", "LGPD", "2026-03-06T12:00:00Z", 0, "2026-03-21", "2026-03-21"],
    ["LGPD ignores pausedDays", "LGPD", "2026-03-06T12:00:00Z", 4, "2026-03-21", "2026-03-21"],
    ["PIPEDA 30 days", "PIPEDA", "2026-01-10T12:00:00Z", 0, "2026-02-09", "2026-02-09"],
    ["QUEBEC-25 30 days onto a Saturday, no roll", "QUEBEC-25", "2026-01-01T12:00:00Z", 0, "2026-01-31", "2026-01-31"],
    ["DPDP 90 days", "DPDP", "2026-01-01T12:00:00Z", 0, "2026-04-01", "2026-04-01"],
  ];

  it.each(rows)("%s", (_label, jurisdiction, receivedAt, pausedDays, unrolled, dueAt) => {
    expect(unrolledDueAt({ jurisdiction, receivedAt, pausedDays })).toBe(unrolled);
    const deadline = computeDeadline(input(jurisdiction, receivedAt, pausedDays));
    expect(deadline.dueAt).toBe(dueAt);
    expect(deadline.effectiveDueAt).toBe(dueAt);
    expect(deadline.extendedDueAt).toBeUndefined();
  });

  it("GDPR extension counts 2 months from the unrolled due date", () => {
    // Unrolled 2026-02-28 + 2 months = 2026-04-28 (a Tuesday), not 31 Jan + 3 months = 30 Apr.
    expect(computeDeadline(input("GDPR", "2026-01-31T09:00:00Z", 0, true))).toEqual({
      dueAt: "2026-03-02",
      extendedDueAt: "2026-04-28",
      effectiveDueAt: "2026-04-28",
    });
  });

  it("GDPR extension landing on a weekend rolls to Monday", () => {
    // 5 Jun + 1 month = Sun 5 Jul → Mon 6 Jul; extended 5 Jul + 2 months = Sat 5 Sep → Mon 7 Sep.
    expect(weekday("2026-07-05")).toBe(SUN);
    expect(weekday("2026-09-05")).toBe(SAT);
    expect(weekday("2026-09-07")).toBe(MON);
    expect(computeDeadline(input("GDPR", "2026-06-05T10:00:00Z", 0, true))).toEqual({
      dueAt: "2026-07-06",
      extendedDueAt: "2026-09-07",
      effectiveDueAt: "2026-09-07",
    });
  });

  it("CCPA: 45 days, +45 on extension, acknowledgement within 10 business days (Friday receipt)", () => {
    // Friday 2 Jan 2026 + 10 business days = Friday 16 Jan (two full Mon–Fri weeks).
    expect(computeDeadline(input("CCPA", "2026-01-02T15:00:00Z", 0, true))).toEqual({
      dueAt: "2026-02-16",
      extendedDueAt: "2026-04-02",
      effectiveDueAt: "2026-04-02",
      acknowledgeDueAt: "2026-01-16",
    });
    expect(daysFrom("2026-02-16", "2026-04-02")).toBe(45);
  });

  it("CCPA: a Saturday receipt is acknowledged by the second Friday after", () => {
    // Sat 3 Jan: business days Mon 5 … Fri 9 (5), Mon 12 … Fri 16 (10).
    expect(computeDeadline(input("CCPA", "2026-01-03T15:00:00Z")).acknowledgeDueAt).toBe("2026-01-16");
    // Wed 7 Jan: Thu 8, Fri 9 (2), Mon 12 … Fri 16 (7), Mon 19, Tue 20, Wed 21 (10).
    expect(computeDeadline(input("CCPA", "2026-01-07T15:00:00Z")).acknowledgeDueAt).toBe("2026-01-21");
    expect(weekday("2026-01-21")).toBe(WED);
  });

  it("CCPA extension from a Saturday due date does not roll either", () => {
    expect(computeDeadline(input("CCPA", "2025-12-31T15:00:00Z", 0, true))).toEqual({
      dueAt: "2026-02-14",
      extendedDueAt: "2026-03-31",
      effectiveDueAt: "2026-03-31",
      acknowledgeDueAt: "2026-01-14",
    });
  });

  it("PIPEDA: 30 days, extended to 60 days from receipt", () => {
    expect(computeDeadline(input("PIPEDA", "2026-01-10T12:00:00Z", 0, true))).toEqual({
      dueAt: "2026-02-09",
      extendedDueAt: "2026-03-11",
      effectiveDueAt: "2026-03-11",
    });
  });

  it("only CCPA has an acknowledgement date", () => {
    for (const jurisdiction of JURISDICTIONS) {
      const deadline = computeDeadline(input(jurisdiction, "2026-01-02T15:00:00Z"));
      expect(deadline.acknowledgeDueAt !== undefined).toBe(jurisdiction === "CCPA");
    }
  });

  it("uses the UTC calendar date of a receipt with a non-UTC offset", () => {
    // 23:30 on 31 Jan in New York is 04:30 on 1 Feb UTC.
    expect(utcDate("2026-01-31T23:30:00-05:00")).toBe("2026-02-01");
    expect(unrolledDueAt({ jurisdiction: "GDPR", receivedAt: "2026-01-31T23:30:00-05:00", pausedDays: 0 })).toBe(
      "2026-03-01",
    );
    expect(computeDeadline(input("CCPA", "2026-01-31T23:30:00-05:00")).dueAt).toBe("2026-03-18");
    expect(computeDeadline(input("CCPA", "2026-01-31T23:30:00Z")).dueAt).toBe("2026-03-17");
    expect(computeDeadline(input("LGPD", "2026-01-31T23:30:00-05:00")).dueAt).toBe("2026-02-16");
    // 02:00 on 1 Mar in Kolkata is 20:30 on 28 Feb UTC.
    expect(computeDeadline(input("LGPD", "2026-03-01T02:00:00+05:30")).dueAt).toBe("2026-03-15");
    expect(daysFrom("2026-02-28", "2026-03-15")).toBe(15);
  });

  it("gives the same dates whatever the process time zone", () => {
    const samples: DeadlineInput[] = [
      input("GDPR", "2026-01-31T23:30:00-05:00", 3, true),
      input("UK-GDPR", "2026-03-29T00:30:00+01:00", 0, true),
      input("CCPA", "2026-11-01T08:30:00Z", 0, true),
      input("DPDP", "2026-03-01T02:00:00+05:30"),
      input("QUEBEC-25", "2026-10-31T23:59:59.999-04:00"),
    ];
    const compute = () => samples.map((s) => computeDeadline(s));
    const previous = process.env.TZ;
    try {
      process.env.TZ = "UTC";
      const inUtc = compute();
      const offsets = new Set<number>();
      for (const zone of ["America/Los_Angeles", "Asia/Kolkata", "Pacific/Kiritimati", "Pacific/Pago_Pago"]) {
        process.env.TZ = zone;
        offsets.add(new Date(Date.UTC(2026, 0, 1)).getTimezoneOffset());
        expect(compute()).toEqual(inUtc);
      }
      // The zone switch took effect, so the comparison above was not vacuous.
      expect(offsets.size).toBe(4);
    } finally {
      if (previous === undefined) delete process.env.TZ;
      else process.env.TZ = previous;
    }
  });
});

describe("computeDeadline: validation", () => {
  it.each([
    "",
    "not a date",
    "2026-01-31",
    "2026-01-31T10:00:00", // no offset: its meaning would depend on the process time zone
    "2026-02-30T10:00:00Z",
    "2026-02-29T10:00:00Z", // 2026 is not a leap year
    "2026-13-01T10:00:00Z",
    "2026-01-31T24:00:00Z",
    "2026-01-31T10:60:00Z",
    "2026-01-31T10:00:00+25:00",
    "2026-01-31T10:00:00-0500",
    "31/01/2026 10:00",
  ])("rejects receivedAt %j", (receivedAt) => {
    expectValidationError(() => computeDeadline(input("GDPR", receivedAt)));
  });

  it("accepts a leap day, fractions of a second and any offset", () => {
    expect(computeDeadline(input("LGPD", "2028-02-29T10:00:00Z")).dueAt).toBe("2028-03-15");
    expect(computeDeadline(input("LGPD", "2026-01-01T10:00:00.123456Z")).dueAt).toBe("2026-01-16");
    expect(computeDeadline(input("LGPD", "2026-01-01T10:00+14:00")).dueAt).toBe("2026-01-15");
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, -0.5])("rejects pausedDays %s", (pausedDays) => {
    expectValidationError(() => computeDeadline(input("GDPR", "2026-01-10T09:00:00Z", pausedDays)));
    // Also for a rule that ignores the pause: a negative pause is still a caller's mistake.
    expectValidationError(() => computeDeadline(input("CCPA", "2026-01-10T09:00:00Z", pausedDays)));
  });

  it("rejects a pause that pushes the date out of range", () => {
    expectValidationError(() => computeDeadline(input("GDPR", "2026-01-10T09:00:00Z", 1e12)));
  });

  it("refuses an extended deadline where the rule has no extension", () => {
    for (const jurisdiction of ["LGPD", "QUEBEC-25", "DPDP"] as const) {
      expectValidationError(
        () => computeDeadline(input(jurisdiction, "2026-01-10T09:00:00Z", 0, true)),
        "extension-not-available",
      );
    }
  });
});

describe("DEADLINE_RULES", () => {
  it("has one row per jurisdiction, keyed by its own jurisdiction, each with a source", () => {
    expect(Object.keys(DEADLINE_RULES).sort()).toEqual([...JURISDICTIONS].sort());
    for (const jurisdiction of JURISDICTIONS) {
      expect(DEADLINE_RULES[jurisdiction].jurisdiction).toBe(jurisdiction);
      expect(DEADLINE_RULES[jurisdiction].source.length).toBeGreaterThan(5);
    }
  });

  it("encodes the periods of the issue", () => {
    const summary = Object.fromEntries(
      JURISDICTIONS.map((j) => {
        const r = DEADLINE_RULES[j];
        return [j, [r.respondWithin, r.extension ?? null, r.weekendRollsToMonday, r.pausesWhileUnverified]];
      }),
    );
    expect(summary).toEqual({
      GDPR: [{ months: 1 }, { months: 2 }, true, true],
      "UK-GDPR": [{ months: 1 }, { months: 2 }, true, true],
      CCPA: [{ days: 45 }, { days: 45 }, false, false],
      DPDP: [{ days: 90 }, null, false, false],
      LGPD: [{ days: 15 }, null, false, false],
      PIPEDA: [{ days: 30 }, { days: 30 }, false, false],
      "QUEBEC-25": [{ days: 30 }, null, false, false],
    });
    expect(DEADLINE_RULES.CCPA.acknowledgeWithinBusinessDays).toBe(10);
  });

  it("is frozen, so no caller can change a legal rule", () => {
    expect(Object.isFrozen(DEADLINE_RULES)).toBe(true);
    expect(Object.isFrozen(DEADLINE_RULES.GDPR)).toBe(true);
    expect(Object.isFrozen(DEADLINE_RULES.GDPR.respondWithin)).toBe(true);
  });
});

// --- Properties. --------------------------------------------------------------------------------

const MIN_MS = Date.UTC(2000, 0, 1);
const MAX_MS = Date.UTC(2100, 11, 31, 23, 59, 59, 999);

/** Formats an instant as an ISO date-time at the given offset, e.g. 2026-01-31T23:30:00.000-05:00. */
function atOffset(ms: number, offsetMinutes: number): string {
  const wall = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23);
  if (offsetMinutes === 0) return `${wall}Z`;
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  return `${wall}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

const instantMs = fc.integer({ min: MIN_MS, max: MAX_MS });
const offsetMinutes = fc.integer({ min: -48, max: 56 }).map((quarters) => quarters * 15); // −12:00 … +14:00
const receivedAt = fc.tuple(instantMs, offsetMinutes).map(([ms, off]) => atOffset(ms, off));
const jurisdiction = fc.constantFrom(...JURISDICTIONS);
const pausedDays = fc.integer({ min: 0, max: 400 });
const extendable = JURISDICTIONS.filter((j) => DEADLINE_RULES[j].extension !== undefined);
const rolling = JURISDICTIONS.filter((j) => DEADLINE_RULES[j].weekendRollsToMonday);

/** The whole rule, rebuilt from the independent calendar above. */
function referenceDeadline(j: Jurisdiction, at: string, paused: number, extended: boolean): Deadline {
  const rule = DEADLINE_RULES[j];
  const base = new Date(Date.parse(at)).toISOString().slice(0, 10);
  const add = (date: string, p: { months: number } | { days: number }) =>
    "months" in p ? plusMonths(date, p.months) : plusDays(date, p.days);
  const roll = (date: string) => (rule.weekendRollsToMonday ? rolled(date) : date);
  const unrolled = plusDays(add(base, rule.respondWithin), rule.pausesWhileUnverified ? paused : 0);
  const dueAt = roll(unrolled);
  const extendedDueAt = extended && rule.extension ? roll(add(unrolled, rule.extension)) : undefined;
  const result: { dueAt: string; effectiveDueAt: string; extendedDueAt?: string; acknowledgeDueAt?: string } = {
    dueAt,
    effectiveDueAt: extendedDueAt ?? dueAt,
  };
  if (extendedDueAt !== undefined) result.extendedDueAt = extendedDueAt;
  if (rule.acknowledgeWithinBusinessDays !== undefined) {
    let ack = base;
    for (let left = rule.acknowledgeWithinBusinessDays; left > 0; ) {
      ack = plusDays(ack, 1);
      if (weekday(ack) !== SAT && weekday(ack) !== SUN) left -= 1;
    }
    result.acknowledgeDueAt = ack;
  }
  return result;
}

describe("computeDeadline: properties", () => {
  it("matches the independent reference calendar", () => {
    fc.assert(
      fc.property(jurisdiction, receivedAt, pausedDays, fc.boolean(), (j, at, paused, ext) => {
        const extended = ext && DEADLINE_RULES[j].extension !== undefined;
        expect(computeDeadline(input(j, at, paused, extended))).toEqual(referenceDeadline(j, at, paused, extended));
      }),
      { numRuns: 500 },
    );
  });

  it("dueAt is after the receipt's UTC date", () => {
    fc.assert(
      fc.property(jurisdiction, receivedAt, pausedDays, (j, at, paused) => {
        expect(computeDeadline(input(j, at, paused)).dueAt > utcDate(at)).toBe(true);
      }),
    );
  });

  it("dueAt and extendedDueAt never fall on a weekend for rolling rules", () => {
    fc.assert(
      fc.property(fc.constantFrom(...rolling), receivedAt, pausedDays, (j, at, paused) => {
        const d = computeDeadline(input(j, at, paused, true));
        expect([SAT, SUN]).not.toContain(weekday(d.dueAt));
        expect([SAT, SUN]).not.toContain(weekday(d.extendedDueAt ?? "missing-date"));
      }),
    );
  });

  it("GDPR dueAt is at least 28 days and at most 1 month + 2 days after the receipt date", () => {
    fc.assert(
      fc.property(fc.constantFrom("GDPR", "UK-GDPR" as const), receivedAt, (j, at) => {
        const base = utcDate(at);
        const { dueAt } = computeDeadline(input(j, at));
        expect(daysFrom(base, dueAt)).toBeGreaterThanOrEqual(28);
        expect(dueAt <= plusDays(plusMonths(base, 1), 2)).toBe(true);
      }),
    );
  });

  it("is monotonic: a later receipt never gives an earlier dueAt", () => {
    fc.assert(
      fc.property(jurisdiction, instantMs, instantMs, pausedDays, (j, a, b, paused) => {
        const [early, late] = a <= b ? [a, b] : [b, a];
        const first = computeDeadline(input(j, atOffset(early, 0), paused));
        const second = computeDeadline(input(j, atOffset(late, 0), paused));
        expect(first.dueAt <= second.dueAt).toBe(true);
      }),
    );
  });

  it("is monotonic across consecutive receipt days around month ends", () => {
    fc.assert(
      fc.property(jurisdiction, fc.integer({ min: 2000, max: 2100 }), fc.integer({ min: 0, max: 11 }), (j, y, m) => {
        // The last four days of a month and the first of the next, where clamping happens.
        const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
        const dues = [-3, -2, -1, 0, 1].map(
          (k) => computeDeadline(input(j, new Date(Date.UTC(y, m, lastDay + k, 12)).toISOString())).dueAt,
        );
        expect([...dues].sort()).toEqual(dues);
      }),
    );
  });

  it("extendedDueAt is on or after dueAt, and effectiveDueAt is extendedDueAt when extended", () => {
    fc.assert(
      fc.property(fc.constantFrom(...extendable), receivedAt, pausedDays, (j, at, paused) => {
        const d = computeDeadline(input(j, at, paused, true));
        expect(d.extendedDueAt).toBeDefined();
        expect((d.extendedDueAt ?? "") >= d.dueAt).toBe(true);
        expect(d.effectiveDueAt).toBe(d.extendedDueAt);
        const plain = computeDeadline(input(j, at, paused, false));
        expect(plain.dueAt).toBe(d.dueAt);
        expect(plain.extendedDueAt).toBeUndefined();
        expect(plain.effectiveDueAt).toBe(plain.dueAt);
      }),
    );
  });

  it("pausedDays k moves the unrolled due date by exactly k days where the rule pauses, else changes nothing", () => {
    fc.assert(
      fc.property(jurisdiction, receivedAt, pausedDays, fc.boolean(), (j, at, k, ext) => {
        const extended = ext && DEADLINE_RULES[j].extension !== undefined;
        const zero = unrolledDueAt({ jurisdiction: j, receivedAt: at, pausedDays: 0 });
        const paused = unrolledDueAt({ jurisdiction: j, receivedAt: at, pausedDays: k });
        if (DEADLINE_RULES[j].pausesWhileUnverified) {
          expect(daysFrom(zero, paused)).toBe(k);
          expect(computeDeadline(input(j, at, k, extended)).dueAt).toBe(rolled(paused));
        } else {
          expect(paused).toBe(zero);
          expect(computeDeadline(input(j, at, k, extended))).toEqual(computeDeadline(input(j, at, 0, extended)));
        }
      }),
    );
  });

  it("CCPA acknowledgement falls on a weekday exactly 10 weekdays after receipt", () => {
    fc.assert(
      fc.property(receivedAt, (at) => {
        const ack = computeDeadline(input("CCPA", at)).acknowledgeDueAt ?? "missing-date";
        const base = utcDate(at);
        let weekdays = 0;
        for (let d = plusDays(base, 1); d <= ack; d = plusDays(d, 1)) {
          if (weekday(d) !== SAT && weekday(d) !== SUN) weekdays += 1;
        }
        expect(weekdays).toBe(10);
        expect([SAT, SUN]).not.toContain(weekday(ack));
      }),
    );
  });
});

// --- Helpers: dates, days, states, extensions. ----------------------------------------------------

describe("utcDate and calendarDaysBetween", () => {
  it("utcDate takes the UTC calendar date of a string or a Date", () => {
    expect(utcDate("2026-01-31T23:30:00-05:00")).toBe("2026-02-01");
    expect(utcDate("2026-03-01T02:00:00+05:30")).toBe("2026-02-28");
    expect(utcDate(new Date(Date.UTC(2026, 11, 31, 23, 59, 59, 999)))).toBe("2026-12-31");
    expect(utcDate(new Date("2027-01-01T00:00:00Z"))).toBe("2027-01-01");
  });

  it("utcDate rejects what is not an instant", () => {
    expectValidationError(() => utcDate(new Date(Number.NaN)));
    expectValidationError(() => utcDate("2026-01-31"));
  });

  it("counts whole UTC calendar days, never negative", () => {
    expect(calendarDaysBetween("2026-01-31T23:59:59Z", "2026-02-01T00:00:00Z")).toBe(1);
    expect(calendarDaysBetween("2026-02-01T00:00:00Z", "2026-02-01T23:59:59Z")).toBe(0);
    expect(calendarDaysBetween("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z")).toBe(365);
    expect(calendarDaysBetween("2028-01-01T00:00:00Z", "2029-01-01T00:00:00Z")).toBe(366);
    // 23:30 New York on 31 Jan is already 1 Feb UTC.
    expect(calendarDaysBetween("2026-01-31T23:30:00-05:00", "2026-02-01T01:00:00Z")).toBe(0);
    expect(calendarDaysBetween("2026-02-10T00:00:00Z", "2026-02-01T00:00:00Z")).toBe(0);
    expectValidationError(() => calendarDaysBetween("yesterday", "2026-02-01T00:00:00Z"));
  });

  it("agrees with the reference calendar", () => {
    fc.assert(
      fc.property(receivedAt, receivedAt, (a, b) => {
        expect(calendarDaysBetween(a, b)).toBe(Math.max(0, daysFrom(utcDate(a), utcDate(b))));
      }),
    );
  });
});

describe("dueState", () => {
  const due = "2026-03-10";

  it.each([
    ["2026-03-02T12:00:00Z", 7, "on-track"], // 8 days left
    ["2026-03-03T00:00:00Z", 7, "due-soon"], // 7 days left: inclusive
    ["2026-03-09T23:59:59Z", 0, "on-track"], // 1 day left, no warning window
    ["2026-03-10T00:00:00Z", 0, "due-soon"], // the due date itself
    ["2026-03-10T23:59:59.999Z", 3, "due-soon"],
    ["2026-03-11T00:00:00Z", 3, "overdue"],
    ["2026-03-10T20:00:00-05:00", 3, "overdue"], // already 11 Mar in UTC
    ["2026-03-11T04:00:00+05:30", 3, "due-soon"], // still 10 Mar in UTC
    ["2027-01-01T00:00:00Z", 30, "overdue"],
  ] as const)("now %s, window %i → %s", (now, days, state) => {
    expect(dueState(due, new Date(now), days)).toBe(state);
  });

  it("rejects a malformed due date, an invalid now, or a negative window", () => {
    expectValidationError(() => dueState("2026-02-30", new Date("2026-03-01T00:00:00Z"), 3));
    expectValidationError(() => dueState("10/03/2026", new Date("2026-03-01T00:00:00Z"), 3));
    expectValidationError(() => dueState(due, new Date(Number.NaN), 3));
    expectValidationError(() => dueState(due, new Date("2026-03-01T00:00:00Z"), -1));
  });
});

describe("extensionRefusal", () => {
  const gdpr = computeDeadline(input("GDPR", "2026-03-05T09:00:00Z")); // due Monday 2026-04-06

  it("allows an extension up to and including the original due date", () => {
    expect(gdpr.dueAt).toBe("2026-04-06");
    expect(extensionRefusal(DEADLINE_RULES.GDPR, gdpr, false, new Date("2026-03-20T10:00:00Z"))).toBeNull();
    expect(extensionRefusal(DEADLINE_RULES.GDPR, gdpr, false, new Date("2026-04-06T00:00:00Z"))).toBeNull();
    expect(extensionRefusal(DEADLINE_RULES.GDPR, gdpr, false, new Date("2026-04-06T23:59:59.999Z"))).toBeNull();
  });

  it("refuses from the day after the original due date (in UTC)", () => {
    expect(extensionRefusal(DEADLINE_RULES.GDPR, gdpr, false, new Date("2026-04-07T00:00:00Z"))).toMatch(
      /2026-04-06.*passed/,
    );
    // 20:00 in Los Angeles on 6 Apr is 03:00 on 7 Apr UTC.
    expect(extensionRefusal(DEADLINE_RULES.GDPR, gdpr, false, new Date("2026-04-06T20:00:00-07:00"))).toMatch(
      /passed/,
    );
  });

  it("refuses a second extension", () => {
    const now = new Date("2026-03-20T10:00:00Z");
    expect(extensionRefusal(DEADLINE_RULES.GDPR, gdpr, true, now)).toMatch(/already been extended/);
    const extended = computeDeadline(input("GDPR", "2026-03-05T09:00:00Z", 0, true));
    expect(extensionRefusal(DEADLINE_RULES.GDPR, extended, false, now)).toMatch(/already been extended/);
  });

  it("refuses where the rule has no extension", () => {
    for (const j of ["LGPD", "QUEBEC-25", "DPDP"] as const) {
      const deadline = computeDeadline(input(j, "2026-03-05T09:00:00Z"));
      const refusal = extensionRefusal(DEADLINE_RULES[j], deadline, false, new Date("2026-03-06T10:00:00Z"));
      expect(refusal).toMatch(new RegExp(`${j} allows no extension`));
    }
  });

  it("allows CCPA and PIPEDA extensions inside the first term", () => {
    for (const j of ["CCPA", "PIPEDA", "UK-GDPR"] as const) {
      const deadline = computeDeadline(input(j, "2026-03-05T09:00:00Z"));
      expect(extensionRefusal(DEADLINE_RULES[j], deadline, false, new Date(`${deadline.dueAt}T12:00:00Z`))).toBeNull();
      const dayAfter = new Date(`${plusDays(deadline.dueAt, 1)}T00:00:00Z`);
      expect(extensionRefusal(DEADLINE_RULES[j], deadline, false, dayAfter)).not.toBeNull();
    }
  });
});
