import { createHash } from "node:crypto";
import { signCertificate } from "../domain/certificate.js";
import { batches } from "../domain/erasure.js";
import { utcDate } from "../domain/deadlines.js";
import { isStale, toEngineError } from "../domain/errors.js";
import { completeErasure } from "../domain/privacy-request.js";
import { ENGINE_VERSION } from "../version.js";
import { mutate } from "./commit.js";
import type { EngineDeps } from "./deps.js";
import { failRequest, takeRequest, type StepDeps } from "./work.js";
import type { ErasureJob } from "./erasure.js";
import type { Logger } from "./ports.js";

// Org offboarding: every item of every mapped container in the org's partition, and every blob
// under `{orgId}/` in the mapped blob containers, is deleted; other orgs are untouched (every
// call is scoped to the org's partition or prefix). One unit (a container) per checkpoint; each
// unit deletes its first page again and again until none is left, so a rerun simply continues.
// The engine's own records of the org's requests (and their audit) are kept.

type Unit = { kind: "container"; name: string; database: string; container: string; orgField: string; category: string } | { kind: "blobs"; name: string; container: string; categories: string[] };

function unitsOf(deps: Pick<EngineDeps, "dataMap" | "resolve">): Unit[] {
  const containers = new Map<string, Unit>();
  for (const m of deps.dataMap.containers) {
    const database = deps.resolve.database(m.database);
    containers.set(`${database}/${m.container}`, { kind: "container", name: m.name, database, container: m.container, orgField: m.orgField, category: m.category });
  }
  for (const b of deps.dataMap.blobs) {
    const container = deps.resolve.container(b.container);
    const existing = containers.get(`blob:${container}`);
    const categories = existing?.kind === "blobs" ? [...existing.categories, b.category] : [b.category];
    containers.set(`blob:${container}`, { kind: "blobs", name: `blobs:${b.container}`, container, categories });
  }
  return [...containers.values()];
}

const executor = "offboarding-executor";

/** What the org offboarding executor uses. */
export type OffboardingDeps = StepDeps & Pick<EngineDeps, "dataMap" | "resolve" | "jobs" | "legalHolds" | "itemEraser" | "blobSource" | "blobEraser">;

