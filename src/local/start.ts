import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import { allFunctions } from "../../functions/all.js";
import { parseSettings, SettingsError, withSettingDefaults } from "../config/settings.js";
import { DataMapError } from "../domain/data-map.js";
import { createRuntime, disposeRuntime } from "../hosting/composition.js";
import { provision } from "../stores/provision.js";
import {
  COSMOS_EMULATOR_KEY,
  isLocalStorageConnection,
  isLoopbackUrl,
  refuseAzureEndpoints,
  startEmbeddedEmulators,
  storageConnectionString,
  type RunningEmulators,
} from "./emulators.js";
import { startLocalHost } from "./host.js";
import { isSeeded, seedPlatform } from "./seed.js";

// `npm start`: the engine on a laptop. Starts the embedded emulators (reusing what already
// answers on their ports), creates what is missing, seeds a demo org on first start, and serves
// every function through the local host. It refuses settings that point at Azure (Cosmos,
// storage, Service Bus) unless PRIVACY_LOCAL_ALLOW_AZURE=true: the development key it prints is
// privacy-admin for every org. No business logic here.

const LocalPorts = z.object({
  LOCAL_HTTP_PORT: z.coerce.number().int().min(1).max(65535).default(7071),
  LOCAL_COSMOS_PORT: z.coerce.number().int().min(1).max(65535).default(8081),
  LOCAL_BLOB_PORT: z.coerce.number().int().min(1).max(65535).default(10000),
  LOCAL_QUEUE_PORT: z.coerce.number().int().min(1).max(65535).default(10001),
  LOCAL_TABLE_PORT: z.coerce.number().int().min(1).max(65535).default(10002),
});

/** A fixed secret for local subject keys, so they stay stable across restarts. Never used in Azure. */
const LOCAL_SUBJECT_KEY_SECRET = "local-development-subject-key-secret-not-for-production";
const LOCAL_CERTIFICATE_KEY = "local-development-certificate-key-not-for-production";

function log(line: string): void {
  console.log(`[local] ${line}`);
}

/** Values of local.settings.json, as `func start` reads them; the environment wins. */
function loadLocalSettings(): void {
  if (!existsSync("local.settings.json")) return;
  const parsed = z
    .object({ Values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}) })
    .safeParse(JSON.parse(readFileSync("local.settings.json", "utf8")));
  if (!parsed.success) throw new SettingsError(["local.settings.json: Values must be an object of strings"]);
  for (const [key, value] of Object.entries(parsed.data.Values)) {
    if (process.env[key] === undefined || process.env[key] === "") process.env[key] = String(value);
  }
}

const unset = (value: string | undefined) => value === undefined || value.trim() === "";
const isLocalCosmos = (value: string | undefined) => unset(value) || isLoopbackUrl(value ?? "");
const isLocalStorage = (value: string | undefined) => unset(value) || isLocalStorageConnection(value ?? "");

