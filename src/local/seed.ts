import type { CosmosClient, Container, JSONObject, OperationInput } from "@azure/cosmos";
import type { BlobServiceClient } from "@azure/storage-blob";
import { z } from "zod";
import { PLATFORM_CONTAINERS, PLATFORM_CONTAINER_IDS, type PlatformContainerId } from "../config/resources.js";
import { EngineError, ensureError } from "../domain/errors.js";
import type { Jurisdiction } from "../domain/request.js";

/**
 * A deterministic dataset of the platform's data model (the containers and blob paths of src/config/platform-data-map.json):
 * the same options give byte-identical items and blobs. Randomness comes from a seeded PRNG
 * (mulberry32) and every date is derived from `options.now`, never from the clock.
 *
 * `buildDataset` is pure; `seedPlatform` writes a dataset into Cosmos DB and Blob Storage with
 * upserts and overwrites, so running it twice leaves the same state.
 */

// ---------------------------------------------------------------------------------------------
// Options

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

// ---------------------------------------------------------------------------------------------
// The items: one interface per container, as the data model describes them

interface ItemBase {
  id: string;
  orgId: string;
}

export type CountryCode = "DE" | "US" | "GB";

export interface OrganizationItem extends ItemBase {
  name: string;
  billingEmail: string;
  ownerUserId: string;
  plan: string;
  createdAt: string;
  lastActiveAt: string;
  settings: { jurisdiction: Jurisdiction; defaultCountry: CountryCode; timezone: string; currency: string };
}

export interface UserItem extends ItemBase {
  name: string;
  email: string;
  phone: string;
  dateOfBirth?: string;
  role: "owner" | "admin" | "agent";
  createdAt: string;
  lastLoginAt: string;
}

export interface ParentalConsent {
  verified: boolean;
  verifiedAt: string;
  method: string;
}

export interface ContactItem extends ItemBase {
  name: string;
  /** E.164. */
  phone: string;
  email?: string;
  attributes: { city: string; preferredLanguage: string; source: "whatsapp" | "import"; importId?: string; loyaltyTier: string };
  tags: string[];
  dateOfBirth?: string;
  parentalConsent?: ParentalConsent;
  createdAt: string;
  lastActivityAt: string;
}

export interface ConversationItem extends ItemBase {
  contactId: string;
  assignedUserId: string;
  channel: "whatsapp";
  status: "open" | "closed";
  startedAt: string;
  lastMessageAt: string;
}

export interface MessageItem extends ItemBase {
  conversationId: string;
  contactId: string;
  text: string;
  direction: "inbound" | "outbound";
  sentAt: string;
  media?: { blobPath: string; contentType: string; sizeBytes: number };
}

export interface PostalAddress {
  street: string;
  postalCode: string;
  city: string;
  country: CountryCode;
}

export interface OrderItem extends ItemBase {
  contactId: string;
  customer: { name: string; phone: string; email?: string; address: PostalAddress };
  amount: number;
  currency: string;
  status: "paid" | "shipped" | "delivered";
  orderedAt: string;
}

export interface CampaignStats {
  recipients: number;
  sent: number;
  delivered: number;
  read: number;
  failed: number;
}

export interface CampaignItem extends ItemBase {
  name: string;
  channel: "whatsapp";
  templateName: string;
  createdAt: string;
  stats: CampaignStats;
}

export type CampaignEventStatus = "sent" | "delivered" | "read" | "failed";

export interface CampaignEventItem extends ItemBase {
  campaignId: string;
  contactId: string;
  phone: string;
  status: CampaignEventStatus;
  sentAt: string;
}

export interface KnowledgeBaseDocumentItem extends ItemBase {
  title: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  uploadedBy: string;
  uploadedAt: string;
  blobPath: string;
}

/** The item type of each platform container; a missing container fails to compile. */
export interface PlatformItemTypes {
  organizations: OrganizationItem;
  users: UserItem;
  contacts: ContactItem;
  conversations: ConversationItem;
  messages: MessageItem;
  orders: OrderItem;
  campaignEvents: CampaignEventItem;
  campaigns: CampaignItem;
  knowledgeBaseDocuments: KnowledgeBaseDocumentItem;
}
export type PlatformItems = { [K in PlatformContainerId]: PlatformItemTypes[K][] };

export interface SeedBlob {
  /** Path inside the assets container: `{orgId}/{assetType}/...`. */
  readonly name: string;
  readonly content: Buffer;
  readonly contentType: string;
}

export interface Dataset {
  readonly options: SeedOptions;
  readonly orgIds: string[];
  readonly items: PlatformItems;
  readonly blobs: SeedBlob[];
}

// ---------------------------------------------------------------------------------------------
// Hard cases

/**
 * Cases the engine must get right, present in every dataset (ids and values do not depend on
 * the options; dates are relative to `options.now`):
 *
 * - duplicateContact: one person imported twice into org-demo: two contacts with the same name,
 *   phone and email but different ids (one came in over WhatsApp, one from a CSV import).
 * - crossOrgPhone: the same phone is a contact in org-demo and in org-0002 (different emails):
 *   a request scoped to one org must leave the other org's contact alone.
 * - reformattedIdentifiers: the duplicated subject's phone is stored in other formats outside
 *   the contacts: national format "030 1234567" in an order's customer.phone, international with
 *   spaces "+49 30 1234567" in a campaignEvent's phone; the same order holds the email in mixed
 *   case. The contacts hold E.164 and lower case.
 * - importWithSubject: the first contact-import CSV of org-demo holds the duplicated subject among
 *   other rows, including a name that needs CSV quoting (a comma and double quotes).
 * - childWithoutConsent: a 10-year-old contact (dateOfBirth < 13 years before now), no
 *   parentalConsent. childWithConsent: an 11-year-old with verified parental consent.
 *   Every other contact and user is an adult.
 * - staleContact: lastActivityAt 40 months before now (> 36); every other contact was active
 *   within the last 24 months.
 */
