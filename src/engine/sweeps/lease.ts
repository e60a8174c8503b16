import { isExists, isStale, toEngineError } from "../../domain/errors.js";
import { leaseDecision, leasePartition, type LeaseDecision, type SweepKind, type SweepLease } from "../../domain/sweep-run.js";
import type { EngineDeps } from "../deps.js";
import type { Logger, Versioned } from "../ports.js";

// An org's sweep lease: held by one step at a time, renewed at every checkpoint, released when
// the step stops. One run never sweeps an org another run is sweeping; a lease whose holder
// died lapses after PRIVACY_SWEEP_LEASE_SECONDS.

export type LeaseDeps = Pick<EngineDeps, "sweeps" | "config" | "now">;

/** Who asks for the lease: the run, and this one delivery of its message. */
export interface LeaseTaker {
  readonly runId: string;
  readonly owner: string;
}

export interface LeaseTaken {
  readonly decision: LeaseDecision;
  /** Set when the decision is `take`. */
  readonly lease?: Versioned<SweepLease>;
  /** Who holds it otherwise. */
  readonly holder?: SweepLease;
}

const addSeconds = (date: Date, seconds: number) => new Date(date.getTime() + seconds * 1000).toISOString();

/** When a lease taken or renewed now lapses. */
const lapsesAt = (deps: LeaseDeps) => addSeconds(deps.now(), deps.config.PRIVACY_SWEEP_LEASE_SECONDS);

export async function takeLease(deps: LeaseDeps, kind: SweepKind, orgId: string, me: LeaseTaker): Promise<LeaseTaken> {
  for (let attempt = 1; ; attempt += 1) {
    const current = await deps.sweeps.getLease(kind, orgId);
    const decision = leaseDecision(current?.value, me, deps.now());
    if (decision !== "take") return { decision, ...(current === undefined ? {} : { holder: current.value }) };
    const lease: SweepLease = {
      id: orgId,
      runId: leasePartition(kind),
      docType: "lease",
      orgId,
      kind,
      holderRunId: me.runId,
      owner: me.owner,
      expiresAt: lapsesAt(deps),
    };
    try {
      return { decision, lease: await deps.sweeps.putLease(lease, current?.etag) };
    } catch (thrown) {
      const error = toEngineError(thrown);
      // Someone took it between our read and our write: read again and decide again.
      if ((!isStale(error) && !isExists(error)) || attempt >= 3) throw error;
    }
  }
}

/** Renews a lease held; a stale ETag (thrown) means it lapsed and someone took it. */
export function renewLease(deps: LeaseDeps, lease: Versioned<SweepLease>): Promise<Versioned<SweepLease>> {
  return deps.sweeps.putLease({ ...lease.value, expiresAt: lapsesAt(deps) }, lease.etag);
}

/** Lets a lease lapse now; one not released lapses on its own, so a failure is only logged. */
export async function releaseLease(deps: LeaseDeps, lease: Versioned<SweepLease>, log: Logger): Promise<void> {
  try {
    await deps.sweeps.putLease({ ...lease.value, expiresAt: deps.now().toISOString() }, lease.etag);
  } catch (thrown) {
    log.warn("sweep lease not released; it lapses on its own", { runId: lease.value.holderRunId, orgId: lease.value.orgId, error: toEngineError(thrown).code });
  }
}
