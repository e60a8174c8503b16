import { createHash, randomUUID } from "node:crypto";
import { hashedId, signCertificate, type Certificate } from "../domain/certificate.js";
import type { DataMap } from "../domain/data-map.js";
import { batches, coveringHold, planBlobs, planItems, type LegalHold } from "../domain/erasure.js";
import { isStale, toEngineError } from "../domain/errors.js";
import { IDENTIFIER_KINDS } from "../domain/identifiers.js";
import { completeErasure, packageDeleted, type PrivacyRequestRecord } from "../domain/privacy-request.js";
import { isTerminal } from "../domain/lifecycle.js";
import { subjectKey } from "../domain/subject-key.js";
import { ENGINE_VERSION } from "../version.js";
import { mutate } from "./commit.js";
import type { EngineDeps } from "./deps.js";
import { bounded, discoverIntoManifest, dropManifests, failRequest, recordDiscoveryOf, takeRequest, type ChangeDeps, type ManifestDiscoveryDeps, type StepDeps } from "./work.js";
import { discover, rowMatches, type DiscoveryPorts } from "./discovery.js";
import type { Logger, ManifestEntry } from "./ports.js";

// The erasure executor: discovery → plan (pure, per page) → execution page by page with a
// checkpoint in the job document after each → verification (a second discovery from every key
// finds nothing but what was kept) → signed certificate. Every step may run twice: deleting a
// missing item is done, anonymising is idempotent, a CSV rewrite removes only the subject's rows.
// A slice of pages runs per work message; the rest continues in a new message.

export interface PlaceTally {
  deleted: number;
  anonymised: number;
  kept: number;
  /** Page digests (SHA-256 of the page's sorted keyed id hashes), in manifest order. */
  digests: string[];
  /** Keyed hashes (certificate key) of the ids handled, up to 1 000: the job holds no raw ids. */
  hashedIds: string[];
}

export interface ErasureJob {
  readonly id: string;
  readonly orgId: string;
  readonly step: "discovery" | "erase" | "verify" | "certify" | "done";
  /** The run whose manifest the job follows; a discovery claims it under the job's ETag. */
  readonly run?: string;
  readonly startedAt: string;
  /** The subject's keys from discovery; dropped when the job is done. */
  readonly keys: Record<string, string[]>;
  /** Keyed hashes of the subject's identifiers, for legal holds. */
  readonly subjectKeys: string[];
  readonly pages: number;
  readonly nextPage: number;
  readonly places: Record<string, PlaceTally>;
  readonly exceptions: Record<string, { count: number; reason: string }>;
  readonly verification?: { remaining: number; checkedAt: string };
}

const HASHED_IDS_LIMIT = 1000;

/** What the erasure executor uses. */
export type ErasureDeps = StepDeps & ManifestDiscoveryDeps & Pick<EngineDeps, "jobs" | "orgs" | "legalHolds" | "itemEraser" | "blobEraser">;

