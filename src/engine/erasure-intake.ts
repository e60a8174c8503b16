import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Caller } from "../domain/access.js";
import { chainEntries } from "../domain/audit.js";
import { EngineError } from "../domain/errors.js";
import type { OutboxEvent } from "../domain/events.js";
import { OrgId, Subject, SubmitRequestBody } from "../domain/request.js";
import { sha256Hex } from "../domain/subject-key.js";
import type { Runtime } from "../runtime.js";
import type { Logger } from "./ports.js";
import { actorOf, submitRequest } from "./requests.js";

/**
 * The erasure intake: other services ask for an erasure through a Service Bus queue. The message
 * id is the idempotency key, so a redelivered or duplicated message opens one request. A message
 * that can never succeed is audited, raises an alert and is completed; a transient failure throws,
 * so the broker redelivers it and, after its max delivery count, dead-letters it.
 */
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

/** The trusted internal caller behind the queue; the queue's access policy is its authentication. */
export const SERVICE_BUS_CALLER: Caller = { id: "service-bus", kind: "principal", role: "privacy-admin", orgs: "*" };

const REQUEST_TYPE_OF: Readonly<Record<ErasureMessageKind, "erasure" | "child-data" | "org-offboarding">> = {
  erasure: "erasure",
  "child-data": "child-data",
  "org-offboarding": "org-offboarding",
};

/** What the trigger knows about a delivery, from `context.triggerMetadata`. */
export interface ServiceBusDelivery {
  readonly messageId: unknown;
  readonly deliveryCount?: unknown;
}

export type IntakeOutcome =
  | { readonly outcome: "created" | "duplicate"; readonly requestId: string; readonly kind: ErasureMessageKind }
  | { readonly outcome: "rejected"; readonly reason: string; readonly auditRequestId: string };

/** Maps a valid message to the body `POST /api/requests` would take. */
export function requestBodyOf(message: ErasureMessageV1): unknown {
  return {
    type: REQUEST_TYPE_OF[message.kind],
    orgId: message.orgId,
    ...(message.subject === undefined ? {} : { subject: message.subject }),
    ...(message.kind === "org-offboarding" ? { confirmation: message.orgId } : {}),
    reason: message.reason,
    receivedAt: message.requestedAt,
    verification: { method: "attested", by: message.requestedBy },
  };
}

// --- What a rejection may record: field names, codes, never values ----------------------------

const KNOWN_FIELDS: ReadonlySet<string> = new Set([
  ...Object.keys(ErasureMessageV1.shape),
  ...Object.keys(Subject.shape),
  ...Object.keys(SubmitRequestBody.shape),
  "method",
  "by",
]);

/** A path of schema field names and indexes; any other segment (a key the sender made up) is masked. */
function safePath(segments: readonly PropertyKey[]): string {
  if (segments.length === 0) return "body";
  return segments.map((s) => (typeof s === "number" ? String(s) : typeof s === "string" && KNOWN_FIELDS.has(s) ? s : "*")).join(".");
}

const MAX_ISSUES = 20;

function zodIssues(error: z.ZodError): string[] {
  return error.issues.slice(0, MAX_ISSUES).map((issue) => `${safePath(issue.path)}:${issue.code}`);
}

function engineIssues(error: EngineError): string[] {
  return error.fields.slice(0, MAX_ISSUES).map((field) => `${safePath(field.path === "body" ? [] : field.path.split("."))}:${error.code}`);
}

/** A reason that is a code; an unexpected shape is replaced, never copied. */
function safeReason(reason: string): string {
  return /^[a-z][a-z0-9-]{0,63}$/.test(reason) ? reason : "rejected";
}

/**
 * The message id as it may appear in ids and logs: as it is when it is plain, else a hash
 * (Cosmos ids refuse `/ \ ? #`, and an odd id is no place for anything readable).
 */
export function messageRef(messageId: string): string {
  return /^[A-Za-z0-9._:-]{1,128}$/.test(messageId) ? messageId : `h-${sha256Hex(messageId).slice(0, 40)}`;
}

interface Rejection {
  readonly ref: string;
  readonly orgId: string;
  readonly kind: ErasureMessageKind | undefined;
  readonly reason: string;
  readonly issues: readonly string[];
}

/**
 * Records a message that can never succeed: one audit entry in a chain of its own and an alert
 * event, both with ids derived from the message id, so a second delivery writes nothing new.
 */