export const HARD_CASES = {
  duplicateContact: {
    orgId: "org-demo",
    contactIds: ["contact-demo-0001", "contact-demo-0002"],
    name: "Mila Hartmann",
    phone: "+49301234567",
    email: "mila.hartmann@example.com",
  },
  crossOrgPhone: {
    phone: "+493098765432",
    name: "Jonas Albrecht",
    contacts: [
      { orgId: "org-demo", contactId: "contact-demo-0003", email: "jonas.albrecht@example.com" },
      { orgId: "org-0002", contactId: "contact-0002-0001", email: "j.albrecht@example.org" },
    ],
  },
  reformattedIdentifiers: {
    orgId: "org-demo",
    contactId: "contact-demo-0001",
    e164: "+49301234567",
    orderId: "order-demo-0001-01",
    orderPhone: "030 1234567",
    orderEmail: "Mila.Hartmann@Example.com",
    campaignEventId: "cevt-demo-01-0001",
    campaignEventPhone: "+49 30 1234567",
  },
  importWithSubject: {
    orgId: "org-demo",
    importId: "import-demo-01",
    blobPath: "org-demo/contact-imports/import-demo-01.csv",
    subjectContactId: "contact-demo-0002",
    /** A row that needs CSV quoting: a comma and double quotes in the name. */
    quotedContact: {
      contactId: "contact-demo-0007",
      name: 'Vogel, Ann-Kathrin "Anki"',
      phone: "+493062850071",
      email: "ak.vogel@example.org",
    },
  },
  childWithoutConsent: {
    orgId: "org-demo",
    contactId: "contact-demo-0004",
    name: "Leni Vogt",
    phone: "+493040221187",
    ageYears: 10,
  },
  childWithConsent: {
    orgId: "org-demo",
    contactId: "contact-demo-0005",
    name: "Finn Brandt",
    phone: "+493040221188",
    email: "eltern.brandt@example.org",
    ageYears: 11,
  },
  staleContact: {
    orgId: "org-demo",
    contactId: "contact-demo-0006",
    name: "Greta Lindner",
    phone: "+493071193345",
    email: "greta.lindner@example.net",
    monthsInactive: 40,
  },
} as const;

// ---------------------------------------------------------------------------------------------
// Deterministic randomness and dates

class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** mulberry32: small, fast, good enough for test data. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(values: readonly T[]): T {
    const value = values[Math.floor(this.next() * values.length)];
    if (value === undefined) throw new Error("pick from an empty list");
    return value;
  }
  digits(n: number): string {
    let out = "";
    for (let i = 0; i < n; i++) out += String(this.int(0, 9));
    return out;
  }
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(0, 255);
    return out;
  }
}

const DAY_MS = 86_400_000;

class Clock {
  readonly nowMs: number;
  constructor(now: string) {
    this.nowMs = Date.parse(now);
  }
  /** ISO date-time `days` (fractional allowed) before now, on whole seconds. */
  daysAgo(days: number): string {
    return new Date(Math.floor((this.nowMs - days * DAY_MS) / 1000) * 1000).toISOString();
  }
  monthsAgo(months: number): string {
    const d = new Date(this.nowMs);
    d.setUTCMonth(d.getUTCMonth() - months);
    return d.toISOString();
  }
  /** ISO date (YYYY-MM-DD) of someone `years` old plus `extraDays`. */
  birthDate(years: number, extraDays: number): string {
    const d = new Date(this.nowMs);
    d.setUTCFullYear(d.getUTCFullYear() - years);
    return new Date(d.getTime() - extraDays * DAY_MS).toISOString().slice(0, 10);
  }
}

const addDays = (iso: string, days: number): string =>
  new Date(Math.floor((Date.parse(iso) + days * DAY_MS) / 1000) * 1000).toISOString();

const pad = (n: number, width: number): string => String(n).padStart(width, "0");

// ---------------------------------------------------------------------------------------------
// Locale material: fake but plausible, and distinctive enough to grep logs for

interface Locale {
  country: CountryCode;
  jurisdiction: Jurisdiction;
  language: string;
  currency: string;
  timezone: string;
  firstNames: readonly string[];
  lastNames: readonly string[];
  streets: readonly string[];
  cities: readonly { city: string; postalCodes: readonly string[] }[];
  /** A fresh fictional-range phone; `wide` once the narrow fictional range is crowded. */
  phone: (rng: Rng, wide: boolean) => string;
  greeting: (firstName: string) => string;
  inbound: readonly string[];
  outbound: readonly string[];
  mediaCaptions: readonly string[];
  campaignNames: readonly string[];
  kbTitles: readonly string[];
}

const US_AREA_CODES = [
  "201", "206", "212", "303", "305", "312", "404", "415", "503", "512", "602", "617", "619", "646", "702",
  "713", "718", "720", "858", "919",
];

