import { UTCDate } from "@date-fns/utc";
import { addHours, format, isValid, parseISO, subDays, subMonths, subYears } from "date-fns";
import { z } from "zod";
import type { Jurisdiction } from "./request.js";

// Retention and children's data, pure: the policy of an org (defaults from settings, overrides
// from the org's settings document), the cutoffs it implies at `now`, who is a child, and what
// the retention sweep does with one subject. No clock, no I/O: `now` is always a parameter.

export interface RetentionPolicy {
  readonly contactInactivityMonths: number;
  readonly accountInactivityMonths: number;
  readonly noticeHours: number;
  /** Age under which a person is a child, when the jurisdiction has no entry below. */
  readonly childAge: number;
  readonly childAgeByJurisdiction: Readonly<Partial<Record<Jurisdiction, number>>>;
  readonly packageExpiryDays: number;
}

/** What an org's settings document (`orgSettings`, field `retention`) may override. */
export const RetentionOverrides = z.object({
  contactInactivityMonths: z.number().int().min(1).max(240).optional(),
  accountInactivityMonths: z.number().int().min(1).max(240).optional(),
  noticeHours: z.number().int().min(0).max(8760).optional(),
  childAge: z.number().int().min(1).max(21).optional(),
  childAgeByJurisdiction: z.record(z.string(), z.number().int().min(1).max(21)).optional(),
  packageExpiryDays: z.number().int().min(1).max(7).optional(),
});
export type RetentionOverrides = z.infer<typeof RetentionOverrides>;

export function policyFor(defaults: RetentionPolicy, overrides: RetentionOverrides | undefined): RetentionPolicy {
  if (overrides === undefined) return defaults;
  return {
    contactInactivityMonths: overrides.contactInactivityMonths ?? defaults.contactInactivityMonths,
    accountInactivityMonths: overrides.accountInactivityMonths ?? defaults.accountInactivityMonths,
    noticeHours: overrides.noticeHours ?? defaults.noticeHours,
    childAge: overrides.childAge ?? defaults.childAge,
    childAgeByJurisdiction: { ...defaults.childAgeByJurisdiction, ...overrides.childAgeByJurisdiction },
    packageExpiryDays: overrides.packageExpiryDays ?? defaults.packageExpiryDays,
  };
}

export type RetentionPeriod = "contact" | "account" | "org";

/** The instant before which an activity date means inactive: `now` minus the period, in UTC calendar months. */
export function inactivityCutoff(policy: RetentionPolicy, period: RetentionPeriod, now: Date): string {
  const months = period === "contact" ? policy.contactInactivityMonths : policy.accountInactivityMonths;
  return subMonths(new UTCDate(now.getTime()), months).toISOString();
}

/** When a subject noticed at `noticedAt` may be erased. */
export function eraseAfter(policy: RetentionPolicy, noticedAt: Date): string {
  return addHours(new UTCDate(noticedAt.getTime()), policy.noticeHours).toISOString();
}

export function childAgeFor(policy: RetentionPolicy, jurisdiction: Jurisdiction): number {
  return policy.childAgeByJurisdiction[jurisdiction] ?? policy.childAge;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const formatDate = (date: Date) => format(date, "yyyy-MM-dd");

/** A well-formed calendar date `YYYY-MM-DD`, or undefined. */
function calendarDate(value: unknown): { year: number; month: number; day: number } | undefined {
  if (typeof value !== "string" || !ISO_DATE.test(value)) return undefined;
  const parsed = parseISO(value);
  if (!isValid(parsed) || formatDate(parsed) !== value) return undefined;
  const [year, month, day] = value.split("-").map(Number) as [number, number, number];
  return { year, month, day };
}

const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/**
 * The UTC date on which someone born on `dateOfBirth` turns `age`. Someone born on 29 February
 * turns a year older on 1 March in a year without a 29 February (the rule of English law, among
 * others): a leap-day child stays a child one day longer, never one day shorter.
 */
export function birthdayAt(dateOfBirth: string, age: number): string | undefined {
  const born = calendarDate(dateOfBirth);
  if (born === undefined) return undefined;
  const year = born.year + age;
  const leapDay = born.month === 2 && born.day === 29;
  const [month, day] = leapDay && !isLeapYear(year) ? [3, 1] : [born.month, born.day];
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** Younger than `age` on the UTC calendar date of `now`. An unreadable date of birth is no child (it cannot be told). */
export function isChild(dateOfBirth: unknown, age: number, now: Date): boolean {
  if (typeof dateOfBirth !== "string") return false;
  const comingOfAge = birthdayAt(dateOfBirth, age);
  return comingOfAge !== undefined && formatDate(new UTCDate(now.getTime())) < comingOfAge;
}

/**
 * The bound of the children's range query (`dateOfBirth > bornAfter`): every child is born after
 * it. One day looser than exact, so the 29 February rule can only add candidates, never lose one;
 * each candidate is checked again with isChild.
 */
export function bornAfter(age: number, now: Date): string {
  return formatDate(subDays(subYears(new UTCDate(now.getTime()), age), 1));
}

/** A parental consent keeps a child's record only when it is verified. */
export function hasVerifiedConsent(consent: unknown): boolean {
  return typeof consent === "object" && consent !== null && (consent as { verified?: unknown }).verified === true;
}

// --- The retention notice and the decision on a noticed subject ----------------------------

export interface RetentionNotice {
  /** `notice:` + the subject key. */
  readonly id: string;
  readonly orgId: string;
  readonly type: "retention-notice";
  readonly subjectKey: string;
  /** The data map's container mapping the subject was found in, and the item's id there. */
  readonly mapping: string;
  readonly itemId: string;
  readonly period: RetentionPeriod;
  /** The activity date the subject had when noticed: a later one is renewed activity. */
  readonly activityAt: string;
  readonly noticedAt: string;
  readonly eraseAfter: string;
  readonly state: "noticed" | "erasing";
  /** Once the erasure is opened: its request. */
  readonly requestId?: string;
  readonly runId: string;
}

export function noticeId(subjectKey: string): string {
  return `notice:${subjectKey}`;
}

export type NoticeDecision =
  /** The subject is gone (erased another way): the notice goes, nothing to tell. */
  | "drop"
  /** Active again since the notice: the notice goes and a cancellation event tells the subject. */
  | "cancel"
  /** A legal hold covers the subject: nothing happens while it lasts. */
  | "held"
  /** Still inactive, the notice period not over. */
  | "wait"
  /** Still inactive after the notice period: erase now. */
  | "erase";

/**
 * What happens to a noticed subject, given its current activity date (undefined when the item is
 * gone) and whether a hold covers it. Renewed activity is any activity after the one noticed, or
 * any at or after the cutoff (a policy that changed).
 */
export function decideNotice(
  notice: Pick<RetentionNotice, "activityAt" | "eraseAfter">,
  current: { readonly exists: boolean; readonly activityAt?: unknown },
  cutoff: string,
  held: boolean,
  now: Date,
): NoticeDecision {
  if (!current.exists) return "drop";
  const activity = typeof current.activityAt === "string" ? current.activityAt : undefined;
  if (activity !== undefined && (activity > notice.activityAt || activity >= cutoff)) return "cancel";
  if (held) return "held";
  return now.toISOString() >= notice.eraseAfter ? "erase" : "wait";
}
