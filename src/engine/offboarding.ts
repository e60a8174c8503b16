import { createHash } from "node:crypto";
import { signCertificate } from "../domain/certificate.js";
import { batches } from "../domain/erasure.js";
import { utcDate } from "../domain/deadlines.js";
import { isStale, toEngineError } from "../domain/errors.js";
import { completeErasure } from "../domain/privacy-request.js";
import type { Runtime } from "../runtime.js";
import { ENGINE_VERSION } from "../version.js";
import { mutate } from "./commit.js";
import { failRequest, takeRequest } from "./work.js";
import type { ErasureJob } from "./erasure.js";
import type { Logger } from "./ports.js";

/**
 * Org offboarding: every item of every mapped container in the org's partition, and every blob
 * under `{orgId}/` in the mapped blob containers, is deleted; other orgs are untouched (every
 * call is scoped to the org's partition or prefix). One unit (a container) per checkpoint; each
 * unit deletes its first page again and again until none is left, so a rerun simply continues.
 * The engine's own records of the org's requests (and their audit) are kept.
 */
type Unit = { kind: "container"; name: string; database: string; container: string; orgField: string; category: string } | { kind: "blobs"; name: string; container: string; categories: string[] };

function unitsOf(rt: Runtime): Unit[] {
  const containers = new Map<string, Unit>();
  for (const m of rt.dataMap.containers) {
    const database = rt.resolve.database(m.database);
    containers.set(`${database}/${m.container}`, { kind: "container", name: m.name, database, container: m.container, orgField: m.orgField, category: m.category });
  }
  for (const b of rt.dataMap.blobs) {
    const container = rt.resolve.container(b.container);
    const existing = containers.get(`blob:${container}`);
    const categories = existing?.kind === "blobs" ? [...existing.categories, b.category] : [b.category];
    containers.set(`blob:${container}`, { kind: "blobs", name: `blobs:${b.container}`, container, categories });
  }
  return [...containers.values()];
}

const executor = "offboarding-executor";

export async function runOrgOffboarding(rt: Runtime, requestId: string, context: { readonly attempt: number }, log: Logger): Promise<void> {
  const request = await takeRequest(rt, requestId, () => executor, log);
  if (request.status !== "in-progress") return;
  const orgId = request.orgId;
  const units = unitsOf(rt);
  let step = "erase";
  try {
    const fresh: ErasureJob = { id: requestId, orgId, step: "erase", startedAt: rt.now().toISOString(), keys: {}, subjectKeys: [], pages: units.length, nextPage: 0, places: {}, exceptions: {} };
    let job = (await rt.jobs.get(requestId)) ?? (await rt.jobs.create(fresh)) ?? (await rt.jobs.get(requestId));
    if (job === undefined) throw new Error("offboarding job could not be read or created");
    // A hold in force keeps its category whole: bulk deletes cannot pick out one person's items.
    const holds = await rt.legalHolds.forOrg(orgId);
    const heldBy = (unit: Unit) => {
      const categories = unit.kind === "container" ? [unit.category] : unit.categories;
      return holds.find((h) => (h.until === undefined || h.until >= utcDate(rt.now())) && (h.category === undefined || categories.includes(h.category)));
    };
    for (let index = job.value.nextPage; job.value.step === "erase" && index < units.length; index += 1) {
      const unit = units[index];
      if (unit === undefined) break;
      const hold = heldBy(unit);
      const deleted = hold !== undefined ? 0 : unit.kind === "container" ? await deleteItems(rt, unit, orgId) : await deleteBlobs(rt, unit.container, orgId);
      const prior = job.value.places[unit.name];
      job = await rt.jobs.replace(
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
    if (job.value.step === "erase") job = await rt.jobs.replace({ ...job.value, step: "verify" }, job.etag);
    if (job.value.step === "verify") {
      step = "verify";
      let remaining = 0;
      for (const unit of units) {
        if (job.value.exceptions[unit.name] !== undefined) continue; // held: kept on purpose
        if (unit.kind === "container") remaining += (await rt.itemEraser.idsPage(unit, orgId, { limit: 100 })).items.length;
        else remaining += (await rt.blobSource.listPage(unit.container, `${orgId}/`, { limit: 100 })).items.length;
      }
      job = await rt.jobs.replace({ ...job.value, step: "certify", verification: { remaining, checkedAt: rt.now().toISOString() } }, job.etag);
    }
    if (job.value.step === "certify") {
      step = "certify";
      const remaining = job.value.verification?.remaining ?? 0;
      const certificate = signCertificate(rt.settings.PRIVACY_CERTIFICATE_KEY, {
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
        verification: { remaining, checkedAt: job.value.verification?.checkedAt ?? rt.now().toISOString() },
        startedAt: job.value.startedAt,
        finishedAt: rt.now().toISOString(),
        engineVersion: ENGINE_VERSION,
      });
      await mutate(rt, requestId, (c) => (c.value.status === "in-progress" ? completeErasure(c.value, certificate, executor, rt.now(), rt.settings.PRIVACY_DUE_SOON_DAYS) : undefined), log);
      await rt.jobs.replace({ ...job.value, step: "done" }, job.etag);
      log.info("org offboarded", { requestId, orgId, remaining });
    }
  } catch (thrown) {
    const error = toEngineError(thrown);
    if (isStale(error)) return;
    log.warn("offboarding step failed", { requestId, step, attempt: context.attempt, error: error.code });
    if (context.attempt >= rt.settings.PRIVACY_MAX_ATTEMPTS) {
      await failRequest(rt, requestId, { executor, step, error, attempt: context.attempt }, log);
    }
    throw error;
  }
}

/** Deletes the org's partition: in one call where the account supports it, else first page by first page in bulk. */
async function deleteItems(rt: Runtime, unit: { database: string; container: string; orgField: string }, orgId: string): Promise<number> {
  if (rt.settings.PRIVACY_COSMOS_DELETE_BY_PARTITION) {
    await rt.itemEraser.deletePartition(unit, orgId);
    return 0; // the service does not report a count for a partition delete
  }
  let deleted = 0;
  for (;;) {
    const page = await rt.itemEraser.idsPage(unit, orgId, { limit: 1000 });
    if (page.items.length === 0) return deleted;
    for (const batch of batches(page.items, 100)) {
      const result = await rt.itemEraser.deleteBatch(unit, orgId, batch);
      deleted += result.deleted;
    }
  }
}

async function deleteBlobs(rt: Runtime, container: string, orgId: string): Promise<number> {
  let deleted = 0;
  for (;;) {
    const page = await rt.blobSource.listPage(container, `${orgId}/`, { limit: 5000 });
    if (page.items.length === 0) return deleted;
    for (const batch of batches(page.items.map((b) => b.name), 256)) {
      const result = await rt.blobEraser.deleteBatch(container, batch);
      deleted += result.deleted;
    }
  }
}
