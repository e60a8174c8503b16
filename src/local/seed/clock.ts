// The dataset's dates: every one is derived from the `now` option, never from the system clock,
// and lies on a whole second (birth dates are plain YYYY-MM-DD dates).

export const DAY_MS = 86_400_000;

export class Clock {
  readonly nowMs: number;
  constructor(now: string) {
    this.nowMs = Date.parse(now);
  }
  /** ISO date-time `days` (fractional allowed) before now, on whole seconds. */
  daysAgo(days: number): string {
    return new Date(Math.floor((this.nowMs - days * DAY_MS) / 1000) * 1000).toISOString();
  }
  monthsAgo(months: number): string {
    const d = new Date(this.nowMs);
    d.setUTCMonth(d.getUTCMonth() - months);
    return d.toISOString();
  }
  /** ISO date (YYYY-MM-DD) of someone `years` old plus `extraDays`. */
  birthDate(years: number, extraDays: number): string {
    const d = new Date(this.nowMs);
    d.setUTCFullYear(d.getUTCFullYear() - years);
    return new Date(d.getTime() - extraDays * DAY_MS).toISOString().slice(0, 10);
  }
}

/** `iso` moved by `days` (fractional, negative for earlier), on whole seconds. */
export const addDays = (iso: string, days: number): string =>
  new Date(Math.floor((Date.parse(iso) + days * DAY_MS) / 1000) * 1000).toISOString();
