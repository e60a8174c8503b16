import { createHash } from "node:crypto";
import { PRIVACY_CONTAINERS } from "../../src/config/resources.js";
import type { Runtime } from "../../src/hosting/composition.js";

/**
 * A digest of everything the engine itself has stored: the id and ETag of every document in each
 * of its containers, and the number of messages waiting on the work queue. Two equal fingerprints
 * mean no document was created, changed or deleted and nothing was queued in between.
 */
export async function engineFingerprint(rt: Runtime): Promise<string> {
  const database = rt.clients.cosmos.database(rt.settings.PRIVACY_DATABASE);
  const parts = await Promise.all(
    Object.values(PRIVACY_CONTAINERS).map(async ({ id }) => {
      const { resources } = await database.container(id).items.query<{ id: string; _etag: string }>("SELECT c.id, c._etag FROM c").fetchAll();
      return `${id}:${resources.map((r) => `${r.id}@${r._etag}`).sort().join(",")}`;
    }),
  );
  const queue = await rt.clients.queues.getQueueClient(rt.settings.PRIVACY_WORK_QUEUE).getProperties();
  parts.push(`queue:${String(queue.approximateMessagesCount ?? 0)}`);
  return createHash("sha256").update(parts.join("\n")).digest("hex");
}