export async function runErasure(deps: ErasureDeps, requestId: string, context: { readonly attempt: number }, log: Logger): Promise<void> {
  const request = await takeRequest(deps, requestId, () => executor, log);
  if (request.status !== "in-progress") {
    // A request that ended (certified, failed, cancelled) closes its job: the subject's keys go,
    // also when the process died between the certificate and the job's last checkpoint.
    if (isTerminal(request.status)) await closeJob(deps, requestId);
    return;
  }
  let step: string = "discovery";
  /** The job's ETag as this run last wrote or read it. */
  let lastSeenJob: string | undefined;
  const seen = <T extends { etag: string }>(versioned: T): T => {
    lastSeenJob = versioned.etag;
    return versioned;
  };
  try {
    const found = (await deps.jobs.get(requestId)) ?? (await deps.jobs.create(newJob(request, deps.now()))) ?? (await deps.jobs.get(requestId));
    if (found === undefined) throw new Error("erasure job could not be read or created");
    let job = seen(found);
    const ports: DiscoveryPorts = { items: deps.platformItems, blobs: deps.blobSource, resolve: deps.resolve };
    const org = await deps.orgs.get(request.orgId);
    const options = { pageSize: deps.config.PRIVACY_DISCOVERY_PAGE_SIZE, ...(org?.defaultCountry === undefined ? {} : { defaultCountry: org.defaultCountry }) };

    if (job.value.step === "discovery") {
      // Claim this discovery: a duplicate message that claims later wins, and this run then stops
      // at its next checkpoint (stale ETag) without touching the other's manifest.
      const run = randomUUID();
      job = seen(await deps.jobs.replace({ ...job.value, run }, job.etag));
      const { result, pages } = await discoverIntoManifest(deps, request, run, options.defaultCountry);
      const subjectKeys = IDENTIFIER_KINDS.flatMap((kind) => (result.keys[kind] ?? []).map((value) => subjectKey(deps.config.PRIVACY_SUBJECT_KEY_SECRET, request.orgId, kind, value)));
      job = seen(await deps.jobs.replace({ ...job.value, step: "erase", keys: result.keys, subjectKeys: [...new Set([request.subjectKey, ...subjectKeys])], pages, nextPage: 0 }, job.etag));
      await recordDiscoveryOf(deps, requestId, result, executor, log);
    }

    if (job.value.step === "erase") {
      step = "erase";
      const holds = await deps.legalHolds.forOrg(request.orgId);
      const sliceEnds = Date.now() + deps.config.PRIVACY_ERASURE_SLICE_MS;
      let seq = 0;
      for await (const entry of deps.manifests.list(requestId, job.value.run ?? "")) {
        if (seq < job.value.nextPage) {
          seq += 1;
          continue;
        }
        if (Date.now() > sliceEnds) {
          // Time is up for this message: the rest continues in a new one, from the checkpoint.
          await deps.work.enqueue({ requestId });
          log.info("erasure continues in a new message", { requestId, nextPage: seq });
          return;
        }
        const outcome = await erasePage(deps, deps.dataMap, request, job.value, entry, holds, options.defaultCountry);
        job = seen(await deps.jobs.replace(tally(job.value, entry.name, outcome, seq + 1, deps.config.PRIVACY_CERTIFICATE_KEY), job.etag));
        seq += 1;
      }
      // The subject's earlier access and portability packages are copies of the data: they go too.
      const exports = await deleteEarlierPackages(deps, request, job.value.subjectKeys, log);
      job = seen(await deps.jobs.replace(exports === 0 ? { ...job.value, step: "verify" } : tally({ ...job.value, step: "verify" }, "exports", { deleted: exports, anonymised: 0, kept: [], handled: [] }, job.value.nextPage, deps.config.PRIVACY_CERTIFICATE_KEY), job.etag));
    }

    if (job.value.step === "verify") {
      step = "verify";
      // What may still be found: places kept on purpose (a hold on their category, or the map's
      // keep action). Anything else found again is left over.
      const holds = await deps.legalHolds.forOrg(request.orgId);
      const subjectKeys = new Set(job.value.subjectKeys);
      const keptOnPurpose = (place: string) => {
        const mapping = deps.dataMap.containers.find((m) => m.name === place);
        const category = mapping?.category ?? deps.dataMap.blobs.find((b) => b.name === place)?.category;
        return (
          mapping?.erasure.action === "keep" ||
          (category !== undefined && !inScope(request, category)) ||
          (category !== undefined && coveringHold(holds, subjectKeys, category, deps.now()) !== undefined)
        );
      };
      let remaining = 0;
      await discover(deps.dataMap, request.orgId, job.value.keys, ports, options, (entry) => {
        if (!keptOnPurpose(entry.name)) remaining += (entry.ids?.length ?? 0) + (entry.blobs?.length ?? 0) + (entry.rows?.rows.length ?? 0);
        return Promise.resolve();
      });
      job = seen(await deps.jobs.replace({ ...job.value, step: "certify", verification: { remaining, checkedAt: deps.now().toISOString() } }, job.etag));
    }

    if (job.value.step === "certify") {
      step = "certify";
      const certificate = buildCertificate(deps, request, job.value);
      await mutate(deps, requestId, (c) => (c.value.status === "in-progress" ? completeErasure(c.value, certificate, executor, deps.now(), deps.config.PRIVACY_DUE_SOON_DAYS) : undefined), log);
      // The manifest (the subject's item ids and blob paths) goes, then the job with the subject's
      // keys; a crash in between leaves both to the next delivery (takeRequest, closeJob).
      await dropManifests(deps, requestId);
      await closeJob(deps, requestId);
      log.info("erasure certified", { requestId, subjectKey: request.subjectKey, outcome: certificate.outcome, remaining: certificate.verification.remaining });
    }
  } catch (thrown) {
    const error = toEngineError(thrown);
    // Someone else moved the job on (a duplicate message): their run finishes it. A stale item or
    // CSV of the platform (another erasure changed it first) is not that: it is retried below.
    if (isStale(error) && (await jobMovedOn(deps, requestId, lastSeenJob))) {
      log.info("erasure job advanced elsewhere", { requestId, step });
      return;
    }
    log.warn("erasure step failed", { requestId, step, attempt: context.attempt, error: error.code });
    if (context.attempt >= deps.config.PRIVACY_MAX_ATTEMPTS) {
      await failRequest(deps, requestId, { executor, step, error, attempt: context.attempt }, log);
      // Best effort: the original error is what the host must see; a later redelivery closes it.
      await closeJob(deps, requestId).catch((closing: unknown) => {
        log.warn("erasure job not closed yet", { requestId, error: toEngineError(closing).code });
      });
    }
    throw error;
  }
}

