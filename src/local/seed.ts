// The local seed: a deterministic dataset of the platform's data model (the containers and blob
// paths of src/config/platform-data-map.json) and the code that writes it into Cosmos DB and Blob
// Storage. The same options give byte-identical items and blobs. This file only re-exports; the
// parts live in src/local/seed/:
//
//   options.ts       the seed options, their defaults and validation
//   model.ts         the seeded record shapes (one item type per container, blobs, Dataset)
//   hard-cases.ts    the deliberately difficult subjects and where they sit
//   random.ts        the seeded random source (mulberry32); clock.ts the dates relative to `now`
//   locale-data.ts   names, streets, phone formats, chat lines per country (data); locale.ts reads it
//   people.ts        fresh, collision-free people; contacts.ts a contact and its items
//   blob-content.ts  the bytes of the blobs and the contact-import CSV
//   builder.ts       builds the dataset; summary.ts counts it and lists its personal values
//   writer.ts        writes it to Cosmos DB and Blob Storage

export {
  DEFAULT_SEED_OPTIONS,
  HARD_CASE_MIN_CONTACTS,
  SeedOptionsSchema,
  resolveSeedOptions,
  type SeedOptions,
} from "./seed/options.js";
export type {
  CampaignEventItem,
  CampaignEventStatus,
  CampaignItem,
  CampaignStats,
  ContactItem,
  ConversationItem,
  CountryCode,
  Dataset,
  KnowledgeBaseDocumentItem,
  MessageItem,
  OrderItem,
  OrganizationItem,
  ParentalConsent,
  PlatformItems,
  PlatformItemTypes,
  PostalAddress,
  SeedBlob,
  UserItem,
} from "./seed/model.js";
export { HARD_CASES } from "./seed/hard-cases.js";
export { contactImportCsv } from "./seed/blob-content.js";
export { buildDataset } from "./seed/builder.js";
export { datasetCounts, personalValuesOf } from "./seed/summary.js";
export { isSeeded, seedPlatform, upsertChunk, type SeedResult, type SeedTargets } from "./seed/writer.js";
