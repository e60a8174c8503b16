import type { RequestStatus, RequestType, RequestView } from "./types.js";

// Words and numbers as the console shows them: dates in the reader's locale (calendar dates in
// UTC, as the engine computes deadlines), sizes in KB/MB, and labels for the API's enums.

const DAY_MS = 86_400_000;

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** A calendar date (YYYY-MM-DD) or an instant, as a date. */
export function formatDate(value: string | undefined): string {
  if (value === undefined || value === "") return "—";
  const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  return Number.isNaN(ms) ? value : dateFormat.format(ms);
}

export function formatDateTime(value: string | undefined): string {
  if (value === undefined || value === "") return "—";
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : dateTimeFormat.format(ms);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit] ?? "TB"}`;
}

export function formatNumber(n: number): string {
  return n.toLocaleString();
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return "—";
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** Today's date in UTC, YYYY-MM-DD (the engine's deadlines are UTC calendar dates). */
export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The due date that counts: the extended one when the deadline was extended. */
export function effectiveDue(request: Pick<RequestView, "dueAt" | "extendedDueAt">): string {
  return request.extendedDueAt ?? request.dueAt;
}

/** Whole days from today (UTC) to the effective due date; negative when overdue. */
export function daysLeft(request: Pick<RequestView, "dueAt" | "extendedDueAt">, now: Date = new Date()): number {
  return Math.round((Date.parse(`${effectiveDue(request)}T00:00:00Z`) - Date.parse(`${todayUtc(now)}T00:00:00Z`)) / DAY_MS);
}

export function daysLeftText(days: number): string {
  if (days === 0) return "Due today";
  if (days > 0) return days === 1 ? "1 day" : `${days} days`;
  return days === -1 ? "1 day late" : `${-days} days late`;
}

const TYPE_LABELS: Readonly<Record<RequestType, string>> = {
  access: "Access",
  portability: "Portability",
  rectification: "Rectification",
  erasure: "Erasure",
  restriction: "Restriction",
  objection: "Objection",
  "consent-withdrawal": "Consent withdrawal",
  "child-data": "Child data",
  "org-offboarding": "Org offboarding",
};

export function typeLabel(type: RequestType): string {
  return TYPE_LABELS[type];
}

const STATUS_LABELS: Readonly<Record<RequestStatus, string>> = {
  "awaiting-verification": "Awaiting verification",
  queued: "Queued",
  "in-progress": "In progress",
  completed: "Completed",
  rejected: "Rejected",
  cancelled: "Cancelled",
  failed: "Failed",
};

export function statusLabel(status: RequestStatus): string {
  return STATUS_LABELS[status];
}

/** "accuracy-contested" → "Accuracy contested". */
export function humanize(value: string): string {
  const spaced = value.replace(/[-_.]+/g, " ").replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

export function isOpen(status: RequestStatus): boolean {
  return status === "awaiting-verification" || status === "queued" || status === "in-progress";
}

/** A short id for tables: the first block of a UUID. */
export function shortId(id: string): string {
  return id.split("-")[0] ?? id;
}
