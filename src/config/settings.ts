import { z } from "zod";
import { Cron } from "croner";
import { ERASURE_MESSAGE_KINDS } from "../domain/erasure-message.js";
import { Jurisdiction } from "../domain/request.js";

// Every setting the engine reads, parsed once by one schema. A missing or malformed setting
// stops the start with a message that names it. Names are app-setting names, as in Azure.

export const ROLE_NAMES = ["privacy-admin", "privacy-operator", "auditor", "service"] as const;
export const Role = z.enum(ROLE_NAMES);
export type Role = z.infer<typeof Role>;

/** An API key as stored in settings: its SHA-256 (hex), never the key itself. */
export const ApiKeyEntry = z.strictObject({
  id: z.string().min(1).max(64),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be the lowercase hex SHA-256 of the key"),
  role: Role,
  orgs: z.union([z.literal("*"), z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, "must be an org id")).min(1)]),
});
export type ApiKeyEntry = z.infer<typeof ApiKeyEntry>;

const booleanSetting = z
  .enum(["true", "false", "1", "0"])
  .default("false")
  .transform((v) => v === "true" || v === "1");

const ncrontab = z.string().refine(
  (value) => {
    if (value.split(/\s+/).length !== 6) return false;
    try {
      new Cron(value, { paused: true });
      return true;
    } catch {
      return false;
    }
  },
  { message: "must be a six-field NCRONTAB expression ({second} {minute} {hour} {day} {month} {day-of-week})" },
);

const name = (pattern: RegExp, hint: string) => z.string().regex(pattern, hint);
const queueName = name(/^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/, "must be a valid storage queue name");
const serviceBusEntity = name(
  /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,258}[A-Za-z0-9])?$/,
  "must be a Service Bus queue or topic name (letters, digits, '.', '-', '_'; starting and ending with a letter or digit)",
);

/** A setting holding JSON text, parsed, then checked by `schema`; `what` names the expected shape. */
const jsonSetting = <T extends z.ZodType>(schema: T, fallback: string, what: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: `must be ${what}` });
        return z.NEVER;
      }
    })
    .pipe(schema);

const jsonObject = <T extends z.ZodType>(item: T, fallback: string) => jsonSetting(item, fallback, "a JSON object");

const orgIdPattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * One Service Bus producer as declared in `PRIVACY_SERVICE_BUS_PRODUCERS`: the orgs it may send
 * for (`*` for all) and the message kinds it may use. `org-offboarding` must be listed explicitly.
 */
export const ServiceBusProducer = z.strictObject({
  orgs: z.union([z.literal("*"), z.array(z.string().regex(orgIdPattern, "must be an org id")).min(1)]),
  kinds: z.array(z.enum(ERASURE_MESSAGE_KINDS)).min(1),
});
export type ServiceBusProducer = z.infer<typeof ServiceBusProducer>;
const producerName = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const commaList = <T extends z.ZodType<unknown, string>>(item: T, fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text) =>
      text
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part !== ""),
    )
    .pipe(z.array(item).min(1, "must name at least one value"));

const jsonArray = <T extends z.ZodType>(item: T) => jsonSetting(z.array(item), "[]", "a JSON array");

