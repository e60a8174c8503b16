// The seeded records: one item interface per platform container, as the data model
// (src/config/platform-data-map.json) describes them, the blobs of the assets container, and the
// Dataset that holds both. Shapes only; builder.ts fills them.

import type { PlatformContainerId } from "../../config/resources.js";
import type { Jurisdiction } from "../../domain/request.js";
import type { SeedOptions } from "./options.js";

/** What every item has: its id and the org it belongs to (the partition key). */
export interface ItemBase {
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