const LOCALES: readonly Locale[] = [
  {
    country: "DE",
    jurisdiction: "GDPR",
    language: "de",
    currency: "EUR",
    timezone: "Europe/Berlin",
    // The hard cases' names (Mila Hartmann, Jonas Albrecht, ...) are deliberately absent here.
    firstNames: [
      "Lukas", "Hannah", "Felix", "Emilia", "Clara", "Maximilian", "Johanna", "Elias", "Ida", "Theo",
      "Frieda", "Anton", "Marlene", "Jürgen", "Zoë", "Konstantin", "Annika", "Henrik", "Lotte", "Wiebke",
    ],
    lastNames: [
      "Schäfer", "Krüger", "Brenner", "Dietrich", "Falkenberg", "Gerlach", "Hofmeister", "Janssen",
      "Kessler", "Meißner", "Niemann", "Oppermann", "Reinholz", "Seidlitz", "Thalberg", "Ulbrich",
      "Wendland", "Zöllner", "Quandtmeyer", "Achterberg",
    ],
    streets: [
      "Kastanienallee", "Oranienstraße", "Bergmannstraße", "Schönhauser Allee", "Kollwitzstraße",
      "Boxhagener Straße", "Simon-Dach-Straße", "Graefestraße",
    ],
    cities: [{ city: "Berlin", postalCodes: ["10115", "10245", "10405", "10437", "10961", "10999", "12047", "13353"] }],
    // Berlin landlines: +49 30 and an 8-digit subscriber number.
    phone: (rng) => `+4930${String(rng.int(2, 9))}${rng.digits(7)}`,
    greeting: (first) => `Hallo ${first}, danke für Ihre Nachricht! Wie können wir helfen?`,
    inbound: [
      "Ist das Rad in Größe M noch verfügbar?", "Wann kommt meine Lieferung an?",
      "Kann ich die Bestellung noch ändern?", "Habt ihr am Samstag geöffnet?",
      "Die Klingel ist leider defekt.",
    ],
    outbound: [
      "Ja, das Modell ist vorrätig.", "Ihre Sendung ist unterwegs und kommt morgen.",
      "Gern, wir passen die Bestellung an.", "Samstags sind wir von 10 bis 16 Uhr da.",
      "Das tut uns leid, wir schicken Ersatz.",
    ],
    mediaCaptions: ["Foto vom Schaden am Rahmen", "Hier ein Bild der Quittung", "So sieht das Teil aus"],
    campaignNames: ["Frühjahrs-Check", "Herbstaktion Beleuchtung", "Winterreifen-Erinnerung", "Neukunden-Rabatt"],
    kbTitles: ["Rückgaberichtlinie", "Garantiebedingungen", "Wartungsintervalle", "Versand und Lieferzeiten"],
  },
  {
    country: "US",
    jurisdiction: "CCPA",
    language: "en",
    currency: "USD",
    timezone: "America/Los_Angeles",
    firstNames: [
      "Harper", "Ezra", "Savannah", "Declan", "Marisol", "Tobias", "Juniper", "Silas", "Rosalind", "Everett",
      "Delphine", "Cormac", "Thaddeus", "Wren", "Octavia", "Beckett", "Lucinda", "Rafferty", "Maren",
      "Ignatius",
    ],
    lastNames: [
      "Whitaker", "Castellano", "Okafor", "Lindqvist", "Beaumont", "Haverford", "Pemberton", "Nakamura",
      "Delacroix", "Fairbanks", "Galloway", "Kensington", "Marchetti", "Ashworth", "Prescott", "Quintero",
      "Rutherford", "Sorensen", "Vandermeer", "Thistlewood",
    ],
    streets: [
      "Maple Avenue", "Larkspur Lane", "Sycamore Street", "Harbor View Road", "Juniper Court",
      "Bayshore Drive", "Redwood Terrace", "Alder Way",
    ],
    cities: [
      { city: "San Francisco", postalCodes: ["94103", "94110", "94117", "94122"] },
      { city: "Oakland", postalCodes: ["94607", "94610", "94612"] },
    ],
    // 555-0100..0199 is reserved for fiction; past that, other 555 lines.
    phone: (rng, wide) => `+1${rng.pick(US_AREA_CODES)}555${wide ? pad(rng.int(200, 9999), 4) : `01${rng.digits(2)}`}`,
    greeting: (first) => `Hi ${first}, thanks for reaching out! How can we help?`,
    inbound: [
      "Is the gravel bike still in stock?", "When will my order arrive?",
      "Can I change my delivery address?", "Are you open on Sunday?", "The brake lever feels loose.",
    ],
    outbound: [
      "Yes, we have it in stock.", "Your package ships today.", "Sure, we updated the order.",
      "Sundays we are open 11 to 5.", "Sorry about that, bring it in and we will fix it.",
    ],
    mediaCaptions: ["Photo of the scratch on the frame", "Here is the receipt", "This is the part I need"],
    campaignNames: ["Spring Tune-Up", "Holiday Lights Promo", "Commuter Week", "Welcome Discount"],
    kbTitles: ["Return Policy", "Warranty Terms", "Service Intervals", "Shipping and Delivery"],
  },
  {
    country: "GB",
    jurisdiction: "UK-GDPR",
    language: "en",
    currency: "GBP",
    timezone: "Europe/London",
    firstNames: ["Rupert", "Philippa", "Hamish", "Tamsin", "Alistair", "Rosamund", "Crispin", "Saoirse", "Fergus", "Perpetua"],
    lastNames: [
      "Aldridge", "Blackwood", "Cavendish", "Dunmore", "Fairweather", "Gatling", "Hollingsworth", "Kilbride",
      "Pennington", "Whitlock",
    ],
    streets: ["Coldharbour Lane", "Stroud Green Road", "Lordship Lane", "Essex Road"],
    cities: [{ city: "London", postalCodes: ["SE5 9NR", "N4 3PX", "SE22 8HN", "N1 3PN"] }],
    // 020 7946 0000..0999 is reserved for drama.
    phone: (rng, wide) => `+44207946${wide ? rng.digits(4) : `0${rng.digits(3)}`}`,
    greeting: (first) => `Hello ${first}, thanks for your message! How can we help?`,
    inbound: ["Do you have the folding bike in blue?", "Has my order been dispatched?", "Could I collect in store instead?"],
    outbound: ["Yes, in blue and in grey.", "It was dispatched this morning.", "Of course, it will be ready tomorrow."],
    mediaCaptions: ["Photo of the damaged wheel", "Screenshot of the order"],
    campaignNames: ["Spring Service Offer", "Cycle to Work Reminder", "Autumn Sale"],
    kbTitles: ["Returns", "Warranty", "Delivery"],
  },
];

