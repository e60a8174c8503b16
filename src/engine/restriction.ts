import { randomUUID } from "node:crypto";
import { isTerminal } from "../domain/lifecycle.js";
import { completeLift, placeCounts, type PrivacyRequestRecord } from "../domain/privacy-request.js";
import type { RestrictionGround } from "../domain/request.js";
import type { Runtime } from "../runtime.js";
import { mutate } from "./commit.js";
import type { Logger, ManifestEntry } from "./ports.js";
import { recordStatus } from "./subject-status.js";
import { claimedManifest, completeWith, discoverIntoManifest, dropManifests, forEachManifestItem, keysByKind, runSteps, takeRequest } from "./work.js";

const executor = "restriction-executor";

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
export async function runRestriction(rt: Runtime, requestId: string, context: { readonly attempt: number }, log: Logger): Promise<void> {
  const stored = await rt.requests.get(requestId);
  if (stored?.value.restriction?.state === "lift-requested") {
    await runSteps(rt, requestId, executor, context, log, () => lift(rt, stored.value, log));
    return;
  }
  if (stored === undefined || isTerminal(stored.value.status)) return;
  const request = await takeRequest(rt, requestId, () => executor, log);
  if (request.status !== "in-progress") return;
  await runSteps(rt, requestId, executor, context, log, async (at) => {
    const org = await rt.orgs.get(request.orgId);
    const { run, keys, request: claimed } = await claimedManifest(rt, request, executor, org?.defaultCountry, log);
    // The restriction dates from discovery's end: the same on every delivery.
    const since = claimed.discovery?.completedAt ?? rt.now().toISOString();
    const marker: RestrictionMarker = { since, ground: request.ground ?? "accuracy-contested", requestId };

    at("mark");
    const places = await eachItem(rt, request, rt.manifests.list(requestId, run), (item) => {
      const privacy = markerHolder(item);
      if (privacy.restricted !== undefined) return undefined;
      return { ...item, _privacy: { ...privacy, restricted: marker } };
    });

    at("registry");
    const registryEntries = await recordStatus(rt, request.orgId, Object.values(keys).flat(), {
      kind: "restrict",
      restriction: { since, ground: marker.ground, requestId },
    });

    at("complete");
    await completeWith(
      rt,
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
async function lift(rt: Runtime, request: PrivacyRequestRecord, log: Logger): Promise<void> {
  const org = await rt.orgs.get(request.orgId);
  // A new discovery: items the subject gained since carry no marker and are simply left.
  const run = randomUUID();
  const { result } = await discoverIntoManifest(rt, request, run, org?.defaultCountry);
  const places = await eachItem(rt, request, rt.manifests.list(request.id, run), (item) => {
    const privacy = markerHolder(item);
    const marker = privacy.restricted as Partial<RestrictionMarker> | undefined;
    if (marker?.requestId !== request.id) return undefined;
    const { restricted: _lifted, ...rest } = privacy;
    const { _privacy: _old, ...plain } = item;
    return Object.keys(rest).length === 0 ? plain : { ...plain, _privacy: rest };
  });
  const keys = [...Object.values(request.progress?.subjectKeys ?? {}).flat(), ...Object.values(keysByKind(rt, request, result.keys)).flat()];
  const registryEntries = await recordStatus(rt, request.orgId, keys, { kind: "lift", requestId: request.id });
  await mutate(rt, request.id, (c) => completeLift(c.value, { places, registryEntries }, executor, rt.now()), log);
  // The lift's own discovery named the subject's items again: it goes with the lift.
  await dropManifests(rt, request.id, run);
  log.info("restriction lifted", { requestId: request.id, subjectKey: request.subjectKey, registryEntries });
}

function markerHolder(item: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const holder = item._privacy;
  return typeof holder === "object" && holder !== null && !Array.isArray(holder) ? { ...(holder as Record<string, unknown>) } : {};
}

/** Applies `change` to every item of the manifest's container pages; counts the items changed per place. */
async function eachItem(
  rt: Runtime,
  request: PrivacyRequestRecord,
  manifest: AsyncIterable<ManifestEntry>,
  change: (item: Readonly<Record<string, unknown>>) => Record<string, unknown> | undefined,
): Promise<Record<string, number>> {
  const places: Record<string, number> = {};
  await forEachManifestItem(rt, manifest, async (mapping, target, id) => {
    if ((await rt.itemUpdater.update(target, request.orgId, id, change)) === "updated") places[mapping.name] = (places[mapping.name] ?? 0) + 1;
  });
  return places;
}
