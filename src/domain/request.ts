import { z } from "zod";

/** The rights a data subject can exercise through the engine. */
export const REQUEST_TYPES = [
  "access",
  "portability",
  "rectification",
  "erasure",
  "restriction",
  "objection",
  "consent-withdrawal",
  /** Erasure of a child's data, without notice (COPPA, DPDP). */
  "child-data",
  /** All of an org's data, when the client leaves the platform. */
  "org-offboarding",
] as const;
export const RequestType = z.enum(REQUEST_TYPES);
export type RequestType = z.infer<typeof RequestType>;

export const JURISDICTIONS = ["GDPR", "UK-GDPR", "CCPA", "DPDP", "LGPD", "PIPEDA", "QUEBEC-25"] as const;
export const Jurisdiction = z.enum(JURISDICTIONS);
export type Jurisdiction = z.infer<typeof Jurisdiction>;

export const REQUEST_STATUSES = [
  "awaiting-verification",
  "queued",
  "in-progress",
  "completed",
  "rejected",
  "cancelled",
  "failed",
] as const;
export const RequestStatus = z.enum(REQUEST_STATUSES);
export type RequestStatus = z.infer<typeof RequestStatus>;

/** Org ids are the platform's partition keys: short, URL-safe, no personal data. */
export const OrgId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, "must be letters, digits, '-' or '_'");

const Identifier = z.string().trim().min(1).max(128);

export const Subject = z
  .strictObject({
    contactId: Identifier.optional(),
    userId: Identifier.optional(),
    phone: z.string().trim().min(3).max(40).optional(),
    email: z.string().trim().max(254).pipe(z.email()).optional(),
  })
  .refine((s) => [s.contactId, s.userId, s.phone, s.email].some((v) => v !== undefined), {
    message: "at least one of contactId, userId, phone, email is required",
  });
export type Subject = z.infer<typeof Subject>;

export const AttestedVerification = z.strictObject({
  method: z.literal("attested"),
  by: z.string().trim().min(1).max(128),
});

/** Request types an org may require code verification for: those whose answer goes out to the requester. */
export const CODE_VERIFIABLE_TYPES = ["access", "portability"] as const satisfies readonly RequestType[];

/**
 * An org's verification settings (`settings.verification` of its platform item, or its engine
 * settings document): `requireCodeFor` refuses attestation for those request types.
 */
export const OrgVerificationSettings = z.strictObject({
  requireCodeFor: z.array(z.enum(CODE_VERIFIABLE_TYPES)).max(CODE_VERIFIABLE_TYPES.length),
});
export type OrgVerificationSettings = z.infer<typeof OrgVerificationSettings>;

export const FieldChange = z.strictObject({
  field: z.string().trim().min(1).max(128).regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, "must be a field path"),
  value: z.union([z.string().max(2048), z.number(), z.boolean(), z.null()]),
});

/** Purposes a subject may object to or withdraw consent from; an objection to marketing is absolute (Art. 21(3)). */
export const SUPPRESSION_PURPOSES = ["marketing", "ai-training", "analytics", "profiling"] as const;
export const SuppressionPurpose = z.enum(SUPPRESSION_PURPOSES);
export type SuppressionPurpose = z.infer<typeof SuppressionPurpose>;

/** The grounds of Art. 18(1) on which processing is restricted. */
export const RESTRICTION_GROUNDS = ["accuracy-contested", "unlawful-processing", "needed-for-legal-claims", "objection-pending"] as const;
export const RestrictionGround = z.enum(RESTRICTION_GROUNDS);
export type RestrictionGround = z.infer<typeof RestrictionGround>;

const CategoryId = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, "must be a category id of the data map");

