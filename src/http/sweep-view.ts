import { z } from "zod";
import type { SweepRun } from "../domain/sweep-run.js";
import { SWEEP_KINDS } from "../domain/sweep-run.js";

// The sweep routes' bodies as the API shows them: the retention preview, recent runs and a run
// started on demand. Each `to…View` takes anything of the view's shape (the engine's results are
// deeply readonly) and copies it field by field: the compiler holds the engine's result to the
// documented shape, and nothing undocumented is sent.

/** The view's shape with every property and array readonly, as the engine types its results. */
type ReadonlyDeep<T> = T extends readonly (infer E)[] ? readonly ReadonlyDeep<E>[] : T extends object ? { readonly [K in keyof T]: ReadonlyDeep<T[K]> } : T;

const Counts = z.record(z.string(), z.number().int());
const STEP_STATUSES = ["pending", "running", "done", "skipped"] as const;

export const RetentionPreviewView = z
  .object({
    orgId: z.string(),
    asOf: z.string(),
    policy: z.object({
      contactInactivityMonths: z.number(),
      accountInactivityMonths: z.number(),
      noticeHours: z.number(),
      childAge: z.number(),
      childAgeByJurisdiction: z.record(z.string(), z.number()),
      packageExpiryDays: z.number(),
    }),
    childAge: z.number().describe("the age under which a person is a child in this org's jurisdiction"),
    retention: z
      .record(z.string(), z.object({ category: z.string(), cutoff: z.string().optional(), counts: Counts }))
      .describe("per phase: `notices` (wouldErase as erasureOpened, cancelled, waiting, held, erasing) and each mapped container (inactive, noticed, alreadyNoticed, held)"),
    children: z.record(z.string(), z.object({ category: z.string(), counts: Counts })).describe("per mapped container: children, consented, held, erasing, erasureOpened"),
  })
  .meta({ id: "RetentionPreview" });
export type RetentionPreviewView = z.infer<typeof RetentionPreviewView>;

export const SweepRunView = z
  .object({
    runId: z.string(),
    kind: z.enum(SWEEP_KINDS),
    trigger: z.enum(["timer", "on-demand"]),
    status: z.enum(["running", "done"]),
    startedAt: z.string(),
    finishedAt: z.string().optional(),
    durationMs: z.number().optional(),
    orgs: z.number().int(),
    steps: z.object({ pending: z.number(), running: z.number(), done: z.number(), skipped: z.number() }),
    counts: Counts,
    orgSteps: z.array(
      z.object({
        orgId: z.string(),
        status: z.enum(STEP_STATUSES),
        phase: z.string(),
        checkpoint: z.boolean(),
        slices: z.number().int(),
        counts: Counts,
        checkpointAt: z.string().optional(),
        durationMs: z.number().optional(),
        skippedReason: z.string().optional(),
      }),
    ),
  })
  .meta({ id: "SweepRun" });
export type SweepRunView = z.infer<typeof SweepRunView>;

export const SweepRunList = z.object({ items: z.array(SweepRunView) }).meta({ id: "SweepRunList" });
export type SweepRunList = z.infer<typeof SweepRunList>;

export const SweepStartedView = z
  .object({ runId: z.string(), kind: z.enum(SWEEP_KINDS), trigger: z.literal("on-demand"), startedAt: z.string(), orgs: z.number() })
  .meta({ id: "SweepStarted" });
export type SweepStartedView = z.infer<typeof SweepStartedView>;

const counts = (c: Readonly<Record<string, number>>): Record<string, number> => ({ ...c });

export function toRetentionPreviewView(preview: ReadonlyDeep<RetentionPreviewView>): RetentionPreviewView {
  const { policy } = preview;
  return {
    orgId: preview.orgId,
    asOf: preview.asOf,
    policy: {
      contactInactivityMonths: policy.contactInactivityMonths,
      accountInactivityMonths: policy.accountInactivityMonths,
      noticeHours: policy.noticeHours,
      childAge: policy.childAge,
      childAgeByJurisdiction: { ...policy.childAgeByJurisdiction },
      packageExpiryDays: policy.packageExpiryDays,
    },
    childAge: preview.childAge,
    retention: Object.fromEntries(
      Object.entries(preview.retention).map(([phase, p]) => [phase, { category: p.category, ...(p.cutoff === undefined ? {} : { cutoff: p.cutoff }), counts: counts(p.counts) }]),
    ),
    children: Object.fromEntries(Object.entries(preview.children).map(([phase, p]) => [phase, { category: p.category, counts: counts(p.counts) }])),
  };
}

export function toSweepRunView(run: ReadonlyDeep<SweepRunView>): SweepRunView {
  return {
    runId: run.runId,
    kind: run.kind,
    trigger: run.trigger,
    status: run.status,
    startedAt: run.startedAt,
    ...(run.finishedAt === undefined ? {} : { finishedAt: run.finishedAt }),
    ...(run.durationMs === undefined ? {} : { durationMs: run.durationMs }),
    orgs: run.orgs,
    steps: { pending: run.steps.pending, running: run.steps.running, done: run.steps.done, skipped: run.steps.skipped },
    counts: counts(run.counts),
    orgSteps: run.orgSteps.map((s) => ({
      orgId: s.orgId,
      status: s.status,
      phase: s.phase,
      checkpoint: s.checkpoint,
      slices: s.slices,
      counts: counts(s.counts),
      ...(s.checkpointAt === undefined ? {} : { checkpointAt: s.checkpointAt }),
      ...(s.durationMs === undefined ? {} : { durationMs: s.durationMs }),
      ...(s.skippedReason === undefined ? {} : { skippedReason: s.skippedReason }),
    })),
  };
}

export function toSweepRunList(runs: readonly ReadonlyDeep<SweepRunView>[]): SweepRunList {
  return { items: runs.map(toSweepRunView) };
}

/** A run started on demand (`trigger` is always on-demand here: the route starts it). */
export function toSweepStartedView(run: Pick<SweepRun, "runId" | "kind" | "startedAt" | "orgs">): SweepStartedView {
  return { runId: run.runId, kind: run.kind, trigger: "on-demand", startedAt: run.startedAt, orgs: run.orgs };
}