/**
 * Whether the job changed (or was closed) since this run last saw it: a duplicate message's run
 * took it over. A job that cannot be read says nothing: the conflict is then a failure to retry.
 */
async function jobMovedOn(deps: Pick<EngineDeps, "jobs">, requestId: string, lastSeen: string | undefined): Promise<boolean> {
  try {
    const current = await deps.jobs.get(requestId);
    return current === undefined || current.etag !== lastSeen;
  } catch {
    return false;
  }
}

/** An erasure limited to some categories (a consent withdrawal's) leaves the others as they are. */
function inScope(request: PrivacyRequestRecord, category: string): boolean {
  return request.categories === undefined || request.categories.includes(category);
}

/** Deletes every blob of the subject's earlier export packages and voids their links; safe to repeat. */
async function deleteEarlierPackages(deps: ChangeDeps & Pick<EngineDeps, "config" | "blobSource" | "blobEraser">, request: PrivacyRequestRecord, subjectKeys: readonly string[], log: Logger): Promise<number> {
  const earlier = await deps.requests.forSubject(request.orgId, subjectKeys, ["access", "portability"]);
  const container = deps.config.PRIVACY_ASSETS_CONTAINER;
  let deleted = 0;
  for (const { value: exported } of earlier) {
    const prefix = `${request.orgId}/exports/${exported.id}/`;
    const names = (await deps.blobSource.listPage(container, prefix, { limit: 256 })).items.map((b) => b.name);
    if (names.length > 0) deleted += (await deps.blobEraser.deleteBatch(container, names)).deleted;
    await mutate(deps, exported.id, (current) => packageDeleted(current.value, deps.now()), log);
  }
  return deleted;
}

/** Marks a job done and drops the subject's keys it held; safe to repeat. */
async function closeJob(deps: Pick<EngineDeps, "jobs">, requestId: string): Promise<void> {
  const job = await deps.jobs.get(requestId);
  if (job === undefined || (job.value.step === "done" && Object.keys(job.value.keys).length === 0)) return;
  await deps.jobs.replace({ ...job.value, step: "done", keys: {} }, job.etag);
}

const executor = "erasure-executor";

function newJob(request: PrivacyRequestRecord, now: Date): ErasureJob {
  return { id: request.id, orgId: request.orgId, step: "discovery", startedAt: now.toISOString(), keys: {}, subjectKeys: [], pages: 0, nextPage: 0, places: {}, exceptions: {} };
}

interface PageOutcome {
  /** A category the request does not erase: the page is passed over and the place not certified. */
  outOfScope?: boolean;
  deleted: number;
  anonymised: number;
  kept: { id: string; reason: string }[];
  handled: string[];
}

/** Runs one manifest page: the pure plan, then its batches with bounded concurrency. */
async function erasePage(
  deps: Pick<EngineDeps, "now" | "config" | "resolve" | "itemEraser" | "blobEraser">,
  map: DataMap,
  request: PrivacyRequestRecord,
  job: ErasureJob,
  entry: ManifestEntry,
  holds: readonly LegalHold[],
  defaultCountry: string | undefined,
): Promise<PageOutcome> {
  const now = deps.now();
  const subjectKeys = new Set(job.subjectKeys);
  const limit = deps.config.PRIVACY_ERASURE_CONCURRENCY;
  const nothing: PageOutcome = { deleted: 0, anonymised: 0, kept: [], handled: [], outOfScope: true };
  if (entry.source === "container") {
    const mapping = map.containers.find((m) => m.name === entry.name);
    if (mapping === undefined) throw new Error(`manifest names an unmapped container ${entry.name}`);
    if (!inScope(request, mapping.category)) return nothing;
    const ids = entry.ids ?? [];
    const plan = planItems(mapping, ids, holds, subjectKeys, now);
    const target = { database: deps.resolve.database(mapping.database), container: mapping.container };
    const deletes = await bounded(batches(plan.delete, 100), limit, (batch) => deps.itemEraser.deleteBatch(target, request.orgId, batch));
    await bounded(plan.anonymise, limit, (item) => deps.itemEraser.patch(target, request.orgId, item.id, item.operations));
    return {
      // Already gone counts as deleted: a repeated page finds what its first run removed.
      deleted: deletes.reduce((n, r) => n + r.deleted + r.missing, 0),
      anonymised: plan.anonymise.length,
      kept: [...plan.keep],
      handled: [...ids],
    };
  }
  const layout = map.blobs.find((b) => b.name === entry.name);
  if (layout === undefined) throw new Error(`manifest names an unmapped blob layout ${entry.name}`);
  if (!inScope(request, layout.category)) return nothing;
  const container = deps.resolve.container(layout.container);
  if (entry.source === "blobs") {
    const names = entry.blobs ?? [];
    const plan = planBlobs(layout, names, holds, subjectKeys, now);
    const results = await bounded(batches(plan.delete, 256), limit, (batch) => deps.blobEraser.deleteBatch(container, batch));
    return { deleted: results.reduce((n, r) => n + r.deleted + r.missing, 0), anonymised: 0, kept: [...plan.keep], handled: [...names] };
  }
  // CSV rows: the file is rewritten without the subject's rows, matched again by their identifiers
  // (not by row number, which a first run would have shifted).
  const blob = entry.rows?.blob;
  if (blob === undefined || layout.content.type !== "csv-rows") return { deleted: 0, anonymised: 0, kept: [], handled: [] };
  const plan = planBlobs(layout, [blob], holds, subjectKeys, now);
  if (plan.keep.length > 0) return { deleted: 0, anonymised: 0, kept: [...plan.keep], handled: [blob] };
  const keys = new Map(Object.entries(job.keys).map(([k, v]) => [k, new Set(v)]));
  const columns = layout.content.columns;
  await deps.blobEraser.rewriteCsv(container, blob, (row) => rowMatches(row, columns, keys, defaultCountry));
  return { deleted: entry.rows?.rows.length ?? 0, anonymised: 0, kept: [], handled: (entry.rows?.rows ?? []).map((r) => `${blob}#${r}`) };
}

