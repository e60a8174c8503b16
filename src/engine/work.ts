import { randomUUID } from "node:crypto";
import { toEngineError, type EngineError } from "../domain/errors.js";
import { IDENTIFIER_KINDS, type IdentifierKind } from "../domain/identifiers.js";
import { isTerminal } from "../domain/lifecycle.js";
import { awaitExecutor, claimRun, completeWork, failWork, recordDiscovery, startWork, type PrivacyRequestRecord } from "../domain/privacy-request.js";
import type { ContainerMapping } from "../domain/data-map.js";
import { subjectKey } from "../domain/subject-key.js";
import { discover, type DiscoveryResult } from "./discovery.js";
import type { RequestType } from "../domain/request.js";
import { mutate, type CommitDeps } from "./commit.js";
import type { EngineDeps } from "./deps.js";
import type { Logger, ManifestEntry } from "./ports.js";

/** A change to a request through `mutate` (its stores) at the clock's time. */
export type ChangeDeps = CommitDeps & Pick<EngineDeps, "now">;

/** An executor's steps on its request: taking it, failing it, completing it; its manifests go with it. */
export type StepDeps = CommitDeps & Pick<EngineDeps, "now" | "config" | "manifests">;

/** Discovery of a request's subject, written into a manifest. */
export type ManifestDiscoveryDeps = Pick<EngineDeps, "dataMap" | "platformItems" | "blobSource" | "resolve" | "config" | "manifests">;

/** What every executor together may use (export, erasure, offboarding, rectification, restriction, suppression). */
export type ExecutorDeps = Pick<
  EngineDeps,
  | "config"
  | "dataMap"
  | "now"
  | "resolve"
  | "platformItems"
  | "blobSource"
  | "manifests"
  | "packages"
  | "jobs"
  | "legalHolds"
  | "registry"
  | "itemUpdater"
  | "itemEraser"
  | "blobEraser"
  | "requests"
  | "audit"
  | "outbox"
  | "work"
  | "orgs"
>;

/** An executor runs one request type's work; a type without one (only in tests) stays queued and says why. */
export type Executor = (deps: ExecutorDeps, requestId: string, context: { readonly attempt: number }, log: Logger) => Promise<void>;

export async function processWorkItem(
  deps: ExecutorDeps,
  requestId: string,
  executors: Readonly<Partial<Record<RequestType, Executor>>>,
  context: { readonly attempt: number },
  log: Logger,
): Promise<void> {
  const request = await deps.requests.get(requestId);
  if (request === undefined) {
    log.warn("work item for an unknown request dropped", { requestId });
    return;
  }
  const executor = executors[request.value.type];
  if (executor !== undefined) {
    await executor(deps, requestId, context, log);
    return;
  }
  await mutate(deps, requestId, (current) => awaitExecutor(current.value, deps.now()), log);
  log.info("request waits for an executor", { requestId, type: request.value.type });
}

/**
 * An executor takes its request: a queued one moves to in-progress; a redelivered one that is
 * already in progress is resumed as it is. Returns the request as it now stands.
 */
export async function takeRequest(deps: StepDeps, requestId: string, executorOf: (request: PrivacyRequestRecord) => string, log: Logger): Promise<PrivacyRequestRecord> {
  const saved = await mutate(deps, requestId, (current) => (current.value.status === "queued" ? startWork(current.value, executorOf(current.value), deps.now(), deps.config.PRIVACY_DUE_SOON_DAYS) : undefined), log);
  // A request that ended while its manifest stayed (a crash before the removal, a duplicate's
  // pages): this delivery removes it.
  if (isTerminal(saved.value.status)) await dropManifests(deps, requestId);
  return saved.value;
}

/**
 * Removes a finished request's manifests (all its runs, or only `run`): they list the subject's
 * item ids and blob paths and must not outlive the request. Safe to repeat.
 */
export async function dropManifests(deps: Pick<EngineDeps, "manifests">, requestId: string, run?: string): Promise<void> {
  await deps.manifests.remove(requestId, run);
}

/** A step that kept failing: the request fails with the step and the reason (a caller's mistake in its own words). */
export async function failRequest(
  deps: StepDeps,
  requestId: string,
  failure: { readonly executor: string; readonly step: string; readonly error: EngineError; readonly attempt: number },
  log: Logger,
): Promise<void> {
  const { executor, step, error, attempt } = failure;
  const reason = error.isCallerFault ? error.message : `${error.code}: ${error.reason}`;
  await mutate(deps, requestId, (c) => failWork(c.value, { step, reason, at: deps.now().toISOString(), attempts: attempt }, executor, deps.now(), deps.config.PRIVACY_DUE_SOON_DAYS), log);
  // Best effort: the step's error is what the host must see; a later delivery removes the rest.
  await dropManifests(deps, requestId).catch((removing: unknown) => {
    log.warn("manifest of a failed request not removed yet", { requestId, error: toEngineError(removing).code });
  });
}

