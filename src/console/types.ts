// The API's shapes as the console reads them, written out by hand from src/http/*-view.ts,
// src/domain/request.ts, src/domain/access.ts and src/domain/certificate.ts (the console does not
// import server code: its bundle stays free of zod and node). Keep them in step with those files.

export const REQUEST_TYPES = [
  "access",
  "portability",
  "rectification",
  "erasure",
  "restriction",
  "objection",
  "consent-withdrawal",
  "child-data",
  "org-offboarding",
] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

export const JURISDICTIONS = ["GDPR", "UK-GDPR", "CCPA", "DPDP", "LGPD", "PIPEDA", "QUEBEC-25"] as const;
export type Jurisdiction = (typeof JURISDICTIONS)[number];

export const REQUEST_STATUSES = ["awaiting-verification", "queued", "in-progress", "completed", "rejected", "cancelled", "failed"] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export const SUPPRESSION_PURPOSES = ["marketing", "ai-training", "analytics", "profiling"] as const;
export type SuppressionPurpose = (typeof SUPPRESSION_PURPOSES)[number];

export const RESTRICTION_GROUNDS = ["accuracy-contested", "unlawful-processing", "needed-for-legal-claims", "objection-pending"] as const;
export type RestrictionGround = (typeof RESTRICTION_GROUNDS)[number];

export const REJECTION_REASONS = ["manifestly-unfounded", "excessive", "identity-not-verified", "other"] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export const SWEEP_KINDS = ["retention", "children"] as const;
export type SweepKind = (typeof SWEEP_KINDS)[number];

export const ACTIONS = [
  "request:open",
  "request:read",
  "request:verify",
  "request:extend",
  "request:reject",
  "request:cancel",
  "audit:read",
  "request:lift",
  "status:read",
  "registry:write",
  "sweep:run",
  "sweep:read",
  "package:link",
] as const;
export type Action = (typeof ACTIONS)[number];

export type Role = "privacy-admin" | "privacy-operator" | "auditor" | "service";

/** GET /api/me: who the caller is and what it may do. */
export interface Me {
  readonly id: string;
  readonly kind: "api-key" | "principal";
  readonly role: Role;
  readonly orgs: "*" | readonly string[];
  readonly actions: readonly Action[];
}

export interface SubjectIds {
  contactId?: string;
  userId?: string;
  phone?: string;
  email?: string;
}

export type FieldValue = string | number | boolean | null;
export interface FieldChange {
  field: string;
  value: FieldValue;
}

export type DeadlineState = "on-track" | "due-soon" | "overdue";

export interface RequestView {
  id: string;
  type: RequestType;
  status: RequestStatus;
  statusReason?: string;
  orgId: string;
  jurisdiction: Jurisdiction;
  subject: SubjectIds;
  subjectKey: string;
  receivedAt: string;
  createdAt: string;
  updatedAt: string;
  verification: {
    state: "pending" | "verified";
    method?: "attested" | "code";
    verifiedAt?: string;
    code?: { issuedAt: string; expiresAt: string; attemptsUsed: number; locked: boolean };
  };
  dueAt: string;
  extendedDueAt?: string;
  acknowledgeDueAt?: string;
  pausedDays: number;
  deadlineState: DeadlineState;
  extension?: { reason: string; at: string; by: string };
  changes?: FieldChange[];
  note?: string;
  resolution?: { outcome: string; reason?: string; detail?: string; at: string; by: string };
  progress?: Partial<{ step: string; itemsFound: number; blobsFound: number; csvRowsFound: number; itemsWritten: number; blobsWritten: number }>;
  discovery?: {
    items: Record<string, number>;
    blobs: Record<string, number>;
    csvRows: Record<string, number>;
    keys: Record<string, number>;
    completedAt: string;
  };
  delivery?: { available: boolean; expiresAt: string; sha256: string; bytes: number; sentTo?: string; deletedAt?: string };
  destinationHost?: string;
  failure?: { step: string; reason: string; at: string; attempts: number };
  reason?: string;
  purposes?: SuppressionPurpose[];
  erase?: boolean;
  ground?: RestrictionGround;
  categories?: string[];
  restriction?: { state: "in-force" | "lift-requested" | "lifted"; since: string; liftRequestedAt?: string; liftedAt?: string };
  applied?: { places: Record<string, number>; registryEntries: number; fields?: string[] };
  followUp?: { requestId: string; type: RequestType };
  links: Record<string, string>;
}

export interface RequestPage {
  items: RequestView[];
  continuationToken?: string;
}

/** Orders of GET /api/requests: newest first (the default), or most urgent first (effective due date, then createdAt). */
export const REQUEST_SORTS = ["newest", "due"] as const;
export type RequestSort = (typeof REQUEST_SORTS)[number];

export interface ListRequestsQuery {
  orgId?: string;
  status?: RequestStatus;
  type?: RequestType;
  jurisdiction?: Jurisdiction;
  dueBefore?: string;
  sort?: RequestSort;
  limit?: number;
  continuationToken?: string;
}

