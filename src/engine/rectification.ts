import { createHmac } from "node:crypto";
import { utcDate } from "../domain/deadlines.js";
import { changesFor, checkChanges, identifierKindOf, rectifyItem, type CheckedChange } from "../domain/rectification.js";
import { placeCounts } from "../domain/privacy-request.js";
import { subjectKey } from "../domain/subject-key.js";
import type { CommitDeps } from "./commit.js";
import type { EngineDeps } from "./deps.js";
import type { Logger } from "./ports.js";
import { rekeySubject } from "./subject-status.js";
import { claimedManifest, completeWith, forEachManifestItem, runSteps, takeRequest } from "./work.js";

const executor = "rectification-executor";

/**
 * The executor's part of the engine: the commit's stores, discovery's sources and manifests, the
 * item updater, and the registry and holds that follow a rectified identifier.
 */
type RectificationDeps = CommitDeps &
  Pick<EngineDeps, "config" | "now" | "dataMap" | "orgs" | "platformItems" | "blobSource" | "resolve" | "manifests" | "itemUpdater" | "registry" | "legalHolds">;

/**
 * Keyed digest of a value before or after rectification: the audit can later prove what a value
 * was (recompute with the secret) without holding it.
 */
export function valueDigest(secret: string, orgId: string, field: string, value: string): string {
  return createHmac("sha256", secret).update(`rectification\u0000${orgId}\u0000${field}\u0000${value}`).digest("hex").slice(0, 32);
}

/**
 * The rectification executor (Art. 16): discovery finds every item of the subject; each mapped
 * copy of a changed field is corrected with a read and an If-Match replace (a concurrent writer's
 * update is re-applied, never lost); when a phone or e-mail changes, the subject's registry entries
 * and legal holds follow it to the new value. The audit holds field names and keyed digests of the
 * values before and after; recipients get `subject.rectified` with the field names.
 */
export async function runRectification(deps: RectificationDeps, requestId: string, context: { readonly attempt: number }, log: Logger): Promise<void> {
  const request = await takeRequest(deps, requestId, () => executor, log);
  if (request.status !== "in-progress") return;
  await runSteps(deps, requestId, executor, context, log, async (at) => {
    const org = await deps.orgs.get(request.orgId);
    const changes = checkChanges(deps.dataMap, request.changes ?? [], org?.defaultCountry, utcDate(deps.now()));
    const { run, keys } = await claimedManifest(deps, request, executor, org?.defaultCountry, log);

    at("apply");
    const secret = deps.config.PRIVACY_SUBJECT_KEY_SECRET;
    const places: Record<string, number> = {};
    const before = new Map<string, Set<string>>();
    await forEachManifestItem(deps, deps.manifests.list(requestId, run), async (mapping, target, id) => {
      const concerned = changesFor(deps.dataMap, mapping.name, changes);
      if (concerned.length === 0) return;
      let seen: ReadonlyMap<string, string> | undefined;
      const outcome = await deps.itemUpdater.update(target, request.orgId, id, (item) => {
        // Called again after a concurrent write: what counts is the last reading.
        const result = rectifyItem(item, concerned);
        seen = result?.before;
        return result?.item;
      });
      if (outcome !== "updated" || seen === undefined) return;
      places[mapping.name] = (places[mapping.name] ?? 0) + 1;
      for (const [field, value] of seen) {
        if (value === "") continue;
        const digests = before.get(field) ?? new Set<string>();
        digests.add(valueDigest(secret, request.orgId, field, value));
        before.set(field, digests);
      }
    });

    at("registry");
    const registryEntries = await followIdentifiers(deps, request.orgId, changes, keys);

    at("complete");
    const fields = changes.map((c) => c.field);
    await completeWith(
      deps,
      requestId,
      executor,
      {
        applied: { places, registryEntries, fields },
        action: "rectification.applied",
        details: {
          fields,
          before: [...before].flatMap(([field, digests]) => [...digests].map((d) => `${field}:${d}`)),
          after: changes.map((c) => `${c.field}:${valueDigest(secret, request.orgId, c.field, c.value)}`),
          places: placeCounts(places),
          registryEntries,
        },
        events: [{ type: "subject.rectified", data: { fields: fields.join(","), items: Object.values(places).reduce((a, b) => a + b, 0) } }],
      },
      log,
    );
    log.info("rectification applied", { requestId, subjectKey: request.subjectKey, fields: fields.join(","), registryEntries });
  });
}

/** A rectified phone or e-mail: every entry and hold under an old value of that kind moves to the new one. */
async function followIdentifiers(deps: Pick<EngineDeps, "config" | "registry" | "legalHolds" | "now">, orgId: string, changes: readonly CheckedChange[], keys: Readonly<Record<string, readonly string[]>>): Promise<number> {
  let moved = 0;
  for (const change of changes) {
    const kind = identifierKindOf(change.type);
    if (kind === undefined) continue;
    const to = subjectKey(deps.config.PRIVACY_SUBJECT_KEY_SECRET, orgId, kind, change.value);
    for (const from of keys[kind] ?? []) moved += await rekeySubject(deps, orgId, from, to);
  }
  return moved;
}