function localeOf(orgIndex: number): Locale {
  const locale = LOCALES[(orgIndex - 1) % LOCALES.length];
  if (locale === undefined) throw new Error("no locale");
  return locale;
}

function orgKeyOf(orgIndex: number): string {
  return orgIndex === 1 ? "demo" : pad(orgIndex, 4);
}

const ORG_NAMES: Record<number, { name: string; domain: string }> = {
  1: { name: "Spreeufer Fahrräder GmbH", domain: "spreeufer-fahrraeder.example.com" },
  2: { name: "Golden Gate Bicycle Co.", domain: "goldengate-bicycles.example.com" },
};
const ORG_NAME_PARTS = ["Meridian", "Nordlicht", "Harborline", "Kestrel", "Bluebell", "Fernweh"];

/** ASCII local part for an email address. */
function emailLocalPart(name: string): string {
  return name
    .toLowerCase()
    .replace(/ä/g, "ae")
    .replace(/ö/g, "oe")
    .replace(/ü/g, "ue")
    .replace(/ß/g, "ss")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/\s+/g, ".")
    .replace(/[^a-z0-9.-]/g, "");
}

// ---------------------------------------------------------------------------------------------
// Blob contents: small, deterministic, with the right magic bytes

function jpegBytes(rng: Rng): Buffer {
  // SOI and a JFIF APP0 header, random payload, EOI.
  const head = Buffer.from([
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
  ]);
  return Buffer.concat([head, rng.bytes(rng.int(64, 192)), Buffer.from([0xff, 0xd9])]);
}

function pngBytes(rng: Rng): Buffer {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, rng.bytes(rng.int(48, 96))]);
}

const KB_FORMATS = [
  { ext: "pdf", contentType: "application/pdf" },
  { ext: "docx", contentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
  { ext: "html", contentType: "text/html; charset=utf-8" },
] as const;

function kbContent(ext: (typeof KB_FORMATS)[number]["ext"], title: string, orgName: string): Buffer {
  const body = `${title}: this document describes how ${orgName} handles it. Version 1.`;
  switch (ext) {
    case "pdf":
      return Buffer.from(
        `%PDF-1.4\n1 0 obj\n<< /Title (${title}) >>\nendobj\n% ${body}\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n`,
        "utf8",
      );
    case "docx":
      // Placeholder bytes with the ZIP signature; not a real OOXML package.
      return Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from(body, "utf8")]);
    case "html":
      return Buffer.from(
        `<!doctype html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>\n` +
          `<body><h1>${title}</h1><p>${body}</p></body></html>\n`,
        "utf8",
      );
  }
}

/** RFC 4180: quote a field holding a comma, quote, CR or LF; double inner quotes. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replace(/"/g, '""')}"` : value;
}

export function contactImportCsv(rows: readonly { name: string; phone: string; email?: string }[]): string {
  const lines = ["name,phone,email", ...rows.map((r) => [r.name, r.phone, r.email ?? ""].map(csvField).join(","))];
  return `${lines.join("\r\n")}\r\n`;
}

// ---------------------------------------------------------------------------------------------
// The builder

interface ContactPlan {
  index: number;
  name: string;
  phone: string;
  email?: string;
  dateOfBirth?: string;
  parentalConsent?: ParentalConsent;
  lastActivityAt: string;
  source: "whatsapp" | "import";
  /** 1-based import number when the contact came from a CSV import. */
  importNumber?: number;
}

class DatasetBuilder {
  private readonly rng: Rng;
  private readonly clock: Clock;
  private readonly usedPhones = new Set<string>();
  private readonly usedEmails = new Set<string>();
  readonly items: PlatformItems = {
    organizations: [],
    users: [],
    contacts: [],
    conversations: [],
    messages: [],
    orders: [],
    campaignEvents: [],
    campaigns: [],
    knowledgeBaseDocuments: [],
  };
  readonly blobs: SeedBlob[] = [];

