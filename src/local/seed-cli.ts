import { parseArgs } from "node:util";
import { CosmosClient } from "@azure/cosmos";
import { BlobServiceClient } from "@azure/storage-blob";
import { z } from "zod";
import { SettingsSchema } from "../config/settings.js";
import { EngineError, ensureError } from "../domain/errors.js";
import { COSMOS_EMULATOR_KEY, cosmosClientOptions } from "./emulators.js";
import { DEFAULT_SEED_OPTIONS, isSeeded, resolveSeedOptions, seedPlatform, type SeedOptions, type SeedTargets } from "./seed.js";

// `npm run seed`: fills the platform database and the assets container with the deterministic
// demo dataset (src/local/seed.ts). Without COSMOS_ENDPOINT it targets the local emulators that
// `npm start` runs. Prints counts only, never a personal value.

/** Flag → seed option. */
const FLAGS = {
  orgs: "orgs",
  contacts: "contactsPerOrg",
  users: "usersPerOrg",
  messages: "messagesPerContact",
  orders: "ordersPerContact",
  media: "mediaPerContact",
  campaigns: "campaigns",
  kb: "kbDocsPerOrg",
  imports: "importsPerOrg",
  seed: "seed",
} as const satisfies Record<string, keyof SeedOptions>;
type Flag = keyof typeof FLAGS;

const USAGE = `Usage: npm run seed -- [options]

  --orgs N        organizations (default ${DEFAULT_SEED_OPTIONS.orgs}, at least 2; the first is org-demo)
  --contacts N    contacts per org (default ${DEFAULT_SEED_OPTIONS.contactsPerOrg}, at least 7)
  --users N       users per org (default ${DEFAULT_SEED_OPTIONS.usersPerOrg})
  --messages N    messages per contact (default ${DEFAULT_SEED_OPTIONS.messagesPerContact})
  --orders N      orders per contact (default ${DEFAULT_SEED_OPTIONS.ordersPerContact})
  --media N       chat-media blobs per contact (default ${DEFAULT_SEED_OPTIONS.mediaPerContact}, at most --messages)
  --campaigns N   campaigns per org (default ${DEFAULT_SEED_OPTIONS.campaigns})
  --kb N          knowledge-base documents per org (default ${DEFAULT_SEED_OPTIONS.kbDocsPerOrg})
  --imports N     contact-import CSVs per org (default ${DEFAULT_SEED_OPTIONS.importsPerOrg})
  --seed N        PRNG seed (default ${DEFAULT_SEED_OPTIONS.seed})
  --now ISO       base date, activity lies before it (default ${DEFAULT_SEED_OPTIONS.now})

Environment: COSMOS_ENDPOINT, COSMOS_KEY, AzureWebJobsStorage, PLATFORM_DATABASE (platform),
PRIVACY_ASSETS_CONTAINER (org-assets). Without COSMOS_ENDPOINT: the local emulators
(http://127.0.0.1:8081 and UseDevelopmentStorage=true).`;

class UsageError extends Error {}

const positiveInt = z
  .string()
  .regex(/^\d+$/, "must be a positive integer")
  .transform(Number)
  .pipe(z.number().int().min(1, "must be a positive integer").max(10_000_000, "must be at most 10000000"));

const FlagsSchema = z.strictObject({
  orgs: positiveInt.optional(),
  contacts: positiveInt.optional(),
  users: positiveInt.optional(),
  messages: positiveInt.optional(),
  orders: positiveInt.optional(),
  media: positiveInt.optional(),
  campaigns: positiveInt.optional(),
  kb: positiveInt.optional(),
  imports: positiveInt.optional(),
  seed: z.string().regex(/^\d+$/, "must be a non-negative integer").transform(Number).optional(),
  now: z.string().optional(),
}) satisfies z.ZodType<Partial<Record<Flag, number>>, Partial<Record<Flag, string>>>;

/** Parses and validates the flags into complete seed options; throws UsageError naming the flag. */
export function parseSeedArgs(argv: readonly string[]): SeedOptions | "help" {
  let values: Record<string, string | boolean | undefined>;
  try {
    const flags = Object.fromEntries(Object.keys(FlagsSchema.shape).map((flag) => [flag, { type: "string" as const }]));
    const options = { ...flags, help: { type: "boolean" as const, short: "h" } };
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (cause) {
    throw new UsageError(ensureError(cause).message);
  }
  if (values.help === true) return "help";
  const { help: _help, ...flagValues } = values;
  const parsed = FlagsSchema.safeParse(flagValues);
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((issue) => `--${issue.path.map(String).join(".")} ${issue.message}`).join("\n"));
  }
  const partial: Partial<SeedOptions> = {};
  for (const [flag, option] of Object.entries(FLAGS) as [Flag, keyof SeedOptions][]) {
    const value = parsed.data[flag];
    if (value !== undefined) Object.assign(partial, { [option]: value });
  }
  if (parsed.data.now !== undefined) partial.now = parsed.data.now;
  try {
    return resolveSeedOptions(partial);
  } catch (error) {
    if (!(error instanceof EngineError)) throw error;
    const flagOf = (option: string) => {
      const entry = Object.entries(FLAGS).find(([, o]) => o === option);
      return entry === undefined ? option : entry[0];
    };
    throw new UsageError(error.fields.map((f) => `--${flagOf(f.path)} ${f.message}`).join("\n"));
  }
}

