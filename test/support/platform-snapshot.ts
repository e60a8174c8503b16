import { createHash } from "node:crypto";
import { PLATFORM_CONTAINER_IDS } from "../../src/config/resources.js";
import type { Runtime } from "../../src/hosting/composition.js";

/** Every platform item (without system fields) and every blob's digest, to compare before and after. */
export interface PlatformSnapshot {
  items: Map<string, string>;
  blobs: Map<string, string>;
}

const key = (container: string, orgId: string, id: string) => `${container}/${orgId}/${id}`;

export async function snapshotPlatform(rt: Runtime): Promise<PlatformSnapshot> {
  const items = new Map<string, string>();
  const database = rt.clients.cosmos.database(rt.settings.PLATFORM_DATABASE);
  for (const container of PLATFORM_CONTAINER_IDS) {
    const { resources } = await database.container(container).items.readAll<Record<string, unknown>>().fetchAll();
    for (const item of resources) {
      const clean = Object.fromEntries(Object.entries(item).filter(([k]) => !k.startsWith("_")));
      items.set(key(container, String(item.orgId), String(item.id)), JSON.stringify(clean));
    }
  }
  const blobs = new Map<string, string>();
  const client = rt.clients.blobs.getContainerClient(rt.settings.PRIVACY_ASSETS_CONTAINER);
  for await (const blob of client.listBlobsFlat({ includeSnapshots: true })) {
    if (blob.name.includes("/exports/")) continue;
    // Base blobs come without a snapshot time at run time, whatever the SDK's type says.
    const snapshot = blob.snapshot as string | undefined;
    const bytes = await client.getBlobClient(blob.name).withSnapshot(snapshot ?? "").downloadToBuffer();
    blobs.set(`${blob.name}${snapshot === undefined ? "" : `@${snapshot}`}`, createHash("sha256").update(bytes).digest("hex"));
  }
  return { items, blobs };
}

export { key as snapshotKey };
