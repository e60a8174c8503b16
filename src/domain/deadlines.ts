import { UTCDate } from "@date-fns/utc";
import { addBusinessDays, addDays, addMonths, format } from "date-fns";
import { EngineError } from "./errors.js";
import type { Jurisdiction } from "./request.js";

// Response deadlines per jurisdiction. Pure: no clock (`now` is always a parameter), no I/O.
//
// Every date here is a UTC calendar date. Arithmetic runs on `UTCDate`, so date-fns reads and
// writes UTC fields and the result never depends on the process time zone.
//
// Public holidays are out of scope: they differ per country, region and year, and the engine
// has no holiday calendar. Where a rule rolls a weekend due date forward, a holiday is not
// skipped, so the engine's date is on or before the legal one (the safe side).

export type Period = { readonly months: number } | { readonly days: number };

export interface DeadlineRule {
  readonly jurisdiction: Jurisdiction;
  readonly respondWithin: Period;
  /** Absent = no extension possible. */
  readonly extension?: Period;
  /** A due date on Saturday or Sunday moves to the following Monday. */
  readonly weekendRollsToMonday: boolean;
  /** The clock pauses while identity verification is pending. */
  readonly pausesWhileUnverified: boolean;
  /**
   * Where a pause starts: at receipt (the clock only starts once identity is evidenced), or when
   * the controller asks for verification (days before it asked still count).
   */
  readonly pauseStartsAt?: "receipt" | "verification-requested";
  /** Receipt must be acknowledged within this many business days (Mon–Fri). */
  readonly acknowledgeWithinBusinessDays?: number;
  /** Citation a lawyer can check. */
  readonly source: string;
}

/**
 * The deadline rules as data, one row per jurisdiction, each with its legal source.
 *
 * Only GDPR and UK GDPR roll a weekend due date forward and pause the clock, because their
 * texts and regulators say so. For LGPD, PIPEDA, Quebec Law 25 and DPDP the engine takes the
 * conservative reading: no weekend roll and no pause, since an earlier deadline is the safe
 * side. CCPA explicitly runs regardless of verification (11 CCR §7021), so it never pauses.
 */
export const DEADLINE_RULES: Readonly<Record<Jurisdiction, DeadlineRule>> = freezeRules({
  GDPR: {
    jurisdiction: "GDPR",
    // One month counted per Reg. 1182/71: received 5 Mar → due 5 Apr; 31 Aug → 30 Sep.
    respondWithin: { months: 1 },
    extension: { months: 2 },
    // EDPB 01/2022 §§160-161: a deadline on a weekend or holiday moves to the next working day.
    weekendRollsToMonday: true,
    // EDPB 01/2022 §159 (guidance): may pause while waiting for information the controller asked
    // for; the days before it asked still count.
    pausesWhileUnverified: true,
    pauseStartsAt: "verification-requested",
    source: "GDPR Art. 12(3); Reg. (EEC, Euratom) 1182/71 Art. 3; EDPB Guidelines 01/2022 §§159-161",
  },
  "UK-GDPR": {
    jurisdiction: "UK-GDPR",
    respondWithin: { months: 1 },
    extension: { months: 2 },
    weekendRollsToMonday: true,
    // Art. 12A: the clock starts at the latest of receipt, ID evidence or fee, and stops while
    // awaiting clarification; modelled as a pause from receipt.
    pausesWhileUnverified: true,
    pauseStartsAt: "receipt",
    source: "UK GDPR Art. 12(3), Art. 12A (Data (Use and Access) Act 2025); ICO right of access guidance",
  },
  CCPA: {
    jurisdiction: "CCPA",
    respondWithin: { days: 45 },
    extension: { days: 45 },
    weekendRollsToMonday: false,
    // The 45 days run from receipt regardless of verification.
    pausesWhileUnverified: false,
    acknowledgeWithinBusinessDays: 10,
    source: "Cal. Civ. Code §1798.130(a)(2); 11 CCR §7021",
  },
  DPDP: {
    jurisdiction: "DPDP",
    // The fiduciary publishes its own period, at most 90 days; the table holds the maximum.
    // Most DPDP duties apply from about 13 May 2027; the rule is here for orgs that opt in early.
    respondWithin: { days: 90 },
    weekendRollsToMonday: false,
    pausesWhileUnverified: false,
    source: "DPDP Act 2023 s.13; DPDP Rules 2025, Rule 14(3)",
  },
  LGPD: {
    jurisdiction: "LGPD",
    respondWithin: { days: 15 },
    weekendRollsToMonday: false,
    pausesWhileUnverified: false,
    source: "LGPD (Lei 13.709/2018) Art. 19, II",
  },
  PIPEDA: {
    jurisdiction: "PIPEDA",
    respondWithin: { days: 30 },
    extension: { days: 30 },
    weekendRollsToMonday: false,
    pausesWhileUnverified: false,
    source: "PIPEDA s.8(3)-(4)",
  },
  "QUEBEC-25": {
    jurisdiction: "QUEBEC-25",
    respondWithin: { days: 30 },
    weekendRollsToMonday: false,
    pausesWhileUnverified: false,
    source: "Act respecting the protection of personal information in the private sector (Law 25) s.32",
  },
});

