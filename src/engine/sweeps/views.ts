import { mayActOnOrg, type Authorized } from "../../domain/access.js";
import { childAgeFor, inactivityCutoff, type RetentionPolicy } from "../../domain/retention.js";
import { addCounts, type SweepKind, type SweepRun, type SweepStep } from "../../domain/sweep-run.js";
import type { EngineDeps } from "../deps.js";
import type { Logger } from "../ports.js";
import { runPage, type PageDeps } from "./pages/run-page.js";
import { phasesOf, type Phase } from "./phases.js";
import { orgContext, orgNotFound, type OrgContextDeps } from "./policy.js";

// What people see of the sweeps: the preview of what they would do in an org now (every page
// walked, nothing applied) and the recent runs with each org's step.

export interface RetentionPreview {
  readonly orgId: string;
  readonly asOf: string;
  readonly policy: RetentionPolicy;
  readonly childAge: number;
  /** Per phase (notices, then each mapped container): what a retention run would do now. */
  readonly retention: Readonly<Record<string, { readonly category: string; readonly cutoff?: string; readonly counts: Readonly<Record<string, number>> }>>;
  /** Per mapped container: the children a children's run would erase now. */
  readonly children: Readonly<Record<string, { readonly category: string; readonly counts: Readonly<Record<string, number>> }>>;
}

export type PreviewDeps = PageDeps & OrgContextDeps;

/** What the sweeps would notice and erase in an org now, by category; changes nothing. */
export async function previewRetention(deps: PreviewDeps, caller: Authorized<"sweep:read">, orgId: string, log: Logger): Promise<RetentionPreview> {
  if (!mayActOnOrg(caller, orgId)) throw orgNotFound();
  const ctx = await orgContext(deps, orgId);
  if (ctx === undefined) throw orgNotFound();
  const walk = async (phase: Phase): Promise<Record<string, number>> => {
    let counts: Record<string, number> = {};
    let cursor: string | undefined;
    do {
      const result = await runPage(deps, ctx, phase, cursor, false, "preview", log);
      counts = addCounts(counts, result.counts);
      cursor = result.cursor;
    } while (cursor !== undefined);
    return counts;
  };
  const retention: Record<string, RetentionPreview["retention"][string]> = {};
  for (const phase of phasesOf(deps.dataMap, "retention")) {
    retention[phase.name] =
      phase.kind === "scan"
        ? { category: phase.mapping.category, cutoff: inactivityCutoff(ctx.policy, phase.mapping.retentionPeriod, ctx.now), counts: await walk(phase) }
        : { category: "notices", counts: await walk(phase) };
  }
  const children: Record<string, RetentionPreview["children"][string]> = {};
  for (const phase of phasesOf(deps.dataMap, "children")) children[phase.name] = { category: phase.kind === "children" ? phase.mapping.category : "", counts: await walk(phase) };
  return { orgId, asOf: ctx.now.toISOString(), policy: ctx.policy, childAge: childAgeFor(ctx.policy, ctx.jurisdiction), retention, children };
}

export interface SweepRunView {
  readonly runId: string;
  readonly kind: SweepKind;
  readonly trigger: SweepRun["trigger"];
  readonly status: "running" | "done";
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly durationMs?: number;
  readonly orgs: number;
  readonly steps: Readonly<Record<SweepStep["status"], number>>;
  readonly counts: Readonly<Record<string, number>>;
  /** Each org's step: where it stands (phase and whether a cursor is kept), its counts and time. */
  readonly orgSteps: readonly {
    readonly orgId: string;
    readonly status: SweepStep["status"];
    readonly phase: string;
    readonly checkpoint: boolean;
    readonly slices: number;
    readonly counts: Readonly<Record<string, number>>;
    readonly checkpointAt?: string;
    readonly durationMs?: number;
    readonly skippedReason?: string;
  }[];
}

const ORG_STEPS_SHOWN = 50;

/** Recent runs, newest first, with what the caller's orgs' steps did. */
export async function listSweeps(deps: Pick<EngineDeps, "sweeps" | "dataMap">, caller: Authorized<"sweep:read">, query: { readonly limit?: number; readonly kind?: SweepKind }): Promise<SweepRunView[]> {
  const runs = await deps.sweeps.recentRuns(query.limit ?? 20, query.kind);
  const views: SweepRunView[] = [];
  for (const run of runs) {
    const steps = (await deps.sweeps.steps(run.runId)).filter((s) => mayActOnOrg(caller, s.orgId));
    if (caller.orgs !== "*" && steps.length === 0) continue;
    const phases = phasesOf(deps.dataMap, run.kind);
    const finished = steps.every((s) => s.status === "done" || s.status === "skipped");
    const ends = steps.flatMap((s) => (s.finishedAt === undefined ? [] : [s.finishedAt])).sort();
    const finishedAt = finished ? ends.at(-1) : undefined;
    const span = (from: string | undefined, to: string | undefined) => (from === undefined || to === undefined ? undefined : Date.parse(to) - Date.parse(from));
    const durationMs = span(run.startedAt, finishedAt);
    views.push({
      runId: run.runId,
      kind: run.kind,
      trigger: run.trigger,
      status: finished ? "done" : "running",
      startedAt: run.startedAt,
      ...(finishedAt === undefined ? {} : { finishedAt }),
      ...(durationMs === undefined ? {} : { durationMs }),
      orgs: steps.length,
      steps: {
        pending: steps.filter((s) => s.status === "pending").length,
        running: steps.filter((s) => s.status === "running").length,
        done: steps.filter((s) => s.status === "done").length,
        skipped: steps.filter((s) => s.status === "skipped").length,
      },
      counts: steps.reduce<Record<string, number>>((sum, s) => addCounts(sum, s.counts), {}),
      orgSteps: steps.slice(0, ORG_STEPS_SHOWN).map((s) => {
        const took = span(s.startedAt, s.finishedAt);
        return {
          orgId: s.orgId,
          status: s.status,
          phase: phases[s.phase]?.name ?? "done",
          checkpoint: s.cursor !== undefined,
          slices: s.slices,
          counts: s.counts,
          ...(s.checkpointAt === undefined ? {} : { checkpointAt: s.checkpointAt }),
          ...(took === undefined ? {} : { durationMs: took }),
          ...(s.skippedReason === undefined ? {} : { skippedReason: s.skippedReason }),
        };
      }),
    });
  }
  return views;
}