  constructor(private readonly options: SeedOptions) {
    this.rng = new Rng(options.seed);
    this.clock = new Clock(options.now);
    // Reserve the hard cases' identifiers so that no generated person collides with them.
    const h = HARD_CASES;
    const people = [h.duplicateContact, h.importWithSubject.quotedContact, h.childWithConsent, h.staleContact];
    for (const phone of [...people.map((p) => p.phone), h.crossOrgPhone.phone, h.childWithoutConsent.phone]) {
      this.usedPhones.add(phone);
    }
    for (const email of [...people.map((p) => p.email), ...h.crossOrgPhone.contacts.map((c) => c.email)]) {
      this.usedEmails.add(email);
    }
  }

  private freshPhone(locale: Locale): string {
    for (let attempt = 0; attempt < 10_000; attempt++) {
      const phone = locale.phone(this.rng, attempt >= 20);
      if (!this.usedPhones.has(phone)) {
        this.usedPhones.add(phone);
        return phone;
      }
    }
    throw new EngineError("validation", `Too many contacts for the fictional phone ranges of ${locale.country}`);
  }

  private freshEmail(name: string, domain: string): string {
    const local = emailLocalPart(name);
    for (let n = 1; ; n++) {
      const email = `${local}${n === 1 ? "" : String(n)}@${domain}`;
      if (!this.usedEmails.has(email)) {
        this.usedEmails.add(email);
        return email;
      }
    }
  }

  private personName(locale: Locale): string {
    return `${this.rng.pick(locale.firstNames)} ${this.rng.pick(locale.lastNames)}`;
  }

  private adultBirthDate(): string {
    return this.clock.birthDate(this.rng.int(18, 74), this.rng.int(1, 360));
  }

  build(): Dataset {
    const orgIds: string[] = [];
    for (let orgIndex = 1; orgIndex <= this.options.orgs; orgIndex++) orgIds.push(this.buildOrg(orgIndex));
    return { options: this.options, orgIds, items: this.items, blobs: this.blobs };
  }

  private buildOrg(orgIndex: number): string {
    const { options, rng, clock } = this;
    const locale = localeOf(orgIndex);
    const orgKey = orgKeyOf(orgIndex);
    const orgId = `org-${orgKey}`;
    const org = ORG_NAMES[orgIndex] ?? {
      name: `${rng.pick(ORG_NAME_PARTS)} Cycles ${orgKey}`,
      domain: `cycles-${orgKey}.example.com`,
    };

    // Users; the first one owns the org.
    const userIds: string[] = [];
    for (let u = 1; u <= options.usersPerOrg; u++) {
      const id = `user-${orgKey}-${pad(u, 3)}`;
      userIds.push(id);
      const name = this.personName(locale);
      const user: UserItem = {
        id,
        orgId,
        name,
        email: this.freshEmail(name, org.domain),
        phone: this.freshPhone(locale),
        role: u === 1 ? "owner" : u === 2 ? "admin" : "agent",
        createdAt: clock.daysAgo(rng.int(400, 900)),
        lastLoginAt: clock.daysAgo(rng.int(0, 60) + rng.next()),
      };
      if (u % 2 === 1) user.dateOfBirth = this.adultBirthDate();
      this.items.users.push(user);
      this.blobs.push({ name: `${orgId}/user-avatars/${id}.png`, content: pngBytes(rng), contentType: "image/png" });
    }
    const ownerUserId = userIds[0] ?? "";

    this.items.organizations.push({
      id: orgId,
      orgId,
      name: org.name,
      billingEmail: `billing@${org.domain}`,
      ownerUserId,
      plan: rng.pick(["starter", "growth", "scale"]),
      createdAt: clock.daysAgo(rng.int(900, 1400)),
      lastActiveAt: clock.daysAgo(rng.int(0, 3) + rng.next()),
      settings: {
        jurisdiction: locale.jurisdiction,
        defaultCountry: locale.country,
        timezone: locale.timezone,
        currency: locale.currency,
      },
    });

    // Campaigns first (their events are filled per contact, stats at the end).
    const campaigns: CampaignItem[] = [];
    for (let k = 1; k <= options.campaigns; k++) {
      const campaignName = locale.campaignNames[(k - 1) % locale.campaignNames.length] ?? "Campaign";
      const campaign: CampaignItem = {
        id: `campaign-${orgKey}-${pad(k, 2)}`,
        orgId,
        name: `${campaignName} #${String(k)}`,
        channel: "whatsapp",
        templateName: `promo_${pad(k, 2)}`,
        createdAt: clock.daysAgo(k * 15 + 3),
        stats: { recipients: 0, sent: 0, delivered: 0, read: 0, failed: 0 },
      };
      campaigns.push(campaign);
      this.items.campaigns.push(campaign);
    }

    const imports = new Map<number, { name: string; phone: string; email?: string }[]>();
    for (let k = 1; k <= options.importsPerOrg; k++) imports.set(k, []);

    for (let c = 1; c <= options.contactsPerOrg; c++) {
      const plan = this.hardCaseContact(orgIndex, c) ?? this.randomContact(locale, c);
      this.buildContact({ orgId, orgKey, locale, userIds, campaigns }, plan);
      if (plan.importNumber !== undefined) {
        const row = { name: plan.name, phone: plan.phone, ...(plan.email === undefined ? {} : { email: plan.email }) };
        imports.get(plan.importNumber)?.push(row);
      }
    }

    for (const [k, rows] of imports) {
      this.blobs.push({
        name: `${orgId}/contact-imports/import-${orgKey}-${pad(k, 2)}.csv`,
        content: Buffer.from(contactImportCsv(rows), "utf8"),
        contentType: "text/csv; charset=utf-8",
      });
    }

    for (let k = 1; k <= options.kbDocsPerOrg; k++) {
      const id = `kb-${orgKey}-${pad(k, 2)}`;
      const format = KB_FORMATS[(k - 1) % KB_FORMATS.length] ?? KB_FORMATS[0];
      const title = locale.kbTitles[(k - 1) % locale.kbTitles.length] ?? "Document";
      const fileName = `${emailLocalPart(title).replace(/\./g, "-")}-${pad(k, 2)}.${format.ext}`;
      const content = kbContent(format.ext, title, org.name);
      const blobPath = `${orgId}/knowledge-base/${id}/${fileName}`;
      this.items.knowledgeBaseDocuments.push({
        id,
        orgId,
        title,
        fileName,
        contentType: format.contentType,
        sizeBytes: content.length,
        uploadedBy: rng.pick(userIds),
        uploadedAt: clock.daysAgo(rng.int(30, 400)),
        blobPath,
      });
      this.blobs.push({ name: blobPath, content, contentType: format.contentType });
    }

    return orgId;
  }