export interface DeadlineInput {
  readonly jurisdiction: Jurisdiction;
  /** ISO-8601 date-time with an explicit offset (`Z` or `±HH:MM`). */
  readonly receivedAt: string;
  /** Whole calendar days the clock was paused (ignored when the rule does not pause). */
  readonly pausedDays: number;
  readonly extended: boolean;
}

export interface Deadline {
  /** 'YYYY-MM-DD' (UTC calendar date): the last day to respond, original term. */
  readonly dueAt: string;
  /** 'YYYY-MM-DD', present only when the input is extended. */
  readonly extendedDueAt?: string;
  /** `extendedDueAt ?? dueAt`. */
  readonly effectiveDueAt: string;
  /** 'YYYY-MM-DD', only where the rule has `acknowledgeWithinBusinessDays`. */
  readonly acknowledgeDueAt?: string;
}

export function computeDeadline(input: DeadlineInput): Deadline {
  const rule = DEADLINE_RULES[input.jurisdiction];
  const base = receiptDate(input.receivedAt);
  const unrolled = unrolledDue(rule, base, input.pausedDays);
  const dueAt = formatDate(rollWeekend(rule, unrolled));

  let extendedDueAt: string | undefined;
  if (input.extended) {
    if (rule.extension === undefined) {
      throw new EngineError("validation", `${rule.jurisdiction} allows no extension of the response deadline`, {
        reason: "extension-not-available",
        fields: [{ path: "extended", message: `${rule.jurisdiction} allows no extension` }],
      });
    }
    // The extension runs from the unrolled due date, then rolls like the original term.
    extendedDueAt = formatDate(rollWeekend(rule, checked(addPeriod(unrolled, rule.extension), "pausedDays")));
  }

  const deadline: { -readonly [K in keyof Deadline]: Deadline[K] } = {
    dueAt,
    effectiveDueAt: extendedDueAt ?? dueAt,
  };
  if (extendedDueAt !== undefined) deadline.extendedDueAt = extendedDueAt;
  if (rule.acknowledgeWithinBusinessDays !== undefined) {
    deadline.acknowledgeDueAt = formatDate(addBusinessDays(base, rule.acknowledgeWithinBusinessDays));
  }
  return deadline;
}

/**
 * The due date before any weekend roll: receipt date + respondWithin, + pausedDays where the
 * rule pauses. The extension is counted from this date. 'YYYY-MM-DD'.
 */
export function unrolledDueAt(input: Omit<DeadlineInput, "extended">): string {
  const rule = DEADLINE_RULES[input.jurisdiction];
  return formatDate(unrolledDue(rule, receiptDate(input.receivedAt), input.pausedDays));
}

/** Whole UTC calendar days from `from` to `to` (ISO date-times), never negative. */
export function calendarDaysBetween(from: string, to: string): number {
  const days = (startOfUtcDay(parseInstant(to, "to")) - startOfUtcDay(parseInstant(from, "from"))) / DAY_MS;
  return Math.max(0, days);
}

/** Today's UTC calendar date of an instant, 'YYYY-MM-DD'. */
export function utcDate(instant: string | Date): string {
  const ms = typeof instant === "string" ? parseInstant(instant, "instant") : validDateMs(instant, "instant");
  return formatDate(new UTCDate(ms));
}

export type DueState = "on-track" | "due-soon" | "overdue";

/**
 * overdue when today's UTC date (of now) is after effectiveDueAt; due-soon when effectiveDueAt
 * is within `dueSoonDays` calendar days of today (inclusive, including today); else on-track.
 */
export function dueState(effectiveDueAt: string, now: Date, dueSoonDays: number): DueState {
  if (!Number.isSafeInteger(dueSoonDays) || dueSoonDays < 0) {
    throw validation("dueSoonDays", "must be a whole number of days, 0 or more");
  }
  const daysLeft = (parseCalendarDate(effectiveDueAt, "effectiveDueAt") - startOfUtcDay(validDateMs(now, "now"))) / DAY_MS;
  if (daysLeft < 0) return "overdue";
  return daysLeft <= dueSoonDays ? "due-soon" : "on-track";
}

