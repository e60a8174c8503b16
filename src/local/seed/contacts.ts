// One contact and everything about it: the plan of a generated (non hard-case) contact, then,
// from a plan, the contact item, its conversation and messages (with chat-media blobs), its
// orders and its campaign events (counted into the campaigns' stats). The reformatted-identifier
// hard case is applied here, to the first order and first campaign event of its contact.

import { jpegBytes } from "./blob-content.js";
import { addDays, DAY_MS, type Clock } from "./clock.js";
import { HARD_CASES } from "./hard-cases.js";
import { pad } from "./ids.js";
import { greetingFor, type Locale } from "./locale.js";
import type { CampaignEventStatus, CampaignItem, ContactItem, MessageItem, OrderItem, PlatformItems, SeedBlob } from "./model.js";
import type { SeedOptions } from "./options.js";
import type { ContactPlan, People } from "./people.js";
import type { Rng } from "./random.js";

/** What building a dataset shares: the options, the one random source, the clock, and the output. */
export interface SeedContext {
  readonly options: SeedOptions;
  readonly rng: Rng;
  readonly clock: Clock;
  readonly people: People;
  readonly items: PlatformItems;
  readonly blobs: SeedBlob[];
}

/** The org a contact belongs to, as far as its items need it. */
export interface ContactOrg {
  orgId: string;
  orgKey: string;
  locale: Locale;
  userIds: readonly string[];
  campaigns: readonly CampaignItem[];
}

/** A generated contact c (1-based): about 80% have an email, 40% a birth date, 50% came from an import. */
export function randomContact(ctx: SeedContext, locale: Locale, c: number): ContactPlan {
  const { rng, clock, options, people } = ctx;
  const name = people.name(locale);
  const plan: ContactPlan = {
    index: c,
    name,
    phone: people.phone(locale),
    lastActivityAt: clock.daysAgo(rng.int(0, 720) + rng.next()),
    source: "whatsapp",
  };
  if (rng.chance(0.8)) plan.email = people.email(name, rng.pick(["example.com", "example.org", "example.net"]));
  if (rng.chance(0.4)) plan.dateOfBirth = people.adultBirthDate();
  if (rng.chance(0.5)) {
    plan.source = "import";
    plan.importNumber = ((c - 1) % options.importsPerOrg) + 1;
  }
  return plan;
}

/** Adds the contact of `plan` and its conversation, messages, orders and campaign events. */
export function buildContact(ctx: SeedContext, org: ContactOrg, plan: ContactPlan): void {
  const { rng, options, clock } = ctx;
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
  ctx.items.contacts.push(contact);

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
        ? greetingFor(locale, firstName)
        : rng.pick(direction === "inbound" ? locale.inbound : locale.outbound);
    const sentAt = sentTimes[m] ?? plan.lastActivityAt;
    const message: MessageItem = { id, orgId, conversationId, contactId, text, direction, sentAt };
    if (hasMedia) {
      const blobPath = `${orgId}/chat-media/${contactId}/${id}.jpg`;
      const content = jpegBytes(rng);
      message.media = { blobPath, contentType: "image/jpeg", sizeBytes: content.length };
      ctx.blobs.push({ name: blobPath, content, contentType: "image/jpeg" });
    }
    ctx.items.messages.push(message);
  }
  ctx.items.conversations.push({
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
    ctx.items.orders.push(order);
  }

  for (const [index, campaign] of campaigns.entries()) {
    const reformat = isReformatted && index === 0;
    const roll = rng.next();
    const status: CampaignEventStatus = roll < 0.1 ? "failed" : roll < 0.25 ? "sent" : roll < 0.6 ? "delivered" : "read";
    ctx.items.campaignEvents.push({
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
