import { toEngineError } from "../domain/errors.js";
import { packageDeleted } from "../domain/privacy-request.js";
import type { Runtime } from "../runtime.js";
import { mutate } from "./commit.js";
import type { Logger } from "./ports.js";

/**
 * The daily package sweep: deletes access and portability packages whose link has expired and
 * records it on the request. Idempotent: a package already gone counts as deleted.
 */
export async function deleteExpiredPackages(rt: Runtime, log: Logger): Promise<{ deleted: number; failed: number }> {
  const now = rt.now();
  let deleted = 0;
  let failed = 0;
  let token: string | undefined;
  do {
    const page = await rt.requests.expiredDeliveries(now.toISOString(), token);
    for (const request of page.items) {
      const delivery = request.value.delivery;
      if (delivery === undefined) continue;
      try {
        await rt.packages.delete(delivery.blobName);
        await mutate(rt, request.value.id, (current) => packageDeleted(current.value, rt.now()), log);
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