/**
 * Extension is allowed once, only where the rule has one, and only while today's UTC date (of
 * now) is on or before the original dueAt. Returns null when allowed, or a human-readable
 * reason why not.
 */
export function extensionRefusal(
  rule: DeadlineRule,
  deadline: Deadline,
  alreadyExtended: boolean,
  now: Date,
): string | null {
  if (rule.extension === undefined) {
    return `${rule.jurisdiction} allows no extension of the response deadline (${rule.source}).`;
  }
  // A deadline that already carries an extended date counts as extended, whatever the flag says.
  if (alreadyExtended || deadline.extendedDueAt !== undefined) {
    return "The deadline has already been extended; it can be extended only once.";
  }
  const today = utcDate(now);
  if (today > deadline.dueAt) {
    return `The original deadline (${deadline.dueAt}) has passed; an extension must be decided on or before it.`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------

const DAY_MS = 86_400_000;

/** Strict ISO-8601 date-time with an explicit offset; a local time would depend on the process zone. */
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;
const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function receiptDate(receivedAt: string): UTCDate {
  return new UTCDate(startOfUtcDay(parseInstant(receivedAt, "receivedAt")));
}

function unrolledDue(rule: DeadlineRule, base: UTCDate, pausedDays: number): UTCDate {
  if (!Number.isSafeInteger(pausedDays) || pausedDays < 0) {
    throw validation("pausedDays", "must be a whole number of days, 0 or more");
  }
  const due = addPeriod(base, rule.respondWithin);
  return checked(rule.pausesWhileUnverified ? addDays(due, pausedDays) : due, "pausedDays");
}

/** addMonths clamps at month end (31 Jan + 1 month = 28/29 Feb), as Reg. 1182/71 counts. */
function addPeriod(date: UTCDate, period: Period): UTCDate {
  return "months" in period ? addMonths(date, period.months) : addDays(date, period.days);
}

function rollWeekend(rule: DeadlineRule, date: UTCDate): UTCDate {
  if (!rule.weekendRollsToMonday) return date;
  const weekday = date.getUTCDay();
  if (weekday === 6) return addDays(date, 2);
  if (weekday === 0) return addDays(date, 1);
  return date;
}

function formatDate(date: UTCDate): string {
  return format(date, "yyyy-MM-dd");
}

function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

function parseInstant(value: string, path: string): number {
  const m = ISO_DATE_TIME.exec(value);
  if (m === null) {
    throw validation(path, "must be an ISO-8601 date-time with an offset, e.g. 2026-03-05T10:00:00Z");
  }
  const [, y, mo, d, h, mi, s, , oh, om] = m;
  const ok =
    isRealDate(Number(y), Number(mo), Number(d)) &&
    Number(h) <= 23 &&
    Number(mi) <= 59 &&
    Number(s ?? "0") <= 59 &&
    Number(oh ?? "0") <= 23 &&
    Number(om ?? "0") <= 59;
  const ms = Date.parse(value);
  if (!ok || Number.isNaN(ms)) throw validation(path, "is not a real date-time");
  return ms;
}

function parseCalendarDate(value: string, path: string): number {
  const m = CALENDAR_DATE.exec(value);
  const [y, mo, d] = m === null ? [NaN, NaN, NaN] : [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!isRealDate(y, mo, d)) throw validation(path, "must be a calendar date 'YYYY-MM-DD'");
  return Date.UTC(y, mo - 1, d);
}

/** Date.parse quietly rolls 2026-02-30 over to 2 March, so the day is checked here. */
function isRealDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || month < 1 || month > 12 || day < 1) return false;
  const daysInMonth = [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= daysInMonth;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function validDateMs(date: Date, path: string): number {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw validation(path, "is an invalid Date");
  return ms;
}

/** A huge pausedDays can push the date past what a Date holds. */
function checked(date: UTCDate, path: string): UTCDate {
  if (Number.isNaN(date.getTime())) throw validation(path, "puts the deadline out of range");
  return date;
}

function validation(path: string, message: string): EngineError {
  return new EngineError("validation", `${path} ${message}`, { fields: [{ path, message }] });
}

/** Frozen all the way down, so no caller can change a legal rule at run time. */
function freezeRules(table: Record<Jurisdiction, DeadlineRule>): Readonly<Record<Jurisdiction, DeadlineRule>> {
  for (const rule of Object.values(table)) {
    Object.freeze(rule.respondWithin);
    if (rule.extension !== undefined) Object.freeze(rule.extension);
    Object.freeze(rule);
  }
  return Object.freeze(table);
}