/** Body of `POST /api/requests`. Unknown fields are refused. */
export const SubmitRequestBody = z
  .strictObject({
    type: RequestType,
    orgId: OrgId,
    /** Required for every type but org-offboarding, which concerns the whole org. */
    subject: Subject.optional(),
    /** org-offboarding only: must equal orgId, so a slip of the keyboard cannot erase an org. */
    confirmation: z.string().max(64).optional(),
    /** Why, in words without personal data (e.g. "service-erasure", "child-data"). */
    reason: z.string().trim().min(1).max(200).optional(),
    jurisdiction: Jurisdiction.optional(),
    receivedAt: z.iso.datetime({ offset: true }).optional(),
    verification: AttestedVerification.optional(),
    changes: z.array(FieldChange).min(1).max(50).optional(),
    note: z.string().max(2000).optional(),
    /** Portability only: an https URL with a SAS where the package is sent (another controller's storage). */
    destination: z.url({ protocol: /^https?$/ }).max(4096).optional(),
    /** Objection and consent withdrawal: what the subject's data may no longer be used for. */
    purposes: z.array(SuppressionPurpose).min(1).max(SUPPRESSION_PURPOSES.length).optional(),
    /** Consent withdrawal: also erase the categories processed on consent (the data map's lawful basis). */
    erase: z.boolean().optional(),
    /** Restriction: the Art. 18(1) ground. */
    ground: RestrictionGround.optional(),
    /** Erasure only: limit it to these categories of the data map (all when absent). */
    categories: z.array(CategoryId).min(1).max(32).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.type === "org-offboarding") {
      if (body.confirmation !== body.orgId) {
        ctx.addIssue({ code: "custom", path: ["confirmation"], message: "must equal orgId to offboard an org" });
      }
      if (body.subject !== undefined) ctx.addIssue({ code: "custom", path: ["subject"], message: "org-offboarding concerns the whole org, not a subject" });
    } else {
      if (body.subject === undefined) ctx.addIssue({ code: "custom", path: ["subject"], message: "required" });
      if (body.confirmation !== undefined) ctx.addIssue({ code: "custom", path: ["confirmation"], message: "only allowed on org-offboarding" });
    }
    if (body.type === "rectification" && body.changes === undefined) {
      ctx.addIssue({ code: "custom", path: ["changes"], message: "required for a rectification request" });
    }
    if (body.type !== "portability" && body.destination !== undefined) {
      ctx.addIssue({ code: "custom", path: ["destination"], message: "only allowed on a portability request" });
    }
    if (body.type !== "rectification" && body.changes !== undefined) {
      ctx.addIssue({ code: "custom", path: ["changes"], message: "only allowed on a rectification request" });
    }
    const suppressing = body.type === "objection" || body.type === "consent-withdrawal";
    if (suppressing && body.purposes === undefined) ctx.addIssue({ code: "custom", path: ["purposes"], message: `required for a ${body.type} request` });
    if (!suppressing && body.purposes !== undefined) ctx.addIssue({ code: "custom", path: ["purposes"], message: "only allowed on objection and consent-withdrawal requests" });
    if (body.purposes !== undefined && new Set(body.purposes).size !== body.purposes.length) ctx.addIssue({ code: "custom", path: ["purposes"], message: "must not repeat a purpose" });
    if (body.type !== "consent-withdrawal" && body.erase !== undefined) ctx.addIssue({ code: "custom", path: ["erase"], message: "only allowed on a consent-withdrawal request" });
    if (body.type === "restriction" && body.ground === undefined) ctx.addIssue({ code: "custom", path: ["ground"], message: "required for a restriction request" });
    if (body.type !== "restriction" && body.ground !== undefined) ctx.addIssue({ code: "custom", path: ["ground"], message: "only allowed on a restriction request" });
    if (body.type !== "erasure" && body.categories !== undefined) ctx.addIssue({ code: "custom", path: ["categories"], message: "only allowed on an erasure request" });
  });
export type SubmitRequestBody = z.infer<typeof SubmitRequestBody>;

export const VerifyBody = z.strictObject({ code: z.string().regex(/^\d{6}$/, "must be 6 digits") });
export const ExtendBody = z.strictObject({ reason: z.string().trim().min(3).max(2000) });
export const REJECTION_REASONS = ["manifestly-unfounded", "excessive", "identity-not-verified", "other"] as const;
export const RejectBody = z.strictObject({
  reason: z.enum(REJECTION_REASONS),
  detail: z.string().trim().min(1).max(2000),
});
/** Lifting a restriction (Art. 18(3)): the subject is told before it is lifted. */
export const LiftBody = z.strictObject({ reason: z.string().trim().min(3).max(2000) });
export const CancelBody = z.strictObject({ reason: z.string().trim().max(2000).optional() });
export const EmptyBody = z.strictObject({});

/** Orders of `GET /api/requests`: newest first (by createdAt), or most urgent first (by effective due date, then createdAt). */
export const REQUEST_SORTS = ["newest", "due"] as const;
export const RequestSort = z.enum(REQUEST_SORTS);
export type RequestSort = z.infer<typeof RequestSort>;

export const ListRequestsQuery = z.strictObject({
  orgId: OrgId.optional(),
  status: RequestStatus.optional(),
  type: RequestType.optional(),
  jurisdiction: Jurisdiction.optional(),
  dueBefore: z.iso.date().optional(),
  sort: RequestSort.optional().describe("newest (default): createdAt descending; due: most urgent first, by the effective due date (the extended one where set), then createdAt, ascending"),
  limit: z.coerce.number().int().min(1).max(100).optional(),
  continuationToken: z.string().min(1).max(8192).optional(),
});
export type ListRequestsQuery = z.infer<typeof ListRequestsQuery>;

export const RequestIdParam = z.uuid();
