import { randomUUID } from "node:crypto";
import { mayActOnOrg, type Authorized } from "../../domain/access.js";
import { stepId, type SweepKind, type SweepRun } from "../../domain/sweep-run.js";
import type { EngineDeps } from "../deps.js";
import type { Logger } from "../ports.js";
import { orgNotFound } from "./policy.js";

// Starting a run: a run document, then one step and one work message per org, the fan-out the
// work queue carries to `runSweepStep` (step.ts). A timer starts a run over every org; a person
// starts one over one org.

export type SweepTrigger = { readonly kind: "timer" } | { readonly kind: "on-demand"; readonly by: string; readonly orgId: string };

export type StartSweepDeps = Pick<EngineDeps, "orgs" | "sweeps" | "work" | "now">;

/** Starts a run: one step and one work message per org (every org, or the one asked for). */
export async function startSweep(deps: StartSweepDeps, kind: SweepKind, trigger: SweepTrigger, log: Logger): Promise<SweepRun> {
  const now = deps.now();
  const runId = `${kind}-${now.toISOString().replace(/[-:.]/g, "")}-${randomUUID().slice(0, 8)}`;
  const orgIds: string[] = [];
  if (trigger.kind === "on-demand") orgIds.push(trigger.orgId);
  else {
    let token: string | undefined;
    do {
      const page = await deps.orgs.idsPage({ limit: 500, ...(token === undefined ? {} : { continuationToken: token }) });
      orgIds.push(...page.items);
      token = page.continuationToken;
    } while (token !== undefined);
  }
  const run: SweepRun = {
    id: runId,
    runId,
    docType: "run",
    kind,
    trigger: trigger.kind,
    startedAt: now.toISOString(),
    orgs: orgIds.length,
    ...(trigger.kind === "on-demand" ? { by: trigger.by } : {}),
  };
  await deps.sweeps.createRun(run);
  for (const orgId of orgIds) {
    await deps.sweeps.createStep({ id: stepId(orgId), runId, docType: "step", kind, orgId, status: "pending", phase: 0, counts: {}, slices: 0 });
    await deps.work.enqueue({ sweep: kind, runId, orgId });
  }
  log.info("sweep started", { runId, kind, trigger: trigger.kind, orgs: orgIds.length });
  return run;
}

/** Starts a sweep of one org now (the children's sweep on demand, or a retention run). */
export async function sweepOrgNow(deps: StartSweepDeps, caller: Authorized<"sweep:run">, kind: SweepKind, orgId: string, log: Logger): Promise<SweepRun> {
  if (!mayActOnOrg(caller, orgId) || (await deps.orgs.get(orgId)) === undefined) throw orgNotFound();
  return startSweep(deps, kind, { kind: "on-demand", by: caller.id, orgId }, log);
}
