import { randomUUID } from "node:crypto";
import { isStale, toEngineError } from "../../domain/errors.js";
import { addCounts, type SweepLease } from "../../domain/sweep-run.js";
import type { EngineDeps } from "../deps.js";
import type { Logger, SweepWorkMessage, Versioned } from "../ports.js";
import { releaseLease, renewLease, takeLease, type LeaseDeps } from "./lease.js";
import { runPage, type PageDeps } from "./pages/run-page.js";
import { phasesOf } from "./phases.js";
import { orgContext, type OrgContextDeps } from "./policy.js";

// One org's step of a run, as one work message carries it: under the org's lease, from the
// step's checkpoint, page after page, for one slice of time (PRIVACY_SWEEP_SLICE_MS); what is
// left continues in a new message. Every page's effects are idempotent, so a page run again
// after a crash changes nothing twice.

export type SweepStepDeps = PageDeps & LeaseDeps & OrgContextDeps & Pick<EngineDeps, "sweeps" | "work">;

/** Runs one org's step of a run, from its checkpoint, for one slice of time. */
export async function runSweepStep(deps: SweepStepDeps, message: SweepWorkMessage, log: Logger): Promise<void> {
  const { sweep: kind, runId, orgId } = message;
  let step = await deps.sweeps.getStep(runId, orgId);
  if (step === undefined) {
    log.warn("sweep message for an unknown step dropped", { runId, orgId });
    return;
  }
  if (step.value.status === "done" || step.value.status === "skipped") return;
  const taken = await takeLease(deps, kind, orgId, { runId, owner: `${runId}/${randomUUID()}` });
  if (taken.decision === "held-by-another-run") {
    // Another run sweeps this org right now; it covers what this run would do.
    await deps.sweeps.replaceStep({ ...step.value, status: "skipped", skippedReason: `run ${taken.holder?.holderRunId ?? "?"} was sweeping this org`, finishedAt: deps.now().toISOString() }, step.etag);
    log.info("sweep step skipped: another run holds the org", { runId, orgId, holder: taken.holder?.holderRunId });
    return;
  }
  if (taken.decision === "busy-in-this-run" || taken.lease === undefined) {
    // A copy of this message (or a holder that died) has the lease: try again once it lapses.
    const wait = Math.max(1, Math.ceil((Date.parse(taken.holder?.expiresAt ?? "") - deps.now().getTime()) / 1000) + 1);
    await deps.work.enqueue(message, { delaySeconds: Math.min(wait, deps.config.PRIVACY_SWEEP_LEASE_SECONDS + 1) });
    log.info("sweep step busy elsewhere; retried later", { runId, orgId, delaySeconds: wait });
    return;
  }
  let lease: Versioned<SweepLease> = taken.lease;
  try {
    const startedAt = step.value.startedAt ?? deps.now().toISOString();
    step = await deps.sweeps.replaceStep({ ...step.value, status: "running", startedAt, slices: step.value.slices + 1 }, step.etag);
    const ctx = await orgContext(deps, orgId);
    const phases = ctx === undefined ? [] : phasesOf(deps.dataMap, kind);
    const sliceEnds = Date.now() + deps.config.PRIVACY_SWEEP_SLICE_MS;
    while (ctx !== undefined && step.value.phase < phases.length) {
      const phase = phases[step.value.phase];
      if (phase === undefined) break;
      if (Date.now() > sliceEnds) {
        await deps.work.enqueue(message);
        log.info("sweep step continues in a new message", { runId, orgId, phase: phase.name });
        await releaseLease(deps, lease, log);
        return;
      }
      const result = await runPage(deps, ctx, phase, step.value.cursor, true, runId, log);
      const { cursor: _previous, ...rest } = step.value;
      step = await deps.sweeps.replaceStep(
        {
          ...rest,
          phase: result.cursor === undefined ? step.value.phase + 1 : step.value.phase,
          ...(result.cursor === undefined ? {} : { cursor: result.cursor }),
          counts: addCounts(step.value.counts, result.counts),
          checkpointAt: deps.now().toISOString(),
        },
        step.etag,
      );
      // Renewed at every checkpoint; a stale ETag means the lease lapsed and someone took it.
      lease = await renewLease(deps, lease);
    }
    const { cursor: _done, ...finished } = step.value;
    step = await deps.sweeps.replaceStep({ ...finished, status: "done", finishedAt: deps.now().toISOString(), ...(ctx === undefined ? { skippedReason: "org not found" } : {}) }, step.etag);
    await releaseLease(deps, lease, log);
    log.info("sweep step done", { runId, orgId, kind, ...step.value.counts });
  } catch (thrown) {
    const error = toEngineError(thrown);
    if (isStale(error)) {
      log.info("sweep step advanced elsewhere", { runId, orgId });
      return;
    }
    log.warn("sweep step failed; it continues from its checkpoint", { runId, orgId, error: error.code });
    await releaseLease(deps, lease, log);
    throw error;
  }
}