  /** The fixed contacts of HARD_CASES, or undefined for a generated one. */
  private hardCaseContact(orgIndex: number, c: number): ContactPlan | undefined {
    const { clock, rng } = this;
    const h = HARD_CASES;
    const plan = (name: string, phone: string, email?: string): ContactPlan => ({
      index: c,
      name,
      phone,
      ...(email === undefined ? {} : { email }),
      lastActivityAt: clock.daysAgo(rng.int(1, 200) + rng.next()),
      source: "whatsapp",
    });
    const cross = h.crossOrgPhone;
    if (orgIndex === 2) return c === 1 ? plan(cross.name, cross.phone, cross.contacts[1].email) : undefined;
    if (orgIndex !== 1) return undefined;
    const dup = h.duplicateContact;
    switch (c) {
      case 1:
        return { ...plan(dup.name, dup.phone, dup.email), dateOfBirth: "1988-04-17" };
      case 2:
        return { ...plan(dup.name, dup.phone, dup.email), source: "import", importNumber: 1 };
      case 3:
        return plan(cross.name, cross.phone, cross.contacts[0].email);
      case 4: {
        const child = h.childWithoutConsent;
        return { ...plan(child.name, child.phone), dateOfBirth: clock.birthDate(child.ageYears, 90) };
      }
      case 5: {
        const child = h.childWithConsent;
        return {
          ...plan(child.name, child.phone, child.email),
          dateOfBirth: clock.birthDate(child.ageYears, 45),
          parentalConsent: { verified: true, verifiedAt: clock.daysAgo(120), method: "guardian-email-confirmation" },
        };
      }
      case 6: {
        const stale = h.staleContact;
        return { ...plan(stale.name, stale.phone, stale.email), lastActivityAt: clock.monthsAgo(stale.monthsInactive) };
      }
      case 7: {
        const quoted = h.importWithSubject.quotedContact;
        return { ...plan(quoted.name, quoted.phone, quoted.email), source: "import", importNumber: 1 };
      }
      default:
        return undefined;
    }
  }

  private randomContact(locale: Locale, c: number): ContactPlan {
    const { rng, clock, options } = this;
    const name = this.personName(locale);
    const plan: ContactPlan = {
      index: c,
      name,
      phone: this.freshPhone(locale),
      lastActivityAt: clock.daysAgo(rng.int(0, 720) + rng.next()),
      source: "whatsapp",
    };
    if (rng.chance(0.8)) plan.email = this.freshEmail(name, rng.pick(["example.com", "example.org", "example.net"]));
    if (rng.chance(0.4)) plan.dateOfBirth = this.adultBirthDate();
    if (rng.chance(0.5)) {
      plan.source = "import";
      plan.importNumber = ((c - 1) % options.importsPerOrg) + 1;
    }
    return plan;
  }