/** Body of POST /api/requests (src/domain/request.ts SubmitRequestBody). */
export interface SubmitRequestBody {
  type: RequestType;
  orgId: string;
  subject?: SubjectIds;
  confirmation?: string;
  reason?: string;
  jurisdiction?: Jurisdiction;
  receivedAt?: string;
  verification?: { method: "attested"; by: string };
  changes?: FieldChange[];
  note?: string;
  destination?: string;
  purposes?: SuppressionPurpose[];
  erase?: boolean;
  ground?: RestrictionGround;
  categories?: string[];
}

export interface AuditEntry {
  id: string;
  requestId: string;
  orgId: string;
  subjectKey: string;
  seq: number;
  at: string;
  actor: { kind: "api-key" | "principal" | "system"; id: string; role?: string };
  action: string;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface AuditTrail {
  requestId: string;
  chain: { valid: boolean; entries: number; problems: string[] };
  entries: AuditEntry[];
}

export interface PackageLink {
  url: string;
  expiresAt: string;
  sizeBytes: number;
  sha256: string;
}

export interface PlaceOutcome {
  deleted: number;
  anonymised: number;
  kept: number;
  idsDigest: string;
  hashedIds?: string[];
}

export interface Certificate {
  version: 1;
  requestId: string;
  orgId: string;
  subjectKey: string;
  reason: string;
  outcome: "erased" | "partially-erased";
  categories?: string[];
  places: Record<string, PlaceOutcome>;
  exceptions: { place: string; count: number; reason: string }[];
  verification: { remaining: number; checkedAt: string };
  startedAt: string;
  finishedAt: string;
  engineVersion: string;
  signature: string;
}

export interface LegalHold {
  id: string;
  orgId: string;
  subjectKeys?: string[];
  category?: string;
  reason: string;
  until?: string;
  createdAt?: string;
  createdBy?: string;
}

export interface LegalHoldBody {
  orgId: string;
  subject?: SubjectIds;
  category?: string;
  reason: string;
  until?: string;
}

export interface SubjectStatus {
  orgId: string;
  subjectKey: string;
  restricted: boolean;
  restriction?: { since: string; ground: RestrictionGround };
  suppressions: { purpose: SuppressionPurpose; since: string; absolute: boolean; basis: "objection" | "consent-withdrawal" }[];
  legalHolds: { id: string; category?: string; until?: string }[];
}

export type Counts = Record<string, number>;

export interface RetentionPreview {
  orgId: string;
  asOf: string;
  policy: {
    contactInactivityMonths: number;
    accountInactivityMonths: number;
    noticeHours: number;
    childAge: number;
    childAgeByJurisdiction: Record<string, number>;
    packageExpiryDays: number;
  };
  childAge: number;
  retention: Record<string, { category: string; cutoff?: string; counts: Counts }>;
  children: Record<string, { category: string; counts: Counts }>;
}

export interface SweepRun {
  runId: string;
  kind: SweepKind;
  trigger: "timer" | "on-demand";
  status: "running" | "done";
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  orgs: number;
  steps: { pending: number; running: number; done: number; skipped: number };
  counts: Counts;
  orgSteps: {
    orgId: string;
    status: "pending" | "running" | "done" | "skipped";
    phase: string;
    checkpoint: boolean;
    slices: number;
    counts: Counts;
    checkpointAt?: string;
    durationMs?: number;
    skippedReason?: string;
  }[];
}

export interface SweepStarted {
  runId: string;
  kind: SweepKind;
  trigger: "on-demand";
  startedAt: string;
  orgs: number;
}

export interface DataMapCategory {
  id: string;
  description: string;
  purposes: string[];
  recipients: string[];
  retention: string;
  source: string;
  lawfulBasis: string;
}

export interface DataMap {
  version: 1;
  categories: DataMapCategory[];
  containers: {
    name: string;
    database: string;
    container: string;
    partitionKey: string;
    orgField: string;
    category: string;
    matches: { path: string; kind: string }[];
    keys: { path: string; kind: string }[];
    personalFields: string[];
    erasure: { action: "delete" } | { action: "anonymise"; reason: string; fields: { path: string; strategy: string }[] } | { action: "keep"; reason: string };
    retentionPeriod?: string;
    providedBySubject: boolean;
    tabular: boolean;
  }[];
  blobs: {
    name: string;
    container: string;
    pathTemplate: string;
    category: string;
    content: { type: "file" } | { type: "csv-rows"; columns: Record<string, string> };
    providedBySubject: boolean;
  }[];
  rectification: { field: string; type: string; places: { container: string; path: string; copy: boolean }[] }[];
}

/** Request types a role may open (src/domain/access.ts OPENABLE); a role not listed opens every type. */
export const OPENABLE: Readonly<Partial<Record<Role, readonly RequestType[]>>> = {
  "privacy-operator": ["access", "portability", "rectification", "erasure", "restriction", "objection", "consent-withdrawal", "child-data"],
  service: ["erasure"],
};
