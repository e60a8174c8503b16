import { z } from "zod";
import { dueState } from "../domain/deadlines.js";
import { isTerminal } from "../domain/lifecycle.js";
import { allowedActions, REQUEST_ACTIONS } from "../domain/request-actions.js";
import { deadlineOf, effectivePausedDays, type PrivacyRequestRecord } from "../domain/privacy-request.js";
import { Jurisdiction, RequestStatus, RequestType, FieldChange, RestrictionGround, SuppressionPurpose } from "../domain/request.js";
import type { AuditEntry, ChainVerification } from "../domain/audit.js";
import { AuditEntrySchema, toAuditEntryView } from "./audit-view.js";

/** The request as the API shows it. Deadline fields are computed as of the response. */
export const RequestView = z
  .object({
    id: z.string(),
    type: RequestType,
    status: RequestStatus,
    statusReason: z.string().optional(),
    orgId: z.string(),
    jurisdiction: Jurisdiction,
    subject: z.object({ contactId: z.string(), userId: z.string(), phone: z.string(), email: z.string() }).partial(),
    subjectKey: z.string().describe("keyed hash naming the subject in audit and events"),
    receivedAt: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    verification: z.object({
      state: z.enum(["pending", "verified"]),
      method: z.enum(["attested", "code"]).optional(),
      verifiedAt: z.string().optional(),
      code: z.object({ issuedAt: z.string(), expiresAt: z.string(), attemptsUsed: z.number(), locked: z.boolean() }).optional(),
    }),
    dueAt: z.iso.date(),
    extendedDueAt: z.iso.date().optional(),
    acknowledgeDueAt: z.iso.date().optional(),
    pausedDays: z.number().int(),
    deadlineState: z.enum(["on-track", "due-soon", "overdue"]),
    extension: z.object({ reason: z.string(), at: z.string(), by: z.string() }).optional(),
    changes: z.array(FieldChange).optional(),
    note: z.string().optional(),
    resolution: z
      .object({ outcome: z.string(), reason: z.string().optional(), detail: z.string().optional(), at: z.string(), by: z.string() })
      .optional(),
    progress: z
      .object({ step: z.string(), itemsFound: z.number(), blobsFound: z.number(), csvRowsFound: z.number(), itemsWritten: z.number(), blobsWritten: z.number() })
      .partial()
      .optional(),
    discovery: z
      .object({
        items: z.record(z.string(), z.number()),
        blobs: z.record(z.string(), z.number()),
        csvRows: z.record(z.string(), z.number()),
        keys: z.record(z.string(), z.number()),
        completedAt: z.string(),
      })
      .optional()
      .describe("counts per container and blob layout found by discovery"),
    delivery: z
      .object({
        available: z.boolean().describe("a link to the package can be had now (GET links.package, privacy-admin and privacy-operator only)"),
        expiresAt: z.string(),
        sha256: z.string(),
        bytes: z.number(),
        sentTo: z.string().optional().describe("host the portability package was sent to"),
        deletedAt: z.string().optional(),
      })
      .optional()
      .describe("the access or portability package: that it exists, its size and digest; never its link"),
    destinationHost: z.string().optional().describe("portability: the host the package goes to (the URL itself carries a secret)"),
    failure: z.object({ step: z.string(), reason: z.string(), at: z.string(), attempts: z.number() }).optional(),
    reason: z.string().optional(),
    purposes: z.array(SuppressionPurpose).optional(),
    erase: z.boolean().optional(),
    ground: RestrictionGround.optional(),
    categories: z.array(z.string()).optional().describe("erasure: only these categories"),
    restriction: z
      .object({ state: z.enum(["in-force", "lift-requested", "lifted"]), since: z.string(), liftRequestedAt: z.string().optional(), liftedAt: z.string().optional() })
      .optional(),
    applied: z
      .object({ places: z.record(z.string(), z.number()), registryEntries: z.number(), fields: z.array(z.string()).optional() })
      .optional()
      .describe("rectification, restriction, suppression: items changed per place and registry entries written"),
    followUp: z.object({ requestId: z.string(), type: RequestType }).optional().describe("a request this one opened (a consent withdrawal's erasure)"),
    links: z.record(z.string(), z.string()),
  })
  .meta({ id: "Request" });
export type RequestView = z.infer<typeof RequestView>;

/** The package's read link, handed only to privacy-admin and privacy-operator, each issue audited. */
export const PackageLinkView = z
  .object({
    url: z.string().describe("read-only SAS link to exactly this package, signed for this call; a secret: do not log or forward it"),
    expiresAt: z.string(),
    sizeBytes: z.number().int(),
    sha256: z.string(),
  })
  .meta({ id: "PackageLink" });
export type PackageLinkView = z.infer<typeof PackageLinkView>;

export const RequestPage = z
  .object({ items: z.array(RequestView), continuationToken: z.string().optional() })
  .meta({ id: "RequestPage" });
export type RequestPage = z.infer<typeof RequestPage>;

export const AuditTrailView = z
  .object({
    requestId: z.string(),
    chain: z.object({ valid: z.boolean(), entries: z.number(), problems: z.array(z.string()) }),
    entries: z.array(AuditEntrySchema),
  })
  .meta({ id: "AuditTrail" });
export type AuditTrailView = z.infer<typeof AuditTrailView>;

/** Whether a certificate was signed by this engine's key and is unchanged. */
export const CertificateCheckView = z.object({ valid: z.boolean() }).meta({ id: "CertificateCheck" });
export type CertificateCheckView = z.infer<typeof CertificateCheckView>;