  private buildContact(
    org: { orgId: string; orgKey: string; locale: Locale; userIds: readonly string[]; campaigns: readonly CampaignItem[] },
    plan: ContactPlan,
  ): void {
    const { rng, options, clock } = this;
    const { orgId, orgKey, locale, userIds, campaigns } = org;
    const contactKey = `${orgKey}-${pad(plan.index, 4)}`;
    const contactId = `contact-${contactKey}`;
    const place = rng.pick(locale.cities);
    const createdAt = addDays(plan.lastActivityAt, -rng.int(30, 400));
    const contact: ContactItem = {
      id: contactId,
      orgId,
      name: plan.name,
      phone: plan.phone,
      attributes: {
        city: place.city,
        preferredLanguage: locale.language,
        source: plan.source,
        loyaltyTier: rng.pick(["none", "bronze", "silver", "gold"]),
      },
      tags: [
        rng.pick(["lead", "customer", "repeat-customer"]),
        ...(rng.chance(0.3) ? ["newsletter"] : []),
        ...(rng.chance(0.1) ? ["vip"] : []),
      ],
      createdAt,
      lastActivityAt: plan.lastActivityAt,
    };
    if (plan.importNumber !== undefined) contact.attributes.importId = `import-${orgKey}-${pad(plan.importNumber, 2)}`;
    if (plan.email !== undefined) contact.email = plan.email;
    if (plan.dateOfBirth !== undefined) contact.dateOfBirth = plan.dateOfBirth;
    if (plan.parentalConsent !== undefined) contact.parentalConsent = plan.parentalConsent;
    this.items.contacts.push(contact);

    // One conversation; its messages end at the contact's last activity.
    const conversationId = `conv-${contactKey}`;
    // "Last, First" (as some CRMs export) or "First Last".
    const givenNames = plan.name.includes(",") ? (plan.name.split(",")[1] ?? "") : plan.name;
    const firstName = givenNames.trim().split(" ")[0] ?? plan.name;
    const sentTimes: string[] = [];
    let at = plan.lastActivityAt;
    for (let m = 0; m < options.messagesPerContact; m++) {
      sentTimes.unshift(at);
      at = addDays(at, -(rng.int(1, 72) / 24));
    }
    for (let m = 0; m < options.messagesPerContact; m++) {
      const id = `msg-${contactKey}-${pad(m + 1, 3)}`;
      const hasMedia = m < options.mediaPerContact;
      const direction = hasMedia || m % 2 === 0 ? "inbound" : "outbound";
      // The first reply greets the contact by name: chat text holds personal data too.
      const text = hasMedia
        ? rng.pick(locale.mediaCaptions)
        : direction === "outbound" && m === 1
          ? locale.greeting(firstName)
          : rng.pick(direction === "inbound" ? locale.inbound : locale.outbound);
      const sentAt = sentTimes[m] ?? plan.lastActivityAt;
      const message: MessageItem = { id, orgId, conversationId, contactId, text, direction, sentAt };
      if (hasMedia) {
        const blobPath = `${orgId}/chat-media/${contactId}/${id}.jpg`;
        const content = jpegBytes(rng);
        message.media = { blobPath, contentType: "image/jpeg", sizeBytes: content.length };
        this.blobs.push({ name: blobPath, content, contentType: "image/jpeg" });
      }
      this.items.messages.push(message);
    }
    this.items.conversations.push({
      id: conversationId,
      orgId,
      contactId,
      assignedUserId: rng.pick(userIds),
      channel: "whatsapp",
      status: Date.parse(plan.lastActivityAt) > clock.nowMs - 14 * DAY_MS ? "open" : "closed",
      startedAt: sentTimes[0] ?? plan.lastActivityAt,
      lastMessageAt: plan.lastActivityAt,
    });

    const h = HARD_CASES.reformattedIdentifiers;
    const isReformatted = orgId === h.orgId && contactId === h.contactId;
    for (let k = 1; k <= options.ordersPerContact; k++) {
      const reformat = isReformatted && k === 1;
      const street = `${rng.pick(locale.streets)} ${String(rng.int(1, 140))}`;
      const order: OrderItem = {
        id: `order-${contactKey}-${pad(k, 2)}`,
        orgId,
        contactId,
        customer: {
          name: plan.name,
          phone: reformat ? h.orderPhone : plan.phone,
          address: { street, postalCode: rng.pick(place.postalCodes), city: place.city, country: locale.country },
        },
        amount: Math.round(rng.int(1500, 250000)) / 100,
        currency: locale.currency,
        status: rng.pick(["paid", "shipped", "delivered"]),
        orderedAt: addDays(plan.lastActivityAt, -rng.int(0, 25)),
      };
      const email = reformat ? h.orderEmail : plan.email;
      if (email !== undefined) order.customer.email = email;
      this.items.orders.push(order);
    }

    for (const [index, campaign] of campaigns.entries()) {
      const reformat = isReformatted && index === 0;
      const roll = rng.next();
      const status: CampaignEventStatus = roll < 0.1 ? "failed" : roll < 0.25 ? "sent" : roll < 0.6 ? "delivered" : "read";
      this.items.campaignEvents.push({
        id: `cevt-${orgKey}-${pad(index + 1, 2)}-${pad(plan.index, 4)}`,
        orgId,
        campaignId: campaign.id,
        contactId,
        phone: reformat ? h.campaignEventPhone : plan.phone,
        status,
        sentAt: addDays(campaign.createdAt, 1 + rng.int(0, 3600) / 86400),
      });
      const stats = campaign.stats;
      stats.recipients++;
      if (status === "failed") stats.failed++;
      else stats.sent++;
      if (status === "delivered" || status === "read") stats.delivered++;
      if (status === "read") stats.read++;
    }
  }
}


/** Pure: the same options give deep-equal items and byte-identical blobs. */
export function buildDataset(options: Partial<SeedOptions> = {}): Dataset {
  return new DatasetBuilder(resolveSeedOptions(options)).build();
}

/** Item counts per container, as written by seedPlatform. */
export function datasetCounts(dataset: Dataset): Record<PlatformContainerId, number> {
  const counts = PLATFORM_CONTAINER_IDS.map((id) => [id, dataset.items[id].length] as const);
  return Object.fromEntries(counts) as Record<PlatformContainerId, number>;
}

/**
 * Every personal value in the dataset, as stored: names, phones (in every stored format),
 * emails (in every stored case) and street lines. Sorted, without duplicates. For "no personal
 * data in logs" checks.
 */
export function personalValuesOf(dataset: Dataset): string[] {
  const values = new Set<string>();
  const add = (value: string | undefined) => {
    if (value !== undefined && value !== "") values.add(value);
  };
  const { items } = dataset;
  for (const org of items.organizations) add(org.billingEmail);
  for (const user of items.users) [user.name, user.email, user.phone].forEach(add);
  for (const contact of items.contacts) [contact.name, contact.phone, contact.email].forEach(add);
  for (const { customer } of items.orders) [customer.name, customer.phone, customer.email, customer.address.street].forEach(add);
  for (const event of items.campaignEvents) add(event.phone);
  return [...values].sort();
}

