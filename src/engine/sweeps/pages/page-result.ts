// What one page of a phase gives back: what it counted (applied or, in the preview, only
// counted) and where the phase continues.

export type Counts = Record<string, number>;

export interface PageResult {
  readonly counts: Counts;
  /** Where the phase continues; undefined when it is done. */
  readonly cursor: string | undefined;
}

export const bump = (counts: Counts, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};
