import { z } from "zod";
import { dueState } from "../domain/deadlines.js";
import { isTerminal } from "../domain/lifecycle.js";
import { deadlineOf, effectivePausedDays, type PrivacyRequestRecord } from "../domain/privacy-request.js";
import { Jurisdiction, RequestStatus, RequestType, FieldChange } from "../domain/request.js";
import { AuditEntrySchema } from "./audit-view.js";

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
    links: z.record(z.string(), z.string()),
  })
  .meta({ id: "Request" });
export type RequestView = z.infer<typeof RequestView>;

export const RequestPage = z
  .object({ items: z.array(RequestView), continuationToken: z.string().optional() })
  .meta({ id: "RequestPage" });

export const AuditTrailView = z
  .object({
    requestId: z.string(),
    chain: z.object({ valid: z.boolean(), entries: z.number(), problems: z.array(z.string()) }),
    entries: z.array(AuditEntrySchema),
  })
  .meta({ id: "AuditTrail" });

export function requestLinks(id: string): Record<string, string> {
  const self = `/api/requests/${id}`;
  return {
    self,
    audit: `${self}/audit`,
    verification: `${self}/verification`,
    verify: `${self}/verify`,
    extend: `${self}/extend`,
    reject: `${self}/reject`,
    cancel: `${self}/cancel`,
  };
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
    links: requestLinks(record.id),
  };
}