// ---------------------------------------------------------------------------------------------
// Writing to the stores

export interface SeedTargets {
  cosmos: CosmosClient;
  platformDatabase: string;
  blobService: BlobServiceClient;
  assetsContainer: string;
}

export interface SeedResult {
  counts: Record<string, number>;
  blobs: number;
  orgIds: string[];
  personalValues: string[];
}

/** `container.items.bulk` takes at most 100 operations a call. */
const BULK_LIMIT = 100;
const BULK_CONCURRENCY = 4;
const BLOB_CONCURRENCY = 16;
const RETRYABLE_STATUS = new Set([408, 429, 449, 503]);

async function mapConcurrent<T>(values: readonly T[], concurrency: number, task: (value: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < values.length) {
      const value = values[next++] as T;
      await task(value);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, values.length) }, worker));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function partitionOf(item: JSONObject): string {
  if (typeof item.orgId !== "string") throw new Error(`item ${JSON.stringify(item.id)} has no orgId to be partitioned by`);
  return item.orgId;
}

/**
 * Upserts one chunk (≤ 100 items, each partitioned by its `orgId`); retries throttled operations,
 * fails on any other error. The benchmark seeds through it too.
 */
export async function upsertChunk(container: Container, items: readonly object[]): Promise<void> {
  // Plain JSON documents of the platform's containers.
  let pending = items as readonly JSONObject[];
  for (let attempt = 0; pending.length > 0; attempt++) {
    const operations: OperationInput[] = pending.map((item) => ({
      operationType: "Upsert",
      partitionKey: partitionOf(item),
      resourceBody: item,
    }));
    // items.bulk, not executeBulkOperations: the latter waits 1 s per partial batch (emulators.md).
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    const responses = await container.items.bulk(operations, { continueOnError: true });
    const retry: JSONObject[] = [];
    for (const [index, response] of responses.entries()) {
      const item = pending[index];
      if (item === undefined || (response.statusCode >= 200 && response.statusCode < 300)) continue;
      if (RETRYABLE_STATUS.has(response.statusCode) && attempt < 6) retry.push(item);
      else
        throw new EngineError(
          "unavailable",
          `Seeding ${container.id} failed: status ${String(response.statusCode)} for item ${JSON.stringify(item.id)}`,
          { reason: "seed-write-failed" },
        );
    }
    if (retry.length > 0) await sleep(50 * 2 ** attempt);
    pending = retry;
  }
}

function unavailable(store: string, cause: unknown): EngineError {
  return new EngineError("unavailable", `${store} did not answer: ${ensureError(cause).message}`, {
    reason: "store-unavailable",
    cause,
  });
}

/**
 * Creates the platform database, its containers (partition key `/orgId`) and the assets blob
 * container when missing, then upserts every item and uploads every blob. Idempotent.
 */
export async function seedPlatform(targets: SeedTargets, options: Partial<SeedOptions> = {}): Promise<SeedResult> {
  const dataset = buildDataset(options);

  let database;
  try {
    ({ database } = await targets.cosmos.databases.createIfNotExists({ id: targets.platformDatabase }));
  } catch (cause) {
    throw unavailable("Cosmos DB", cause);
  }
  const blobContainer = targets.blobService.getContainerClient(targets.assetsContainer);
  try {
    await blobContainer.createIfNotExists();
  } catch (cause) {
    throw unavailable("Blob Storage", cause);
  }

  for (const id of PLATFORM_CONTAINER_IDS) {
    const partitionKeyPath = PLATFORM_CONTAINERS.find((spec) => spec.id === id)?.partitionKeyPath ?? "/orgId";
    const { container } = await database.containers.createIfNotExists({ id, partitionKey: { paths: [partitionKeyPath] } });
    const items: readonly ItemBase[] = dataset.items[id];
    const chunks: (readonly ItemBase[])[] = [];
    for (let start = 0; start < items.length; start += BULK_LIMIT) chunks.push(items.slice(start, start + BULK_LIMIT));
    await mapConcurrent(chunks, BULK_CONCURRENCY, (chunk) => upsertChunk(container, chunk));
  }

  await mapConcurrent(dataset.blobs, BLOB_CONCURRENCY, async (blob) => {
    await blobContainer
      .getBlockBlobClient(blob.name)
      .uploadData(blob.content, { blobHTTPHeaders: { blobContentType: blob.contentType } });
  });

  return {
    counts: datasetCounts(dataset),
    blobs: dataset.blobs.length,
    orgIds: dataset.orgIds,
    personalValues: personalValuesOf(dataset),
  };
}

/** True when the demo org exists in `organizations`; false when it, the container or the database is missing. */
export async function isSeeded(targets: SeedTargets): Promise<boolean> {
  const demo = HARD_CASES.duplicateContact.orgId;
  try {
    const organizations = targets.cosmos.database(targets.platformDatabase).container("organizations");
    const { resource } = await organizations.item(demo, demo).read<OrganizationItem>();
    return resource !== undefined;
  } catch (cause) {
    if (typeof cause === "object" && cause !== null && "code" in cause && cause.code === 404) return false;
    throw unavailable("Cosmos DB", cause);
  }
}