export async function runOrgOffboarding(deps: OffboardingDeps, requestId: string, context: { readonly attempt: number }, log: Logger): Promise<void> {
  const request = await takeRequest(deps, requestId, () => executor, log);
  if (request.status !== "in-progress") return;
  const orgId = request.orgId;
  const units = unitsOf(deps);
  let step = "erase";
  try {
    const fresh: ErasureJob = { id: requestId, orgId, step: "erase", startedAt: deps.now().toISOString(), keys: {}, subjectKeys: [], pages: units.length, nextPage: 0, places: {}, exceptions: {} };
    let job = (await deps.jobs.get(requestId)) ?? (await deps.jobs.create(fresh)) ?? (await deps.jobs.get(requestId));
    if (job === undefined) throw new Error("offboarding job could not be read or created");
    // A hold in force keeps its category whole: bulk deletes cannot pick out one person's items.
    const holds = await deps.legalHolds.forOrg(orgId);
    const heldBy = (unit: Unit) => {
      const categories = unit.kind === "container" ? [unit.category] : unit.categories;
      return holds.find((h) => (h.until === undefined || h.until >= utcDate(deps.now())) && (h.category === undefined || categories.includes(h.category)));
    };
    for (let index = job.value.nextPage; job.value.step === "erase" && index < units.length; index += 1) {
      const unit = units[index];
      if (unit === undefined) break;
      const hold = heldBy(unit);
      const deleted = hold !== undefined ? 0 : unit.kind === "container" ? await deleteItems(deps, unit, orgId) : await deleteBlobs(deps, unit.container, orgId);
      const prior = job.value.places[unit.name];
      job = await deps.jobs.replace(
        {
          ...job.value,
          nextPage: index + 1,
          places: {
            ...job.value.places,
            [unit.name]: { deleted: (prior?.deleted ?? 0) + deleted, anonymised: 0, kept: 0, digests: [], hashedIds: [] },
          },
          exceptions: hold === undefined ? job.value.exceptions : { ...job.value.exceptions, [unit.name]: { count: 0, reason: `legal hold: ${hold.reason}` } },
        },
        job.etag,
      );
    }
    if (job.value.step === "erase") job = await deps.jobs.replace({ ...job.value, step: "verify" }, job.etag);
    if (job.value.step === "verify") {
      step = "verify";
      let remaining = 0;
      for (const unit of units) {
        if (job.value.exceptions[unit.name] !== undefined) continue; // held: kept on purpose
        if (unit.kind === "container") remaining += (await deps.itemEraser.idsPage(unit, orgId, { limit: 100 })).items.length;
        else remaining += (await deps.blobSource.listPage(unit.container, `${orgId}/`, { limit: 100 })).items.length;
      }
      job = await deps.jobs.replace({ ...job.value, step: "certify", verification: { remaining, checkedAt: deps.now().toISOString() } }, job.etag);
    }
    if (job.value.step === "certify") {
      step = "certify";
      const remaining = job.value.verification?.remaining ?? 0;
      const certificate = signCertificate(deps.config.PRIVACY_CERTIFICATE_KEY, {
        version: 1,
        requestId,
        orgId,
        subjectKey: request.subjectKey,
        reason: "org-offboarding",
        outcome: remaining === 0 && Object.keys(job.value.exceptions).length === 0 ? "erased" : "partially-erased",
        places: Object.fromEntries(
          Object.entries(job.value.places).map(([place, t]) => [place, { deleted: t.deleted, anonymised: 0, kept: 0, idsDigest: createHash("sha256").update(`${place}:${t.deleted}`).digest("hex") }]),
        ),
        exceptions: [
          ...Object.entries(job.value.exceptions).map(([place, e]) => ({ place, count: e.count, reason: e.reason })),
          ...(remaining === 0 ? [] : [{ place: "verification", count: remaining, reason: "still found after offboarding" }]),
        ],
        verification: { remaining, checkedAt: job.value.verification?.checkedAt ?? deps.now().toISOString() },
        startedAt: job.value.startedAt,
        finishedAt: deps.now().toISOString(),
        engineVersion: ENGINE_VERSION,
      });
      await mutate(deps, requestId, (c) => (c.value.status === "in-progress" ? completeErasure(c.value, certificate, executor, deps.now(), deps.config.PRIVACY_DUE_SOON_DAYS) : undefined), log);
      await deps.jobs.replace({ ...job.value, step: "done" }, job.etag);
      log.info("org offboarded", { requestId, orgId, remaining });
    }
  } catch (thrown) {
    const error = toEngineError(thrown);
    if (isStale(error)) return;
    log.warn("offboarding step failed", { requestId, step, attempt: context.attempt, error: error.code });
    if (context.attempt >= deps.config.PRIVACY_MAX_ATTEMPTS) {
      await failRequest(deps, requestId, { executor, step, error, attempt: context.attempt }, log);
    }
    throw error;
  }
}

/** Deletes the org's partition: in one call where the account supports it, else first page by first page in bulk. */
async function deleteItems(deps: Pick<EngineDeps, "config" | "itemEraser">, unit: { database: string; container: string; orgField: string }, orgId: string): Promise<number> {
  if (deps.config.PRIVACY_COSMOS_DELETE_BY_PARTITION) {
    await deps.itemEraser.deletePartition(unit, orgId);
    return 0; // the service does not report a count for a partition delete
  }
  let deleted = 0;
  for (;;) {
    const page = await deps.itemEraser.idsPage(unit, orgId, { limit: 1000 });
    if (page.items.length === 0) return deleted;
    for (const batch of batches(page.items, 100)) {
      const result = await deps.itemEraser.deleteBatch(unit, orgId, batch);
      deleted += result.deleted;
    }
  }
}

async function deleteBlobs(deps: Pick<EngineDeps, "blobSource" | "blobEraser">, container: string, orgId: string): Promise<number> {
  let deleted = 0;
  for (;;) {
    const page = await deps.blobSource.listPage(container, `${orgId}/`, { limit: 5000 });
    if (page.items.length === 0) return deleted;
    for (const batch of batches(page.items.map((b) => b.name), 256)) {
      const result = await deps.blobEraser.deleteBatch(container, batch);
      deleted += result.deleted;
    }
  }
}
