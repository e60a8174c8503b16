// The seed options: how many orgs, contacts, messages... a dataset has, the PRNG seed and the
// base date. The defaults give the small demo dataset; every option is validated so that each
// hard case (hard-cases.ts) finds the items it lives in.

import { z } from "zod";
import { EngineError } from "../../domain/errors.js";

export interface SeedOptions {
  /** The first org is the demo org `org-demo`, then `org-0002`, `org-0003`... */
  orgs: number;
  contactsPerOrg: number;
  usersPerOrg: number;
  messagesPerContact: number;
  ordersPerContact: number;
  /** Chat-media blobs per contact, attached to that contact's first messages. */
  mediaPerContact: number;
  /** Campaigns per org; each has one campaignEvent per contact of the org. */
  campaigns: number;
  /** Knowledge-base documents per org, each with one blob. */
  kbDocsPerOrg: number;
  /** Contact-import CSVs per org, each holding a subset of the org's contacts. */
  importsPerOrg: number;
  /** PRNG seed. */
  seed: number;
  /** ISO-8601 base date: every activity date lies before it. */
  now: string;
}

export const DEFAULT_SEED_OPTIONS: Readonly<SeedOptions> = Object.freeze({
  orgs: 2,
  contactsPerOrg: 25,
  usersPerOrg: 3,
  messagesPerContact: 6,
  ordersPerContact: 1,
  mediaPerContact: 1,
  campaigns: 2,
  kbDocsPerOrg: 2,
  importsPerOrg: 1,
  seed: 42,
  now: "2026-11-01T00:00:00.000Z",
});

/** The demo org holds the hard cases in its first contacts (see HARD_CASES). */
export const HARD_CASE_MIN_CONTACTS = 7;

const count = (min: number) => z.number().int(`must be an integer`).min(min, `must be at least ${min}`);

/**
 * Every option is a positive integer (except `seed`), so that each hard case has the items it
 * lives in: the cross-org phone needs a second org, the reformatted phones an order and a
 * campaign, the CSV case an import.
 */
export const SeedOptionsSchema = z
  .strictObject({
    orgs: count(2).max(9999, "must be at most 9999"),
    contactsPerOrg: count(HARD_CASE_MIN_CONTACTS),
    usersPerOrg: count(1),
    messagesPerContact: count(1),
    ordersPerContact: count(1),
    mediaPerContact: count(1),
    campaigns: count(1),
    kbDocsPerOrg: count(1),
    importsPerOrg: count(1),
    seed: z.number().int("must be an integer").min(0, "must be at least 0").max(0xffffffff, "must fit in 32 bits"),
    now: z.iso.datetime({ message: "must be an ISO-8601 UTC date-time, e.g. 2026-11-01T00:00:00.000Z" }),
  })
  .refine((o) => o.mediaPerContact <= o.messagesPerContact, {
    path: ["mediaPerContact"],
    message: "must not exceed the messages per contact (media are attached to messages)",
  });

/** Defaults filled in and validated; throws a validation EngineError naming the option. */
export function resolveSeedOptions(options: Partial<SeedOptions> = {}): SeedOptions {
  const defined = Object.fromEntries(Object.entries(options as Record<string, unknown>).filter(([, v]) => v !== undefined));
  const parsed = SeedOptionsSchema.safeParse({ ...DEFAULT_SEED_OPTIONS, ...defined });
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
    throw new EngineError("validation", `Invalid seed options: ${fields.map((f) => `${f.path} ${f.message}`).join("; ")}`, {
      fields,
    });
  }
  return parsed.data;
}