export function toRequestPage(items: readonly RequestView[], continuationToken: string | undefined): RequestPage {
  return { items: [...items], ...(continuationToken === undefined ? {} : { continuationToken }) };
}

export function toPackageLinkView(link: Readonly<PackageLinkView>): PackageLinkView {
  return { url: link.url, expiresAt: link.expiresAt, sizeBytes: link.sizeBytes, sha256: link.sha256 };
}

/** The engine's audit trail: the request's entries in order and what checking the chain found. */
export function toAuditTrailView(trail: { readonly requestId: string; readonly entries: readonly AuditEntry[]; readonly chain: ChainVerification }): AuditTrailView {
  return {
    requestId: trail.requestId,
    chain: { valid: trail.chain.valid, entries: trail.chain.entries, problems: [...trail.chain.problems] },
    entries: trail.entries.map(toAuditEntryView),
  };
}

/** The request's links: self and audit always; each action only when its state allows it (allowedActions). */
export function requestLinks(record: PrivacyRequestRecord, now: Date): Record<string, string> {
  const self = `/api/requests/${record.id}`;
  const links: Record<string, string> = { self, audit: `${self}/audit` };
  const allowed = allowedActions(record, now);
  for (const action of REQUEST_ACTIONS) if (allowed.has(action)) links[action] = `${self}/${action}`;
  return links;
}

export function toRequestView(record: PrivacyRequestRecord, now: Date, dueSoonDays: number): RequestView {
  const deadline = deadlineOf(record, now);
  const code = record.verification.code;
  return {
    id: record.id,
    type: record.type,
    status: record.status,
    ...(record.statusReason === undefined ? {} : { statusReason: record.statusReason }),
    orgId: record.orgId,
    jurisdiction: record.jurisdiction,
    subject: { ...record.subject },
    subjectKey: record.subjectKey,
    receivedAt: record.receivedAt,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    verification: {
      state: record.verification.state,
      ...(record.verification.method === undefined ? {} : { method: record.verification.method }),
      ...(record.verification.verifiedAt === undefined ? {} : { verifiedAt: record.verification.verifiedAt }),
      ...(code === undefined ? {} : { code: { issuedAt: code.issuedAt, expiresAt: code.expiresAt, attemptsUsed: code.attempts, locked: code.locked } }),
    },
    dueAt: deadline.dueAt,
    ...(deadline.extendedDueAt === undefined ? {} : { extendedDueAt: deadline.extendedDueAt }),
    ...(deadline.acknowledgeDueAt === undefined ? {} : { acknowledgeDueAt: deadline.acknowledgeDueAt }),
    pausedDays: effectivePausedDays(record, now),
    deadlineState: isTerminal(record.status) ? record.deadlineState : dueState(deadline.effectiveDueAt, now, dueSoonDays),
    ...(record.extension === undefined ? {} : { extension: record.extension }),
    ...(record.changes === undefined ? {} : { changes: record.changes }),
    ...(record.note === undefined ? {} : { note: record.note }),
    ...(record.resolution === undefined ? {} : { resolution: record.resolution }),
    ...(record.progress === undefined ? {} : { progress: progressView(record.progress) }),
    ...(record.discovery === undefined ? {} : { discovery: record.discovery }),
    ...(record.delivery === undefined
      ? {}
      : {
          // The link (a bearer credential) stays on the record for the engine; no view shows it.
          delivery: {
            available: record.delivery.deletedAt === undefined && Date.parse(record.delivery.expiresAt) > now.getTime(),
            ...(record.delivery.deletedAt === undefined ? {} : { deletedAt: record.delivery.deletedAt }),
            expiresAt: record.delivery.expiresAt,
            sha256: record.delivery.sha256,
            bytes: record.delivery.bytes,
            ...(record.delivery.sentTo === undefined ? {} : { sentTo: record.delivery.sentTo }),
          },
        }),
    ...(record.destination === undefined ? {} : { destinationHost: new URL(record.destination).host }),
    ...(record.failure === undefined ? {} : { failure: record.failure }),
    ...(record.reason === undefined ? {} : { reason: record.reason }),
    ...(record.purposes === undefined ? {} : { purposes: [...record.purposes] }),
    ...(record.erase === undefined ? {} : { erase: record.erase }),
    ...(record.ground === undefined ? {} : { ground: record.ground }),
    ...(record.categories === undefined ? {} : { categories: [...record.categories] }),
    ...(record.restriction === undefined
      ? {}
      : {
          restriction: {
            state: record.restriction.state,
            since: record.restriction.since,
            ...(record.restriction.liftRequestedAt === undefined ? {} : { liftRequestedAt: record.restriction.liftRequestedAt }),
            ...(record.restriction.liftedAt === undefined ? {} : { liftedAt: record.restriction.liftedAt }),
          },
        }),
    ...(record.applied === undefined ? {} : { applied: { places: { ...record.applied.places }, registryEntries: record.applied.registryEntries, ...(record.applied.fields === undefined ? {} : { fields: [...record.applied.fields] }) } }),
    ...(record.followUp === undefined ? {} : { followUp: record.followUp }),
    links: requestLinks(record, now),
  };
}

/** Progress without the executor's bookkeeping (its manifest run and the subject's keys). */
function progressView(progress: NonNullable<PrivacyRequestRecord["progress"]>): NonNullable<RequestView["progress"]> {
  const { run: _run, subjectKeys: _keys, ...shown } = progress;
  return shown;
}
