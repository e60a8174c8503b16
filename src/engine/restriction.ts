import { randomUUID } from "node:crypto";
import { isTerminal } from "../domain/lifecycle.js";
import { completeLift, placeCounts, type PrivacyRequestRecord } from "../domain/privacy-request.js";
import type { RestrictionGround } from "../domain/request.js";
import { mutate, type CommitDeps } from "./commit.js";
import type { EngineDeps } from "./deps.js";
import type { Logger, ManifestEntry } from "./ports.js";
import { recordStatus } from "./subject-status.js";
import { claimedManifest, completeWith, discoverIntoManifest, dropManifests, forEachManifestItem, keysByKind, runSteps, takeRequest } from "./work.js";

const executor = "restriction-executor";

/** The executor's part of the engine: the commit's stores, discovery's sources and manifests, the item updater, the registry. */
type RestrictionDeps = CommitDeps &
  Pick<EngineDeps, "config" | "now" | "dataMap" | "orgs" | "platformItems" | "blobSource" | "resolve" | "manifests" | "itemUpdater" | "registry">;

/** The marker each of a restricted subject's items carries: `_privacy.restricted`. */
export interface RestrictionMarker {
  readonly since: string;
  readonly ground: RestrictionGround;
  readonly requestId: string;
}

/**
 * The restriction executor (Art. 18): the data stays, marked. Each mapped item of the subject gets
 * `_privacy.restricted` (a conditional read-and-replace that keeps everything else), and the
 * registry records the restriction under every identifier key, so a service's status lookup says
 * so. Exports and legal work still read the items; marketing asks the status and stays away.
 * A lift (POST /lift) runs here too: markers of this restriction come off, the entry is cleared.
 */
export async function runRestriction(deps: RestrictionDeps, requestId: string, context: { readonly attempt: number }, log: Logger): Promise<void> {
  const stored = await deps.requests.get(requestId);
  if (stored?.value.restriction?.state === "lift-requested") {
    await runSteps(deps, requestId, executor, context, log, () => lift(deps, stored.value, log));
    return;
  }
  if (stored === undefined || isTerminal(stored.value.status)) return;
  const request = await takeRequest(deps, requestId, () => executor, log);
  if (request.status !== "in-progress") return;
  await runSteps(deps, requestId, executor, context, log, async (at) => {
    const org = await deps.orgs.get(request.orgId);
    const { run, keys, request: claimed } = await claimedManifest(deps, request, executor, org?.defaultCountry, log);
    // The restriction dates from discovery's end: the same on every delivery.
    const since = claimed.discovery?.completedAt ?? deps.now().toISOString();
    const marker: RestrictionMarker = { since, ground: request.ground ?? "accuracy-contested", requestId };

    at("mark");
    const places = await eachItem(deps, request, deps.manifests.list(requestId, run), (item) => {
      const privacy = markerHolder(item);
      if (privacy.restricted !== undefined) return undefined;
      return { ...item, _privacy: { ...privacy, restricted: marker } };
    });

    at("registry");
    const registryEntries = await recordStatus(deps, request.orgId, Object.values(keys).flat(), {
      kind: "restrict",
      restriction: { since, ground: marker.ground, requestId },
    });

    at("complete");
    await completeWith(
      deps,
      requestId,
      executor,
      {
        applied: { places, registryEntries },
        action: "restriction.applied",
        details: { ground: marker.ground, since, places: placeCounts(places), registryEntries },
        events: [{ type: "subject.restricted", data: { ground: marker.ground, since } }],
        patch: { restriction: { state: "in-force", since } },
      },
      log,
    );
    log.info("restriction in force", { requestId, subjectKey: request.subjectKey, registryEntries });
  });
}

/** Lifting: markers of this restriction come off every item found now; the registry entries clear. */
async function lift(deps: RestrictionDeps, request: PrivacyRequestRecord, log: Logger): Promise<void> {
  const org = await deps.orgs.get(request.orgId);
  // A new discovery: items the subject gained since carry no marker and are simply left.
  const run = randomUUID();
  const { result } = await discoverIntoManifest(deps, request, run, org?.defaultCountry);
  const places = await eachItem(deps, request, deps.manifests.list(request.id, run), (item) => {
    const privacy = markerHolder(item);
    const marker = privacy.restricted as Partial<RestrictionMarker> | undefined;
    if (marker?.requestId !== request.id) return undefined;
    const { restricted: _lifted, ...rest } = privacy;
    const { _privacy: _old, ...plain } = item;
    return Object.keys(rest).length === 0 ? plain : { ...plain, _privacy: rest };
  });
  const keys = [...Object.values(request.progress?.subjectKeys ?? {}).flat(), ...Object.values(keysByKind(deps, request, result.keys)).flat()];
  const registryEntries = await recordStatus(deps, request.orgId, keys, { kind: "lift", requestId: request.id });
  await mutate(deps, request.id, (c) => completeLift(c.value, { places, registryEntries }, executor, deps.now()), log);
  // The lift's own discovery named the subject's items again: it goes with the lift.
  await dropManifests(deps, request.id, run);
  log.info("restriction lifted", { requestId: request.id, subjectKey: request.subjectKey, registryEntries });
}

function markerHolder(item: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const holder = item._privacy;
  return typeof holder === "object" && holder !== null && !Array.isArray(holder) ? { ...(holder as Record<string, unknown>) } : {};
}

/** Applies `change` to every item of the manifest's container pages; counts the items changed per place. */
async function eachItem(
  deps: Pick<EngineDeps, "config" | "dataMap" | "resolve" | "itemUpdater">,
  request: PrivacyRequestRecord,
  manifest: AsyncIterable<ManifestEntry>,
  change: (item: Readonly<Record<string, unknown>>) => Record<string, unknown> | undefined,
): Promise<Record<string, number>> {
  const places: Record<string, number> = {};
  await forEachManifestItem(deps, manifest, async (mapping, target, id) => {
    if ((await deps.itemUpdater.update(target, request.orgId, id, change)) === "updated") places[mapping.name] = (places[mapping.name] ?? 0) + 1;
  });
  return places;
}