const ConnectionSchema = z.object({
  COSMOS_ENDPOINT: SettingsSchema.shape.COSMOS_ENDPOINT.optional(),
  COSMOS_KEY: SettingsSchema.shape.COSMOS_KEY.optional(),
  AzureWebJobsStorage: SettingsSchema.shape.AzureWebJobsStorage.optional(),
  PLATFORM_DATABASE: SettingsSchema.shape.PLATFORM_DATABASE,
  PRIVACY_ASSETS_CONTAINER: SettingsSchema.shape.PRIVACY_ASSETS_CONTAINER,
});

export interface SeedConnection {
  cosmosEndpoint: string;
  cosmosKey: string;
  storageConnectionString: string;
  platformDatabase: string;
  assetsContainer: string;
}

/** Reads the stores from the environment; local emulator defaults when COSMOS_ENDPOINT is unset. */
export function readSeedConnection(env: NodeJS.ProcessEnv): SeedConnection {
  const input = Object.fromEntries(
    Object.keys(ConnectionSchema.shape).flatMap((key) => (env[key] === undefined || env[key] === "" ? [] : [[key, env[key]]])),
  );
  const parsed = ConnectionSchema.safeParse(input);
  if (!parsed.success) {
    // Name the setting, never echo its value (a key or a connection string).
    throw new UsageError(parsed.error.issues.map((issue) => `${issue.path.map(String).join(".")}: ${issue.message}`).join("\n"));
  }
  const s = parsed.data;
  if (s.COSMOS_ENDPOINT === undefined) {
    return {
      cosmosEndpoint: "http://127.0.0.1:8081",
      cosmosKey: s.COSMOS_KEY ?? COSMOS_EMULATOR_KEY,
      storageConnectionString: s.AzureWebJobsStorage ?? "UseDevelopmentStorage=true",
      platformDatabase: s.PLATFORM_DATABASE,
      assetsContainer: s.PRIVACY_ASSETS_CONTAINER,
    };
  }
  const missing = (["COSMOS_KEY", "AzureWebJobsStorage"] as const).filter((key) => s[key] === undefined);
  if (missing.length > 0) throw new UsageError(missing.map((key) => `${key} is required when COSMOS_ENDPOINT is set`).join("\n"));
  return {
    cosmosEndpoint: s.COSMOS_ENDPOINT,
    cosmosKey: s.COSMOS_KEY ?? "",
    storageConnectionString: s.AzureWebJobsStorage ?? "",
    platformDatabase: s.PLATFORM_DATABASE,
    assetsContainer: s.PRIVACY_ASSETS_CONTAINER,
  };
}

/** A service URL without its query, which holds the signature when the connection uses a SAS. */
function withoutQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

/** Fails fast, with the store's name, when the emulators (or Azure) do not answer. */
async function probe(targets: SeedTargets): Promise<void> {
  try {
    await targets.cosmos.getDatabaseAccount();
  } catch (cause) {
    throw new EngineError("unavailable", `Cosmos DB did not answer: ${ensureError(cause).message}`, { cause });
  }
  try {
    await targets.blobService.getProperties();
  } catch (cause) {
    const message = `Blob Storage did not answer at ${withoutQuery(targets.blobService.url)}: ${ensureError(cause).message}`;
    throw new EngineError("unavailable", message, { cause });
  }
}

async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let options: SeedOptions;
  let connection: SeedConnection;
  try {
    const parsed = parseSeedArgs(argv);
    if (parsed === "help") {
      console.log(USAGE);
      return 0;
    }
    options = parsed;
    connection = readSeedConnection(env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    for (const line of error.message.split("\n")) console.error(`seed: ${line}`);
    console.error("Run `npm run seed -- --help` for the options.");
    return 2;
  }

  const targets: SeedTargets = {
    cosmos: new CosmosClient(cosmosClientOptions(connection.cosmosEndpoint, connection.cosmosKey)),
    platformDatabase: connection.platformDatabase,
    // Few retries: a store that is down should fail the command in seconds, not minutes.
    blobService: BlobServiceClient.fromConnectionString(connection.storageConnectionString, {
      retryOptions: { maxTries: 2, retryDelayInMs: 200, tryTimeoutInMs: 30_000 },
    }),
    assetsContainer: connection.assetsContainer,
  };

  try {
    console.log(`Seeding database "${connection.platformDatabase}" at ${withoutQuery(connection.cosmosEndpoint)}`);
    console.log(`  and blob container "${connection.assetsContainer}" at ${withoutQuery(targets.blobService.url)}`);
    await probe(targets);
    const before = await isSeeded(targets);
    const started = performance.now();
    const result = await seedPlatform(targets, options);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(before ? "Already seeded: items upserted and blobs overwritten again." : "Seeded.");
    console.log(`Orgs: ${result.orgIds.join(", ")}`);
    const row = (label: string, n: number) => `  ${label.padEnd(24)} ${String(n).padStart(8)}`;
    for (const [container, n] of Object.entries(result.counts)) console.log(row(container, n));
    console.log(row("blobs", result.blobs));
    console.log(`Done in ${seconds} s (seed ${options.seed}, now ${options.now}).`);
    return 0;
  } catch (error) {
    const message = error instanceof EngineError ? error.message : `Seeding failed: ${ensureError(error).message}`;
    console.error(`seed: ${message}`);
    if (error instanceof EngineError && error.code === "unavailable") {
      console.error("Are the stores running? `npm start` runs the local emulators;");
      console.error("for other stores set COSMOS_ENDPOINT, COSMOS_KEY and AzureWebJobsStorage.");
    }
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2), process.env);
