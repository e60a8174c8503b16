import { toEngineError } from "../domain/errors.js";
import { packageDeleted } from "../domain/privacy-request.js";
import { mutate, type CommitDeps } from "./commit.js";
import type { EngineDeps } from "./deps.js";
import type { Logger } from "./ports.js";

/**
 * The daily package sweep: deletes access and portability packages whose link has expired and
 * records it on the request. Idempotent: a package already gone counts as deleted.
 */
export async function deleteExpiredPackages(deps: CommitDeps & Pick<EngineDeps, "now" | "packages">, log: Logger): Promise<{ deleted: number; failed: number }> {
  const now = deps.now();
  let deleted = 0;
  let failed = 0;
  let token: string | undefined;
  do {
    const page = await deps.requests.expiredDeliveries(now.toISOString(), token);
    for (const request of page.items) {
      const delivery = request.value.delivery;
      if (delivery === undefined) continue;
      try {
        await deps.packages.delete(delivery.blobName);
        await mutate(deps, request.value.id, (current) => packageDeleted(current.value, deps.now()), log);
        deleted += 1;
      } catch (thrown) {
        failed += 1;
        log.warn("expired package not deleted yet", { requestId: request.value.id, error: toEngineError(thrown).code });
      }
    }
    token = page.continuationToken;
  } while (token !== undefined);
  log.info("package sweep done", { deleted, failed });
  return { deleted, failed };
}
