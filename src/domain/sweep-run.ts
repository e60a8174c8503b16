// A sweep run and its steps, pure. A timer (or a person) starts a run; the run fans out one
// step per org through the work queue. A step walks its phases page by page and keeps its
// checkpoint (phase, cursor, counts) in its own document, so a step that was interrupted or ran
// out of time continues where it stopped. One lease per org and sweep kind, replaced under its
// ETag, keeps two runs (or two copies of one message) from sweeping the same org at once.

export const SWEEP_KINDS = ["retention", "children"] as const;
export type SweepKind = (typeof SWEEP_KINDS)[number];

export interface SweepRun {
  readonly id: string;
  readonly runId: string;
  readonly docType: "run";
  readonly kind: SweepKind;
  readonly trigger: "timer" | "on-demand";
  readonly startedAt: string;
  readonly orgs: number;
  /** Who started an on-demand run (a key or principal id). */
  readonly by?: string;
}

export type StepStatus = "pending" | "running" | "done" | "skipped";

export interface SweepStep {
  readonly id: string;
  readonly runId: string;
  readonly docType: "step";
  readonly kind: SweepKind;
  readonly orgId: string;
  readonly status: StepStatus;
  /** Index of the phase the step is in (see the sweep's phases). */
  readonly phase: number;
  /** Where the phase continues: a query continuation token, or the last id seen (keyset). */
  readonly cursor?: string;
  readonly counts: Readonly<Record<string, number>>;
  /** Work messages that ran this step (more than one: it continued after a slice or a crash). */
  readonly slices: number;
  readonly startedAt?: string;
  readonly checkpointAt?: string;
  readonly finishedAt?: string;
  readonly skippedReason?: string;
}

export interface SweepLease {
  /** The org id. */
  readonly id: string;
  /** `lease:<kind>`: leases of a kind share one partition. */
  readonly runId: string;
  readonly docType: "lease";
  readonly orgId: string;
  readonly kind: SweepKind;
  /** The run and the invocation holding it. */
  readonly holderRunId: string;
  readonly owner: string;
  readonly expiresAt: string;
}

export function stepId(orgId: string): string {
  return `step:${orgId}`;
}

export function leasePartition(kind: SweepKind): string {
  return `lease:${kind}`;
}

export type LeaseDecision = "take" | "busy-in-this-run" | "held-by-another-run";

/** Whether an invocation may take an org's lease: free, lapsed, or already its own. */
export function leaseDecision(lease: SweepLease | undefined, me: { readonly runId: string; readonly owner: string }, now: Date): LeaseDecision {
  if (lease === undefined || lease.owner === me.owner || lease.expiresAt <= now.toISOString()) return "take";
  return lease.holderRunId === me.runId ? "busy-in-this-run" : "held-by-another-run";
}

export function addCounts(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): Record<string, number> {
  const sum: Record<string, number> = { ...a };
  for (const [k, v] of Object.entries(b)) sum[k] = (sum[k] ?? 0) + v;
  return sum;
}
