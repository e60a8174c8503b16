import { randomUUID } from "node:crypto";
import { toEngineError, type EngineError } from "../domain/errors.js";
import { IDENTIFIER_KINDS, type IdentifierKind } from "../domain/identifiers.js";
import { isTerminal } from "../domain/lifecycle.js";
import { awaitExecutor, claimRun, completeWork, failWork, recordDiscovery, startWork, type PrivacyRequestRecord } from "../domain/privacy-request.js";
import type { ContainerMapping } from "../domain/data-map.js";
import { subjectKey } from "../domain/subject-key.js";
import { discover, type DiscoveryResult } from "./discovery.js";
import type { RequestType } from "../domain/request.js";
import type { Runtime } from "../runtime.js";
import { mutate } from "./commit.js";
import type { Logger, ManifestEntry } from "./ports.js";

/** An executor runs one request type's work; a type without one (only in tests) stays queued and says why. */
export type Executor = (rt: Runtime, requestId: string, context: { readonly attempt: number }, log: Logger) => Promise<void>;

export async function processWorkItem(
  rt: Runtime,
  requestId: string,
  executors: Readonly<Partial<Record<RequestType, Executor>>>,
  context: { readonly attempt: number },
  log: Logger,
): Promise<void> {
  const request = await rt.requests.get(requestId);
  if (request === undefined) {
    log.warn("work item for an unknown request dropped", { requestId });
    return;
  }
  const executor = executors[request.value.type];
  if (executor !== undefined) {
    await executor(rt, requestId, context, log);
    return;
  }
  await mutate(rt, requestId, (current) => awaitExecutor(current.value, rt.now()), log);
  log.info("request waits for an executor", { requestId, type: request.value.type });
}

/**
 * An executor takes its request: a queued one moves to in-progress; a redelivered one that is
 * already in progress is resumed as it is. Returns the request as it now stands.
 */
export async function takeRequest(rt: Runtime, requestId: string, executorOf: (request: PrivacyRequestRecord) => string, log: Logger): Promise<PrivacyRequestRecord> {
  const saved = await mutate(rt, requestId, (current) => (current.value.status === "queued" ? startWork(current.value, executorOf(current.value), rt.now(), rt.settings.PRIVACY_DUE_SOON_DAYS) : undefined), log);
  // A request that ended while its manifest stayed (a crash before the removal, a duplicate's
  // pages): this delivery removes it.
  if (isTerminal(saved.value.status)) await dropManifests(rt, requestId);
  return saved.value;
}

/**
 * Removes a finished request's manifests (all its runs, or only `run`): they list the subject's
 * item ids and blob paths and must not outlive the request. Safe to repeat.
 */
export async function dropManifests(rt: Runtime, requestId: string, run?: string): Promise<void> {
  await rt.manifests.remove(requestId, run);
}

/** A step that kept failing: the request fails with the step and the reason (a caller's mistake in its own words). */
export async function failRequest(
  rt: Runtime,
  requestId: string,
  failure: { readonly executor: string; readonly step: string; readonly error: EngineError; readonly attempt: number },
  log: Logger,
): Promise<void> {
  const { executor, step, error, attempt } = failure;
  const reason = error.isCallerFault ? error.message : `${error.code}: ${error.reason}`;
  await mutate(rt, requestId, (c) => failWork(c.value, { step, reason, at: rt.now().toISOString(), attempts: attempt }, executor, rt.now(), rt.settings.PRIVACY_DUE_SOON_DAYS), log);
  // Best effort: the step's error is what the host must see; a later delivery removes the rest.
  await dropManifests(rt, requestId).catch((removing: unknown) => {
    log.warn("manifest of a failed request not removed yet", { requestId, error: toEngineError(removing).code });
  });
}

/**
 * Discovery for a request, its manifest written page by page under `run` (each run its own, so
 * two copies of a message never mix). Resolves to the result and the number of manifest pages.
 */
export async function discoverIntoManifest(
  rt: Runtime,
  request: PrivacyRequestRecord,
  run: string,
  defaultCountry: string | undefined,
): Promise<{ result: DiscoveryResult; pages: number }> {
  let pages = 0;
  const result = await discover(
    rt.dataMap,
    request.orgId,
    request.subject,
    { items: rt.platformItems, blobs: rt.blobSource, resolve: rt.resolve },
    { pageSize: rt.settings.PRIVACY_DISCOVERY_PAGE_SIZE, ...(defaultCountry === undefined ? {} : { defaultCountry }) },
    (entry) => rt.manifests.write(request.id, run, pages++, entry),
  );
  return { result, pages };
}

/** Records discovery's counts on the request (the request shows what the manifest holds). */
export async function recordDiscoveryOf(rt: Runtime, requestId: string, result: DiscoveryResult, executor: string, log: Logger): Promise<void> {
  const now = rt.now();
  const summary = {
    items: result.items,
    blobs: result.blobs,
    csvRows: result.csvRows,
    keys: Object.fromEntries(Object.entries(result.keys).map(([k, v]) => [k, v.length])),
    completedAt: now.toISOString(),
  };
  await mutate(rt, requestId, (c) => recordDiscovery(c.value, summary, executor, now), log);
}

