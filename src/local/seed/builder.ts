// Builds the dataset: org by org, its users (with avatar blobs), the organization item, its
// campaigns, its contacts (contacts.ts; the hard cases from hard-cases.ts in their fixed places),
// the contact-import CSVs and the knowledge-base documents. Pure and deterministic: the same
// options give deep-equal items and byte-identical blobs, because every random value comes from
// one seeded Rng drawn in a fixed order and every date from `options.now`.

import { contactImportCsv, KB_FORMATS, kbContent, pngBytes } from "./blob-content.js";
import { Clock } from "./clock.js";
import { buildContact, randomContact, type SeedContext } from "./contacts.js";
import { hardCaseContact, hardCaseIdentifiers } from "./hard-cases.js";
import { orgKeyOf, pad } from "./ids.js";
import { emailLocalPart, localeOf, orgIdentityOf } from "./locale.js";
import type { CampaignItem, Dataset, UserItem } from "./model.js";
import { resolveSeedOptions, type SeedOptions } from "./options.js";
import { People } from "./people.js";
import { Rng } from "./random.js";

/** Pure: the same options give deep-equal items and byte-identical blobs. */
export function buildDataset(options: Partial<SeedOptions> = {}): Dataset {
  const resolved = resolveSeedOptions(options);
  const rng = new Rng(resolved.seed);
  const clock = new Clock(resolved.now);
  const ctx: SeedContext = {
    options: resolved,
    rng,
    clock,
    people: new People(rng, clock, hardCaseIdentifiers()),
    items: {
      organizations: [],
      users: [],
      contacts: [],
      conversations: [],
      messages: [],
      orders: [],
      campaignEvents: [],
      campaigns: [],
      knowledgeBaseDocuments: [],
    },
    blobs: [],
  };
  const orgIds: string[] = [];
  for (let orgIndex = 1; orgIndex <= resolved.orgs; orgIndex++) orgIds.push(buildOrg(ctx, orgIndex));
  return { options: resolved, orgIds, items: ctx.items, blobs: ctx.blobs };
}

/** Adds org n (1-based) and everything in it; returns its id. */
function buildOrg(ctx: SeedContext, orgIndex: number): string {
  const { options, rng, clock, people } = ctx;
  const locale = localeOf(orgIndex);
  const orgKey = orgKeyOf(orgIndex);
  const orgId = `org-${orgKey}`;
  const org = orgIdentityOf(orgIndex, orgKey, rng);

  // Users; the first one owns the org.
  const userIds: string[] = [];
  for (let u = 1; u <= options.usersPerOrg; u++) {
    const id = `user-${orgKey}-${pad(u, 3)}`;
    userIds.push(id);
    const name = people.name(locale);
    const user: UserItem = {
      id,
      orgId,
      name,
      email: people.email(name, org.domain),
      phone: people.phone(locale),
      role: u === 1 ? "owner" : u === 2 ? "admin" : "agent",
      createdAt: clock.daysAgo(rng.int(400, 900)),
      lastLoginAt: clock.daysAgo(rng.int(0, 60) + rng.next()),
    };
    if (u % 2 === 1) user.dateOfBirth = people.adultBirthDate();
    ctx.items.users.push(user);
    ctx.blobs.push({ name: `${orgId}/user-avatars/${id}.png`, content: pngBytes(rng), contentType: "image/png" });
  }
  const ownerUserId = userIds[0] ?? "";

  ctx.items.organizations.push({
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
    ctx.items.campaigns.push(campaign);
  }

  const imports = new Map<number, { name: string; phone: string; email?: string }[]>();
  for (let k = 1; k <= options.importsPerOrg; k++) imports.set(k, []);

  for (let c = 1; c <= options.contactsPerOrg; c++) {
    const plan = hardCaseContact(orgIndex, c, rng, clock) ?? randomContact(ctx, locale, c);
    buildContact(ctx, { orgId, orgKey, locale, userIds, campaigns }, plan);
    if (plan.importNumber !== undefined) {
      const row = { name: plan.name, phone: plan.phone, ...(plan.email === undefined ? {} : { email: plan.email }) };
      imports.get(plan.importNumber)?.push(row);
    }
  }

  for (const [k, rows] of imports) {
    ctx.blobs.push({
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
    ctx.items.knowledgeBaseDocuments.push({
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
    ctx.blobs.push({ name: blobPath, content, contentType: format.contentType });
  }

  return orgId;
}