export const SettingsSchema = z.object({
  COSMOS_ENDPOINT: z.url(),
  COSMOS_KEY: z.string().min(1),
  PRIVACY_DATABASE: name(/^[A-Za-z0-9_-]{1,255}$/, "must be a Cosmos database id").default("privacy"),
  PLATFORM_DATABASE: name(/^[A-Za-z0-9_-]{1,255}$/, "must be a Cosmos database id").default("platform"),
  AzureWebJobsStorage: z.string().min(1),
  PRIVACY_WORK_QUEUE: queueName.default("privacy-work"),
  PRIVACY_ASSETS_CONTAINER: name(/^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/, "must be a valid blob container name").default(
    "org-assets",
  ),
  PRIVACY_SUBJECT_KEY_SECRET: z.string().min(32, "must be at least 32 characters"),
  /** HMAC key that signs erasure certificates (and hashes the ids in them). */
  PRIVACY_CERTIFICATE_KEY: z.string().min(32, "must be at least 32 characters"),
  PRIVACY_API_KEYS: jsonArray(ApiKeyEntry).refine((keys) => new Set(keys.map((k) => k.id)).size === keys.length, {
    message: "key ids must be unique (they name the caller in the audit trail and scope idempotency keys)",
  }),
  PRIVACY_DEV_API_KEY: z.string().min(16, "must be at least 16 characters").optional(),
  PRIVACY_EASYAUTH_ENABLED: booleanSetting,
  /** Entra tenant whose principals Easy Auth may pass (the principal's `tid`); required with Easy Auth. */
  PRIVACY_EASYAUTH_TENANT_ID: z.string().regex(/^[0-9a-fA-F-]{36}$/, "must be an Entra tenant id (a GUID)").optional(),
  /** Audience (application id URI or client id) the principal's `aud` must carry; required with Easy Auth. */
  PRIVACY_EASYAUTH_AUDIENCE: z.string().min(1).max(256).optional(),
  /** Roles that may open or verify a request by attestation (comma-separated). */
  PRIVACY_ATTESTING_ROLES: commaList(Role, "privacy-admin"),
  /** JSON object: producer name → {"orgs": "*" | [org ids], "kinds": [message kinds]}. No entry: no producer may send. */
  PRIVACY_SERVICE_BUS_PRODUCERS: jsonObject(
    z.record(z.string().regex(producerName, "must be a producer name (letters, digits, '.', '-', '_')"), ServiceBusProducer),
    "{}",
  ),
  /** The local host (`npm start`) refuses Azure endpoints unless this is true. */
  PRIVACY_LOCAL_ALLOW_AZURE: booleanSetting,
  PRIVACY_DEADLINE_SCHEDULE: ncrontab.default("0 5 * * * *"),
  PRIVACY_VERIFICATION_TTL_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  PRIVACY_VERIFICATION_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  PRIVACY_DUE_SOON_DAYS: z.coerce.number().int().min(1).max(30).default(3),
  /** A data map file (JSON) describing the platform's data; default: the map of the platform data model. */
  PRIVACY_DATA_MAP_PATH: z.string().min(1).optional(),
  /** The built console's folder (index.html and assets/); default: dist/console of the package. */
  PRIVACY_CONSOLE_DIR: z.string().min(1).optional(),
  PRIVACY_DISCOVERY_PAGE_SIZE: z.coerce.number().int().min(10).max(1000).default(500),
  /** At most 7: a user-delegation link cannot outlive its key. */
  PRIVACY_PACKAGE_EXPIRY_DAYS: z.coerce.number().int().min(1).max(7).default(7),
  /** Blob endpoint (https://<account>.blob.core.windows.net) to use an Entra identity and user-delegation links. */
  PRIVACY_STORAGE_ACCOUNT_URL: z.url().optional(),
  /** Host patterns a portability package may be sent to (comma-separated, `*.` wildcard). */
  PRIVACY_PORTABILITY_DESTINATION_HOSTS: z.string().min(1).default("*.blob.core.windows.net"),
  PRIVACY_PACKAGE_SWEEP_SCHEDULE: ncrontab.default("0 30 2 * * *"),
  /** Deliveries of the work queue after which a failing step marks its request failed (host.json maxDequeueCount). */
  PRIVACY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  /** How long one work message may run erasure pages before the rest continues in a new message. */
  PRIVACY_ERASURE_SLICE_MS: z.coerce.number().int().min(1000).max(600_000).default(20_000),
  /** Batch requests (bulk deletes, patches, blob batches) in flight at once within a page. */
  PRIVACY_ERASURE_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
  /** Offboarding deletes a whole partition in one call (Azure accounts with the feature; the emulator lacks it). */
  PRIVACY_COSMOS_DELETE_BY_PARTITION: booleanSetting,
  /** The storage account keeps blob versions: erasure deletes earlier versions too. */
  PRIVACY_BLOB_VERSIONING: booleanSetting,
  /** Service Bus queue of the erasure intake (the trigger reads it as `%PRIVACY_SERVICE_BUS_QUEUE%`). */
  PRIVACY_SERVICE_BUS_QUEUE: serviceBusEntity.default("erasure-requests"),
  /** Service Bus topic the outbox is dispatched to (Art. 19 recipients subscribe to it). */
  PRIVACY_EVENTS_TOPIC: serviceBusEntity.default("privacy-events"),
  /** Service Bus queue (or topic) that carries sealed verification codes to the messaging service, never the events topic. */
  PRIVACY_VERIFICATION_DELIVERY_QUEUE: serviceBusEntity.default("privacy-verification-delivery"),
  /** Key shared with the messaging service alone: codes on the delivery queue are sealed under it. Unset: codes are held back. */
  PRIVACY_VERIFICATION_DELIVERY_KEY: z.string().min(32, "must be at least 32 characters").optional(),
  /** Service Bus connection string (the trigger's `connection`); unset: identity, or no Service Bus. */
  ServiceBusConnection: z.string().regex(/Endpoint=sb:\/\//i, "must be a Service Bus connection string (Endpoint=sb://…)").optional(),
  /** Namespace host for an Entra identity, the Functions convention for identity-based connections. */
  ServiceBusConnection__fullyQualifiedNamespace: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9](:\d+)?$/, "must be a host name, e.g. <namespace>.servicebus.windows.net")
    .optional(),
  /** NCRONTAB of the outbox dispatch (every 30 seconds). */
  PRIVACY_OUTBOX_SCHEDULE: ncrontab.default("*/30 * * * * *"),
  /** Set by App Service / Functions in Azure; used to refuse development-only settings there. */
  WEBSITE_SITE_NAME: z.string().optional(),
  /** Set to True by App Service when App Service Authentication is on. */
  WEBSITE_AUTH_ENABLED: z.string().optional(),
  // --- Sweeps (retention and children's data); an org's settings document may override the periods.
  /** NCRONTAB of the retention sweep (daily). */
  PRIVACY_RETENTION_SCHEDULE: ncrontab.default("0 0 3 * * *"),
  /** NCRONTAB of the children's-data sweep (hourly). */
  PRIVACY_CHILDREN_SCHEDULE: ncrontab.default("0 20 * * * *"),
  /** Months without activity (`contacts.lastActivityAt`) after which a contact is erased. */
  PRIVACY_CONTACT_INACTIVITY_MONTHS: z.coerce.number().int().min(1).max(240).default(36),
  /** Months without a login (`users.lastLoginAt`, `organizations.lastActiveAt`) after which an account is erased (an org offboarded). */
  PRIVACY_ACCOUNT_INACTIVITY_MONTHS: z.coerce.number().int().min(1).max(240).default(24),
  /** Hours between the notice and the erasure (DPDP: 48). */
  PRIVACY_RETENTION_NOTICE_HOURS: z.coerce.number().int().min(0).max(8760).default(48),
  /** Below this age a person is a child, unless the jurisdiction says otherwise below. */
  PRIVACY_CHILD_AGE: z.coerce.number().int().min(1).max(21).default(13),
  /** JSON object: jurisdiction → age under which a person is a child. */
  PRIVACY_CHILD_AGE_BY_JURISDICTION: jsonObject(z.partialRecord(Jurisdiction, z.number().int().min(1).max(21)), '{"DPDP":18}'),
  /** Query page size of the sweeps (subjects per page). */
  PRIVACY_SWEEP_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(200),
  /** How long one work message may sweep an org before the rest continues in a new message. */
  PRIVACY_SWEEP_SLICE_MS: z.coerce.number().int().min(1000).max(600_000).default(20_000),
  /** Lifetime of an org's sweep lease; renewed at every page, so only a dead holder lets it lapse. */
  PRIVACY_SWEEP_LEASE_SECONDS: z.coerce.number().int().min(10).max(3600).default(120),
});

