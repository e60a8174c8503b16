// A scenario's world: a fresh namespace (databases, assets container, work queue) provisioned on
// the emulators, the runtime under test that reaches them through the counting proxies, direct
// clients for seeding and checks outside the measurement, and warmUp for a warm function instance.

import { randomBytes } from "node:crypto";
import type { CosmosClient } from "@azure/cosmos";
import { BlobServiceClient } from "@azure/storage-blob";
import { QueueServiceClient } from "@azure/storage-queue";
import { PRIVACY_CONTAINERS } from "../../../src/config/resources.js";
import { parseSettings, withSettingDefaults, type Settings } from "../../../src/config/settings.js";
import { createRuntime, type Runtime, type RuntimeOptions } from "../../../src/hosting/composition.js";
import { COSMOS_EMULATOR_KEY, storageConnectionString } from "../../../src/local/emulators.js";
import { createCosmosClient } from "../../../src/stores/cosmos-client.js";
import { provision } from "../../../src/stores/provision.js";
import type { EmulatorHost } from "./services.js";

const LOOPBACK = "127.0.0.1";

export const BENCH_SUBJECT_KEY_SECRET = "bench-subject-key-secret-0123456789abcdef";

export interface BenchNamespace {
  readonly settings: Settings;
  /** The app settings the namespace was made from (for code that reads process.env, as the handlers do). */
  readonly env: NodeJS.ProcessEnv;
  /** The engine under test: every store call goes through the counting proxies. */
  readonly rt: Runtime;
  /** Clients straight to the emulators, for seeding and checks outside the measurement. */
  readonly direct: { readonly cosmos: CosmosClient; readonly blobs: BlobServiceClient; readonly queues: QueueServiceClient };
  close(): void;
}

/** A fresh namespace (databases, assets container, queue), provisioned. */
export async function openNamespace(host: EmulatorHost, label: string, overrides: Record<string, string> = {}, runtimeOptions: RuntimeOptions = {}): Promise<BenchNamespace> {
  const ns = `b${label.toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, 12)}${randomBytes(4).toString("hex")}`;
  const base: NodeJS.ProcessEnv = {
    COSMOS_ENDPOINT: `http://${LOOPBACK}:${host.proxied.cosmos}`,
    COSMOS_KEY: COSMOS_EMULATOR_KEY,
    AzureWebJobsStorage: storageConnectionString({ blob: host.proxied.blob, queue: host.proxied.queue, table: host.direct.table }),
    PRIVACY_DATABASE: `p${ns}`,
    PLATFORM_DATABASE: `pl${ns}`,
    PRIVACY_WORK_QUEUE: `w${ns}`,
    PRIVACY_ASSETS_CONTAINER: `a${ns}`,
    PRIVACY_SUBJECT_KEY_SECRET: BENCH_SUBJECT_KEY_SECRET,
    PRIVACY_CERTIFICATE_KEY: "bench-certificate-key-0123456789abcdef0123",
    ...overrides,
  };
  const settings = parseSettings(withSettingDefaults(base, parseSettings(base)));
  const directStorage = storageConnectionString(host.direct);
  const direct = {
    cosmos: createCosmosClient({ endpoint: `http://${LOOPBACK}:${host.direct.cosmos}`, key: COSMOS_EMULATOR_KEY }),
    blobs: BlobServiceClient.fromConnectionString(directStorage),
    queues: QueueServiceClient.fromConnectionString(directStorage),
  };
  await provision(direct, settings);
  const rt = createRuntime(settings, runtimeOptions);
  return {
    settings,
    env: base,
    rt,
    direct,
    close: () => {
      rt.clients.cosmos.dispose();
      direct.cosmos.dispose();
    },
  };
}

/**
 * A function instance after its first invocation: connections open and every container's
 * metadata (partition key definition) cached by the client, as on a warm Azure Functions host.
 */
export async function warmUp(rt: Runtime): Promise<void> {
  for (const probe of rt.health) await probe.check();
  const privacy = rt.clients.cosmos.database(rt.settings.PRIVACY_DATABASE);
  for (const spec of Object.values(PRIVACY_CONTAINERS)) await privacy.container(spec.id).read();
  for (const mapping of rt.dataMap.containers) await rt.clients.cosmos.database(rt.resolve.database(mapping.database)).container(mapping.container).read();
}
