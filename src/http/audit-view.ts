import { z } from "zod";
import type { AuditEntry } from "../domain/audit.js";

export const AuditEntrySchema = z
  .object({
    id: z.string(),
    requestId: z.string(),
    orgId: z.string(),
    subjectKey: z.string(),
    seq: z.number().int(),
    at: z.string(),
    actor: z.object({ kind: z.enum(["api-key", "principal", "system"]), id: z.string(), role: z.string().optional() }),
    action: z.string(),
    details: z.record(z.string(), z.unknown()),
    prevHash: z.string(),
    hash: z.string(),
  })
  .meta({ id: "AuditEntry" });
export type AuditEntryView = z.infer<typeof AuditEntrySchema>;

/** An entry as stored, copied field by field: the hashed fields and nothing else. */
export function toAuditEntryView(entry: AuditEntry): AuditEntryView {
  return {
    id: entry.id,
    requestId: entry.requestId,
    orgId: entry.orgId,
    subjectKey: entry.subjectKey,
    seq: entry.seq,
    at: entry.at,
    actor: { kind: entry.actor.kind, id: entry.actor.id, ...(entry.actor.role === undefined ? {} : { role: entry.actor.role }) },
    action: entry.action,
    details: { ...entry.details },
    prevHash: entry.prevHash,
    hash: entry.hash,
  };
}