export type Settings = z.infer<typeof SettingsSchema>;

export class SettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid settings:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "SettingsError";
  }
}

/** Parses settings from the environment. Messages name the setting, never echo its value. */
export function parseSettings(env: NodeJS.ProcessEnv): Settings {
  const input: Record<string, string> = {};
  for (const key of Object.keys(SettingsSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== "") input[key] = value;
  }
  const parsed = SettingsSchema.safeParse(input);
  if (!parsed.success) {
    throw new SettingsError(
      parsed.error.issues.map((issue) => {
        const [head, ...rest] = issue.path;
        const setting = String(head ?? "settings");
        const where = rest.length > 0 ? ` (at ${rest.join(".")})` : "";
        const missing = input[setting] === undefined && issue.code === "invalid_type";
        return missing ? `${setting} is required but not set` : `${setting}${where}: ${issue.message}`;
      }),
    );
  }
  const settings = parsed.data;
  if (settings.PRIVACY_DEV_API_KEY !== undefined && settings.WEBSITE_SITE_NAME !== undefined) {
    throw new SettingsError(["PRIVACY_DEV_API_KEY must not be set when running in Azure (WEBSITE_SITE_NAME is set)"]);
  }
  // The principal header is only trustworthy when App Service Authentication sits in front and
  // strips forged ones; in Azure, refuse the flag unless it does.
  if (settings.PRIVACY_EASYAUTH_ENABLED && settings.WEBSITE_SITE_NAME !== undefined && settings.WEBSITE_AUTH_ENABLED?.toLowerCase() !== "true") {
    throw new SettingsError(["PRIVACY_EASYAUTH_ENABLED requires App Service Authentication to be on (WEBSITE_AUTH_ENABLED=True)"]);
  }
  if (settings.PRIVACY_EASYAUTH_ENABLED) {
    // The principal headers are trustworthy only where the platform strips forged ones, and only
    // for principals of our tenant and audience.
    const problems: string[] = [];
    if (settings.WEBSITE_SITE_NAME === undefined) problems.push("PRIVACY_EASYAUTH_ENABLED requires the App Service / Functions platform (WEBSITE_SITE_NAME is not set)");
    if (settings.PRIVACY_EASYAUTH_TENANT_ID === undefined) problems.push("PRIVACY_EASYAUTH_TENANT_ID is required when PRIVACY_EASYAUTH_ENABLED is true");
    if (settings.PRIVACY_EASYAUTH_AUDIENCE === undefined) problems.push("PRIVACY_EASYAUTH_AUDIENCE is required when PRIVACY_EASYAUTH_ENABLED is true");
    if (problems.length > 0) throw new SettingsError(problems);
  }
  return settings;
}

/**
 * The parsed settings as app settings, defaults included, for binding expressions
 * (`%PRIVACY_WORK_QUEUE%`, `%PRIVACY_DEADLINE_SCHEDULE%`) that read app settings directly. In Azure
 * the deployment sets them; locally the schema's defaults fill what is unset.
 */
export function withSettingDefaults(env: NodeJS.ProcessEnv, settings: Settings): NodeJS.ProcessEnv {
  const filled: NodeJS.ProcessEnv = { ...env };
  for (const [name, value] of Object.entries(settings)) {
    if (filled[name] !== undefined && filled[name] !== "") continue;
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") filled[name] = String(value);
  }
  return filled;
}
