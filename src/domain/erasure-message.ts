import { z } from "zod";
import { OrgId, Subject } from "./request.js";

// The published producer contract of the erasure intake: the Service Bus message other services
// send (`privacy-engine/producer` validates with the same schema before sending), the message id
// and the application property that names the producer.

export const ERASURE_MESSAGE_KINDS = ["erasure", "child-data", "org-offboarding"] as const;
export type ErasureMessageKind = (typeof ERASURE_MESSAGE_KINDS)[number];

/** Reasons are codes, not prose, so no personal data can ride in them. */
const ReasonCode = z
  .string()
  .max(64)
  .regex(/^[a-z][a-z0-9._-]{1,63}$/, "must be a short lowercase code, e.g. account-closed");
const ServiceName = z
  .string()
  .max(128)
  .regex(/^[A-Za-z][A-Za-z0-9._-]{1,127}$/, "must be a service name, e.g. crm-service");

/** Version 1 of the message body. Unknown fields are refused. */
export const ErasureMessageV1 = z
  .strictObject({
    schemaVersion: z.literal(1),
    kind: z.enum(ERASURE_MESSAGE_KINDS),
    orgId: OrgId,
    /** Required unless kind is org-offboarding, which concerns the whole org. */
    subject: Subject.optional(),
    reason: ReasonCode,
    /** The sending service, recorded as the attesting party. */
    requestedBy: ServiceName,
    /** When the service received the request: the statutory clock starts here. */
    requestedAt: z.iso.datetime({ offset: true }),
  })
  .superRefine((message, ctx) => {
    if (message.kind === "org-offboarding") {
      if (message.subject !== undefined) ctx.addIssue({ code: "custom", path: ["subject"], message: "org-offboarding concerns the whole org, not a subject" });
    } else if (message.subject === undefined) {
      ctx.addIssue({ code: "custom", path: ["subject"], message: "required" });
    }
  });
export type ErasureMessageV1 = z.infer<typeof ErasureMessageV1>;

/** A Service Bus message id: the broker allows up to 128 characters. */
export const MessageId = z.string().min(1).max(128);

/** The application property a producer names itself in (set by `enqueueErasure`). */
export const PRODUCER_PROPERTY = "privacyProducer";

/** A producer's name, as `PRIVACY_SERVICE_BUS_PRODUCERS` declares it. */
export const ProducerName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "must be a producer name declared in PRIVACY_SERVICE_BUS_PRODUCERS (letters, digits, '.', '-', '_')");