/**
 * Discovery for a request, its manifest written page by page under `run` (each run its own, so
 * two copies of a message never mix). Resolves to the result and the number of manifest pages.
 */
export async function discoverIntoManifest(
  deps: ManifestDiscoveryDeps,
  request: PrivacyRequestRecord,
  run: string,
  defaultCountry: string | undefined,
): Promise<{ result: DiscoveryResult; pages: number }> {
  let pages = 0;
  const result = await discover(
    deps.dataMap,
    request.orgId,
    request.subject,
    { items: deps.platformItems, blobs: deps.blobSource, resolve: deps.resolve },
    { pageSize: deps.config.PRIVACY_DISCOVERY_PAGE_SIZE, ...(defaultCountry === undefined ? {} : { defaultCountry }) },
    (entry) => deps.manifests.write(request.id, run, pages++, entry),
  );
  return { result, pages };
}

/** Records discovery's counts on the request (the request shows what the manifest holds). */
export async function recordDiscoveryOf(deps: ChangeDeps, requestId: string, result: DiscoveryResult, executor: string, log: Logger): Promise<void> {
  const now = deps.now();
  const summary = {
    items: result.items,
    blobs: result.blobs,
    csvRows: result.csvRows,
    keys: Object.fromEntries(Object.entries(result.keys).map(([k, v]) => [k, v.length])),
    completedAt: now.toISOString(),
  };
  await mutate(deps, requestId, (c) => recordDiscovery(c.value, summary, executor, now), log);
}

/** The subject's identifier keys (keyed hashes) by kind, from discovery: the registry's entry ids. */
export function keysByKind(deps: Pick<EngineDeps, "config">, request: PrivacyRequestRecord, keys: Readonly<Record<string, readonly string[]>>): Record<IdentifierKind, string[]> {
  const secret = deps.config.PRIVACY_SUBJECT_KEY_SECRET;
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
  deps: StepDeps & ManifestDiscoveryDeps,
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
  const { result } = await discoverIntoManifest(deps, request, run, defaultCountry);
  await recordDiscoveryOf(deps, request.id, result, executor, log);
  const keys = keysByKind(deps, request, result.keys);
  const saved = await mutate(deps, request.id, (c) => claimRun(c.value, run, keys, deps.now()), log);
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
  deps: StepDeps,
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
      await failRequest(deps, requestId, { executor, step, error, attempt: context.attempt }, log);
      return;
    }
    if (context.attempt >= deps.config.PRIVACY_MAX_ATTEMPTS) await failRequest(deps, requestId, { executor, step, error, attempt: context.attempt }, log);
    throw error;
  }
}

/**
 * Runs `visit` for every item of the manifest's container pages (mapped containers only), with
 * the mapping and its resolved target, at most PRIVACY_ERASURE_CONCURRENCY at a time per page.
 */
export async function forEachManifestItem(
  deps: Pick<EngineDeps, "dataMap" | "resolve" | "config">,
  manifest: AsyncIterable<ManifestEntry>,
  visit: (mapping: ContainerMapping, target: { readonly database: string; readonly container: string; readonly orgField: string }, id: string) => Promise<void>,
): Promise<void> {
  for await (const entry of manifest) {
    if (entry.source !== "container") continue;
    const mapping = deps.dataMap.containers.find((m) => m.name === entry.name);
    if (mapping === undefined) continue;
    const target = { database: deps.resolve.database(mapping.database), container: mapping.container, orgField: mapping.orgField };
    await bounded(entry.ids ?? [], deps.config.PRIVACY_ERASURE_CONCURRENCY, (id) => visit(mapping, target, id));
  }
}

/** Completes a rectification, restriction or suppression with what it did (see completeWork). */
export async function completeWith(deps: StepDeps, requestId: string, executor: string, outcome: Parameters<typeof completeWork>[1], log: Logger): Promise<void> {
  await mutate(deps, requestId, (c) => completeWork(c.value, outcome, executor, deps.now(), deps.config.PRIVACY_DUE_SOON_DAYS), log);
  await dropManifests(deps, requestId);
}
