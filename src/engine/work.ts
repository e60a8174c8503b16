import type { EngineError } from "../domain/errors.js";
import { awaitExecutor, failWork, recordDiscovery, startWork, type PrivacyRequestRecord } from "../domain/privacy-request.js";
import { discover, type DiscoveryResult } from "./discovery.js";
import type { RequestType } from "../domain/request.js";
import type { Runtime } from "../runtime.js";
import { mutate } from "./commit.js";
import type { Logger } from "./ports.js";

/** Executors by request type; later issues add them. A type without one stays queued and says why. */
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
  return saved.value;
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
