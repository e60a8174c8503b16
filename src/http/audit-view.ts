import { z } from "zod";

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