async function main(): Promise<void> {
  loadLocalSettings();
  // Before anything starts or connects: throws, naming the settings, unless PRIVACY_LOCAL_ALLOW_AZURE=true.
  const inAzure = refuseAzureEndpoints(process.env);
  for (const problem of inAzure) log(`warning: ${problem}; served because PRIVACY_LOCAL_ALLOW_AZURE=true`);
  const ports = LocalPorts.parse(Object.fromEntries(Object.keys(LocalPorts.shape).flatMap((k) => (process.env[k] ? [[k, process.env[k]]] : []))));
  let emulators: RunningEmulators | undefined;
  const cosmosLocal = isLocalCosmos(process.env.COSMOS_ENDPOINT);
  const storageLocal = isLocalStorage(process.env.AzureWebJobsStorage);
  if (cosmosLocal || storageLocal) {
    emulators = await startEmbeddedEmulators(
      { cosmos: ports.LOCAL_COSMOS_PORT, blob: ports.LOCAL_BLOB_PORT, queue: ports.LOCAL_QUEUE_PORT, table: ports.LOCAL_TABLE_PORT },
      { log },
    );
    if (cosmosLocal) {
      process.env.COSMOS_ENDPOINT = emulators.cosmosEndpoint;
      process.env.COSMOS_KEY ||= COSMOS_EMULATOR_KEY;
    }
    if (storageLocal) {
      process.env.AzureWebJobsStorage = storageConnectionString({ blob: ports.LOCAL_BLOB_PORT, queue: ports.LOCAL_QUEUE_PORT, table: ports.LOCAL_TABLE_PORT });
    }
  } else {
    log("settings point at Azure (PRIVACY_LOCAL_ALLOW_AZURE=true): no emulators started");
  }
  if (!process.env.PRIVACY_SUBJECT_KEY_SECRET) {
    process.env.PRIVACY_SUBJECT_KEY_SECRET = LOCAL_SUBJECT_KEY_SECRET;
    log("PRIVACY_SUBJECT_KEY_SECRET not set: using the fixed local development secret");
  }
  if (!process.env.PRIVACY_CERTIFICATE_KEY) {
    process.env.PRIVACY_CERTIFICATE_KEY = LOCAL_CERTIFICATE_KEY;
    log("PRIVACY_CERTIFICATE_KEY not set: using the fixed local development key");
  }
  let devKeyGenerated = false;
  if (!process.env.PRIVACY_DEV_API_KEY) {
    process.env.PRIVACY_DEV_API_KEY = `dev-${randomBytes(18).toString("base64url")}`;
    devKeyGenerated = true;
  }
  const settings = parseSettings(process.env);
  Object.assign(process.env, withSettingDefaults(process.env, settings));
  // The composition root of this host: one set of deps, built once.
  const rt = createRuntime(settings);
  await provision(rt.clients, settings);
  log(`stores ready: databases ${settings.PRIVACY_DATABASE} and ${settings.PLATFORM_DATABASE}, container ${settings.PRIVACY_ASSETS_CONTAINER}, queue ${settings.PRIVACY_WORK_QUEUE}`);
  const seedTargets = {
    cosmos: rt.clients.cosmos,
    platformDatabase: settings.PLATFORM_DATABASE,
    blobService: rt.clients.blobs,
    assetsContainer: settings.PRIVACY_ASSETS_CONTAINER,
  };
  if (await isSeeded(seedTargets)) {
    log("demo data already present");
  } else {
    const seeded = await seedPlatform(seedTargets);
    log(`seeded demo data: orgs ${seeded.orgIds.join(", ")}; ${Object.entries(seeded.counts).map(([k, v]) => `${k} ${v}`).join(", ")}; blobs ${seeded.blobs}`);
  }
  // host.json: queues.visibilityTimeout (retry delay) of 10 s.
  const key = settings.PRIVACY_DEV_API_KEY ?? "";
  // The admin invoke API takes the same development key (Authorization: Bearer or x-functions-key).
  const host = await startLocalHost({
    definitions: allFunctions(rt),
    env: process.env,
    port: ports.LOCAL_HTTP_PORT,
    queueRetryDelaySeconds: 10,
    adminKey: key,
    log,
  });
  console.log(
    [
      "",
      `privacy-engine is up at ${host.url}/api`,
      `  console: ${host.url}/console/`,
      `  dev API key (privacy-admin, every org)${devKeyGenerated ? ", generated for this run" : ""}: ${key}`,
      `  try: curl -s -H "Authorization: Bearer ${key}" ${host.url}/api/requests?orgId=org-demo`,
      `  health: ${host.url}/api/health   API document: ${host.url}/api/openapi.json`,
      `  run a timer or queue function: curl -s -X POST -H "Authorization: Bearer ${key}" -H "content-type: application/json" -d '{}' ${host.url}/admin/functions/deadline-check`,
      "  Ctrl-C stops everything.",
      "",
    ].join("\n"),
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    await host.stop();
    disposeRuntime(rt);
    await emulators?.stop();
    log("stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error: unknown) => {
  if (error instanceof SettingsError || error instanceof DataMapError) {
    console.error(error.message);
  } else {
    console.error("privacy-engine failed to start:", error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