/** The subject's identifier keys (keyed hashes) by kind, from discovery: the registry's entry ids. */
export function keysByKind(rt: Runtime, request: PrivacyRequestRecord, keys: Readonly<Record<string, readonly string[]>>): Record<IdentifierKind, string[]> {
  const secret = rt.settings.PRIVACY_SUBJECT_KEY_SECRET;
  return Object.fromEntries(
    IDENTIFIER_KINDS.map((kind) => {
      const found = [...(keys[kind] ?? []), ...(request.subject[kind] === undefined ? [] : [request.subject[kind]])];
      return [kind, [...new Set(found.map((value) => subjectKey(secret, request.orgId, kind, value)))].sort()];
    }),
  ) as Record<IdentifierKind, string[]>;
}

/**
 * The manifest an executor that changes items follows (rectification, restriction). The first
 * delivery to finish discovery claims its run on the request; any later delivery reuses it, so a
 * rerun after a crash works through the same items, even once a rectified phone no longer finds them.
 */
export async function claimedManifest(
  rt: Runtime,
  request: PrivacyRequestRecord,
  executor: string,
  defaultCountry: string | undefined,
  log: Logger,
): Promise<{ run: string; keys: Readonly<Record<IdentifierKind, readonly string[]>>; request: PrivacyRequestRecord }> {
  // With the request as it now stands (its discovery summary included).
  const claimed = (r: PrivacyRequestRecord) => (r.progress?.run === undefined || r.progress.subjectKeys === undefined ? undefined : { run: r.progress.run, keys: r.progress.subjectKeys, request: r });
  const existing = claimed(request);
  if (existing !== undefined) return existing;
  const run = randomUUID();
  const { result } = await discoverIntoManifest(rt, request, run, defaultCountry);
  await recordDiscoveryOf(rt, request.id, result, executor, log);
  const keys = keysByKind(rt, request, result.keys);
  const saved = await mutate(rt, request.id, (c) => claimRun(c.value, run, keys, rt.now()), log);
  const winner = claimed(saved.value);
  if (winner === undefined) throw new Error("discovery run was not recorded");
  return winner;
}

/** Runs `work` over items with at most `limit` in flight. */
export async function bounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  });
  await Promise.all(lanes);
  return results;
}

/**
 * Runs an executor's steps: a fault is retried by the queue and fails the request on the last
 * delivery; a caller's mistake (a change the map no longer allows) cannot succeed later and fails
 * it at once.
 */
export async function runSteps(
  rt: Runtime,
  requestId: string,
  executor: string,
  context: { readonly attempt: number },
  log: Logger,
  steps: (at: (step: string) => void) => Promise<void>,
): Promise<void> {
  let step = "discovery";
  try {
    await steps((next) => {
      step = next;
    });
  } catch (thrown) {
    const error = toEngineError(thrown);
    log.warn("executor step failed", { requestId, executor, step, attempt: context.attempt, error: error.code });
    if (error.isCallerFault && error.code !== "conflict") {
      await failRequest(rt, requestId, { executor, step, error, attempt: context.attempt }, log);
      return;
    }
    if (context.attempt >= rt.settings.PRIVACY_MAX_ATTEMPTS) await failRequest(rt, requestId, { executor, step, error, attempt: context.attempt }, log);
    throw error;
  }
}

/**
 * Runs `visit` for every item of the manifest's container pages (mapped containers only), with
 * the mapping and its resolved target, at most PRIVACY_ERASURE_CONCURRENCY at a time per page.
 */
export async function forEachManifestItem(
  rt: Runtime,
  manifest: AsyncIterable<ManifestEntry>,
  visit: (mapping: ContainerMapping, target: { readonly database: string; readonly container: string; readonly orgField: string }, id: string) => Promise<void>,
): Promise<void> {
  for await (const entry of manifest) {
    if (entry.source !== "container") continue;
    const mapping = rt.dataMap.containers.find((m) => m.name === entry.name);
    if (mapping === undefined) continue;
    const target = { database: rt.resolve.database(mapping.database), container: mapping.container, orgField: mapping.orgField };
    await bounded(entry.ids ?? [], rt.settings.PRIVACY_ERASURE_CONCURRENCY, (id) => visit(mapping, target, id));
  }
}

/** Completes a rectification, restriction or suppression with what it did (see completeWork). */
export async function completeWith(rt: Runtime, requestId: string, executor: string, outcome: Parameters<typeof completeWork>[1], log: Logger): Promise<void> {
  await mutate(rt, requestId, (c) => completeWork(c.value, outcome, executor, rt.now(), rt.settings.PRIVACY_DUE_SOON_DAYS), log);
  await dropManifests(rt, requestId);
}