async function reject(rt: Pick<Runtime, "audit" | "outbox" | "now">, rejection: Rejection, log: Logger): Promise<IntakeOutcome> {
  const requestId = `servicebus:${rejection.ref}`;
  const at = rt.now().toISOString();
  const scope = { requestId, orgId: rejection.orgId, subjectKey: "none" };
  const { entries } = chainEntries(scope, undefined, [
    {
      at,
      actor: actorOf(SERVICE_BUS_CALLER),
      action: "intake.rejected",
      details: {
        reason: rejection.reason,
        issues: rejection.issues,
        ...(rejection.kind === undefined ? {} : { kind: rejection.kind }),
      },
    },
  ]);
  const alert: OutboxEvent = {
    ...scope,
    id: `${requestId}:alert`,
    type: "alert",
    data: { kind: "intake-rejected", reason: rejection.reason },
    createdAt: at,
    status: "pending",
  };
  await rt.audit.write(entries);
  await rt.outbox.write([alert]);
  log.warn("erasure message rejected and completed", {
    messageId: rejection.ref,
    requestId,
    kind: rejection.kind,
    outcome: "rejected",
    reason: rejection.reason,
    issues: rejection.issues.length,
  });
  return { outcome: "rejected", reason: rejection.reason, auditRequestId: requestId };
}

/** Fields of an invalid body that are safe to use for the rejection's own record. */
function partialFacts(body: unknown): { orgId: string; kind: ErasureMessageKind | undefined } {
  const record = typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const orgId = OrgId.safeParse(Object.hasOwn(record, "orgId") ? record.orgId : undefined);
  const kind = z.enum(ERASURE_MESSAGE_KINDS).safeParse(Object.hasOwn(record, "kind") ? record.kind : undefined);
  return { orgId: orgId.success ? orgId.data : "unknown", kind: kind.success ? kind.data : undefined };
}

/**
 * One delivery of the erasure queue. Resolves when the message is settled for good (a request
 * opened, found already opened, or the message rejected and audited); throws on a transient
 * failure so the broker redelivers it.
 */
export async function receiveErasureMessage(rt: Runtime, body: unknown, delivery: ServiceBusDelivery, log: Logger): Promise<IntakeOutcome> {
  const facts = partialFacts(body);
  const id = MessageId.safeParse(delivery.messageId);
  if (!id.success) {
    // Without an id there is no idempotency key, so nothing may be opened from it.
    return reject(rt, { ref: `no-message-id:${randomUUID()}`, ...facts, reason: "missing-message-id", issues: ["messageId:invalid_type"] }, log);
  }
  const ref = messageRef(id.data);

  const parsed = ErasureMessageV1.safeParse(body);
  if (!parsed.success) {
    const wrongVersion = parsed.error.issues.some((issue) => issue.path[0] === "schemaVersion");
    const reason = wrongVersion ? "unsupported-schema-version" : "invalid-message";
    return reject(rt, { ref, ...facts, reason, issues: zodIssues(parsed.error) }, log);
  }
  const message = parsed.data;
  const request = SubmitRequestBody.safeParse(requestBodyOf(message));
  if (!request.success) {
    return reject(rt, { ref, orgId: message.orgId, kind: message.kind, reason: "invalid-request", issues: zodIssues(request.error) }, log);
  }

  try {
    const outcome = await submitRequest(rt, SERVICE_BUS_CALLER, request.data, id.data, log);
    const result: IntakeOutcome = { outcome: outcome.created ? "created" : "duplicate", requestId: outcome.request.id, kind: message.kind };
    log.info("erasure message accepted", { messageId: ref, requestId: result.requestId, kind: message.kind, outcome: result.outcome });
    return result;
  } catch (thrown) {
    // The caller's faults (unknown org, a phone that is no phone, an id reused with another body)
    // fail the same way on every delivery: record them and complete the message.
    if (thrown instanceof EngineError && thrown.isCallerFault) {
      const reason = thrown.reason === "idempotency-key-reused" ? "message-id-reused" : safeReason(thrown.reason);
      return reject(rt, { ref, orgId: message.orgId, kind: message.kind, reason, issues: engineIssues(thrown) }, log);
    }
    log.error("erasure message failed; the broker will redeliver it", {
      messageId: ref,
      kind: message.kind,
      outcome: "retry",
      deliveryCount: typeof delivery.deliveryCount === "number" ? delivery.deliveryCount : undefined,
      error: thrown instanceof EngineError ? thrown.code : "unexpected",
    });
    throw thrown;
  }
}
