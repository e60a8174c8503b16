import { linkFollowUp } from "../domain/privacy-request.js";
import type { Suppression } from "../domain/registry.js";
import { authorize, type Caller } from "../domain/access.js";
import { mutate } from "./commit.js";
import type { EngineDeps } from "./deps.js";
import type { Logger } from "./ports.js";
import { submitRequest, type SubmitDeps } from "./requests.js";
import { recordStatus } from "./subject-status.js";
import { claimedManifest, completeWith, runSteps, takeRequest } from "./work.js";

const executor = "suppression-executor";

/** The engine itself, opening a consent withdrawal's erasure: a system caller over every org. */
const FOLLOW_UP_CALLER: Caller = { id: executor, kind: "principal", role: "privacy-admin", orgs: "*", engine: true };

/**
 * Objection (Art. 21) and consent withdrawal (Art. 7(3)): the purposes go into the registry as
 * suppressions under every identifier key of the subject, so a status lookup by any of them answers
 * alike. Direct marketing is absolute (Art. 21(3)). A withdrawal with `erase: true` opens an
 * erasure of the categories the data map processes on consent, once, however often it runs.
 */
/** The executor's part of the engine: opening a follow-up, discovery's sources and manifests, the registry. */
type SuppressionDeps = SubmitDeps & Pick<EngineDeps, "platformItems" | "blobSource" | "resolve" | "manifests" | "registry">;

export async function runSuppression(deps: SuppressionDeps, requestId: string, context: { readonly attempt: number }, log: Logger): Promise<void> {
  const request = await takeRequest(deps, requestId, () => executor, log);
  if (request.status !== "in-progress") return;
  await runSteps(deps, requestId, executor, context, log, async (at) => {
    const org = await deps.orgs.get(request.orgId);
    const { keys, request: current } = await claimedManifest(deps, request, executor, org?.defaultCountry, log);
    const since = current.discovery?.completedAt ?? deps.now().toISOString();
    const basis = request.type === "objection" ? "objection" : "consent-withdrawal";
    const suppressions: Suppression[] = (request.purposes ?? []).map((purpose) => ({ purpose, since, absolute: purpose === "marketing", basis, requestId }));

    at("registry");
    const registryEntries = await recordStatus(deps, request.orgId, Object.values(keys).flat(), { kind: "suppress", suppressions });

    let followUp = current.followUp;
    if (request.type === "consent-withdrawal" && request.erase === true && followUp === undefined) {
      at("follow-up");
      const categories = deps.dataMap.categories.filter((c) => c.lawfulBasis === "consent").map((c) => c.id);
      // The same Idempotency-Key on every delivery: one erasure, however often this runs.
      // The engine opens it for itself: the role check a route would run, run once here.
      const opened = await submitRequest(
        deps,
        authorize(FOLLOW_UP_CALLER, "request:open"),
        {
          type: "erasure",
          orgId: request.orgId,
          subject: request.subject,
          reason: "consent-withdrawal",
          jurisdiction: request.jurisdiction,
          verification: { method: "attested", by: `request:${request.id}` },
          categories,
        },
        `consent-withdrawal:${request.id}`,
        log,
      );
      followUp = { requestId: opened.request.id, type: "erasure" };
      const link = followUp;
      await mutate(deps, requestId, (c) => linkFollowUp(c.value, link, deps.now()), log);
    }

    at("complete");
    const purposes = (request.purposes ?? []).join(",");
    await completeWith(
      deps,
      requestId,
      executor,
      {
        applied: { places: {}, registryEntries },
        action: "suppression.recorded",
        details: { purposes: [...(request.purposes ?? [])], basis, registryEntries, followUp: followUp?.requestId ?? null },
        events: [{ type: "subject.suppressed", data: { purposes, basis, erasure: followUp?.requestId ?? null } }],
      },
      log,
    );
    log.info("suppression recorded", { requestId, subjectKey: request.subjectKey, purposes, registryEntries });
  });
}