function tally(job: ErasureJob, place: string, outcome: PageOutcome, nextPage: number, key: string): ErasureJob {
  if (outcome.outOfScope === true) return { ...job, nextPage };
  const current = job.places[place] ?? { deleted: 0, anonymised: 0, kept: 0, digests: [], hashedIds: [] };
  const hashed = outcome.handled.map((id) => hashedId(key, place, id));
  const digest = createHash("sha256").update([...hashed].sort().join("")).digest("hex");
  const exceptions = { ...job.exceptions };
  for (const kept of outcome.kept) {
    const key = `${place}\u0000${kept.reason}`;
    exceptions[key] = { count: (exceptions[key]?.count ?? 0) + 1, reason: kept.reason };
  }
  return {
    ...job,
    nextPage,
    exceptions,
    places: {
      ...job.places,
      [place]: {
        deleted: current.deleted + outcome.deleted,
        anonymised: current.anonymised + outcome.anonymised,
        kept: current.kept + outcome.kept.length,
        digests: [...current.digests, digest],
        hashedIds: current.hashedIds.length >= HASHED_IDS_LIMIT ? current.hashedIds : [...current.hashedIds, ...hashed].slice(0, HASHED_IDS_LIMIT),
      },
    },
  };
}

function buildCertificate(deps: Pick<EngineDeps, "config" | "now">, request: PrivacyRequestRecord, job: ErasureJob): Certificate {
  const key = deps.config.PRIVACY_CERTIFICATE_KEY;
  const places = Object.fromEntries(
    Object.entries(job.places).map(([place, t]) => [
      place,
      {
        deleted: t.deleted,
        anonymised: t.anonymised,
        kept: t.kept,
        idsDigest: createHash("sha256").update(t.digests.join("")).digest("hex"),
        // The hashes themselves only when they are all there (at most 1 000); the digest always.
        ...(t.hashedIds.length === t.deleted + t.anonymised + t.kept ? { hashedIds: [...t.hashedIds].sort() } : {}),
      },
    ]),
  );
  const exceptions = Object.entries(job.exceptions).map(([k, e]) => ({ place: k.split("\u0000")[0] ?? "", count: e.count, reason: e.reason }));
  const remaining = job.verification?.remaining ?? 0;
  const partial = remaining > 0 || exceptions.length > 0;
  if (remaining > 0) exceptions.push({ place: "verification", count: remaining, reason: "still found after erasure" });
  return signCertificate(key, {
    version: 1,
    requestId: request.id,
    orgId: request.orgId,
    subjectKey: request.subjectKey,
    // A closed set: the retention sweep's erasures say so; any other reason text stays on the request.
    reason: request.type === "child-data" ? "child-data" : request.reason === "retention" ? "retention" : "erasure",
    outcome: partial ? "partially-erased" : "erased",
    ...(request.categories === undefined ? {} : { categories: [...request.categories] }),
    places,
    exceptions,
    verification: { remaining, checkedAt: job.verification?.checkedAt ?? deps.now().toISOString() },
    startedAt: job.startedAt,
    finishedAt: deps.now().toISOString(),
    engineVersion: ENGINE_VERSION,
  });
}
