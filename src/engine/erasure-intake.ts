import { randomUUID } from "node:crypto";
import { z } from "zod";
import { actorOf, authorize, type Caller } from "../domain/access.js";
import { chainEntries } from "../domain/audit.js";
import { EngineError } from "../domain/errors.js";
import type { OutboxEvent } from "../domain/events.js";
import { ERASURE_MESSAGE_KINDS, ErasureMessageV1, MessageId, PRODUCER_PROPERTY, ProducerName, type ErasureMessageKind } from "../domain/erasure-message.js";
import { OrgId, Subject, SubmitRequestBody } from "../domain/request.js";
import { sha256Hex } from "../domain/subject-key.js";
import type { ServiceBusProducer } from "../config/settings.js";
import type { EngineDeps } from "./deps.js";
import type { Logger } from "./ports.js";
import { submitRequest, type SubmitDeps } from "./requests.js";

// The erasure intake: other services ask for an erasure through a Service Bus queue. Each sender
// is a producer declared in `PRIVACY_SERVICE_BUS_PRODUCERS` (the orgs and kinds it may use) and
// names itself in the message's `privacyProducer` application property; a sender is no
// privacy-admin of every org. The message id, scoped to the producer, is the idempotency key, so
// a redelivered or duplicated message opens one request and one producer cannot pre-empt
// another's ids. A message that can never succeed (an unknown producer, an org or kind it may not
// use, an invalid body) is audited, raises an alert and is completed; a transient failure throws,
// so the broker redelivers it and, after its max delivery count, dead-letters it.

/**
 * The actor of a rejection whose sender is not a declared producer. It may open nothing: no
 * role's worth of orgs.
 */
export const SERVICE_BUS_CALLER: Caller = { id: "service-bus", kind: "principal", role: "privacy-admin", orgs: [] };

/** The caller behind one producer's messages: the orgs its declaration names, nothing more. */
export function producerCaller(name: string, producer: ServiceBusProducer): Caller {
  // Its messages open requests as attested by `requestedBy`: declaring the producer is that decision.
  return { id: `service-bus:${name}`, kind: "principal", role: "privacy-admin", orgs: producer.orgs, engine: true };
}

/** Ref prefix of a rejection from no declared producer; no producer name can start with `_`. */
const UNKNOWN_PRODUCER = "_unknown";

const REQUEST_TYPE_OF: Readonly<Record<ErasureMessageKind, "erasure" | "child-data" | "org-offboarding">> = {
  erasure: "erasure",
  "child-data": "child-data",
  "org-offboarding": "org-offboarding",
};

/** What the trigger knows about a delivery, from `context.triggerMetadata`. */
export interface ServiceBusDelivery {
  readonly messageId: unknown;
  readonly deliveryCount?: unknown;
  /** The message's application properties (`triggerMetadata.applicationProperties`). */
  readonly applicationProperties?: unknown;
}

/**
 * The declared producer a delivery names, or undefined. Only an own entry of the settings counts
 * (`constructor` names nothing), and the sender's value is never copied anywhere.
 */
export function producerOf(
  producers: Readonly<Record<string, ServiceBusProducer>>,
  applicationProperties: unknown,
): { readonly name: string; readonly producer: ServiceBusProducer } | undefined {
  let properties = applicationProperties;
  if (typeof properties === "string") {
    // A host that hands the bag over as JSON text.
    try {
      properties = JSON.parse(properties) as unknown;
    } catch {
      return undefined;
    }
  }
  if (typeof properties !== "object" || properties === null || Array.isArray(properties)) return undefined;
  const value: unknown = Object.hasOwn(properties, PRODUCER_PROPERTY) ? (properties as Record<string, unknown>)[PRODUCER_PROPERTY] : undefined;
  const name = ProducerName.safeParse(value);
  if (!name.success || !Object.hasOwn(producers, name.data)) return undefined;
  const producer = producers[name.data];
  return producer === undefined ? undefined : { name: name.data, producer };
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
  /** The producer's name, or `_unknown`: with the message ref, the rejection's own ids derive from it. */
  readonly producer: string;
  readonly ref: string;
  readonly actor: Caller;
  readonly orgId: string;
  readonly kind: ErasureMessageKind | undefined;
  readonly reason: string;
  readonly issues: readonly string[];
}

/**
 * Records a message that can never succeed: one audit entry in a chain of its own and an alert
 * event, both with ids derived from the message id, so a second delivery writes nothing new.
 */
async function reject(deps: Pick<EngineDeps, "audit" | "outbox" | "now">, rejection: Rejection, log: Logger): Promise<IntakeOutcome> {
  const requestId = `servicebus:${rejection.producer}:${rejection.ref}`;
  const at = deps.now().toISOString();
  const scope = { requestId, orgId: rejection.orgId, subjectKey: "none" };
  const { entries } = chainEntries(scope, undefined, [
    {
      at,
      actor: actorOf(rejection.actor),
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
  await deps.audit.write(entries);
  await deps.outbox.write([alert]);
  log.warn("erasure message rejected and completed", {
    messageId: rejection.ref,
    producer: rejection.producer,
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
export async function receiveErasureMessage(deps: SubmitDeps, body: unknown, delivery: ServiceBusDelivery, log: Logger): Promise<IntakeOutcome> {
  const facts = partialFacts(body);
  const declared = producerOf(deps.config.PRIVACY_SERVICE_BUS_PRODUCERS, delivery.applicationProperties);
  const producerRef = declared === undefined ? UNKNOWN_PRODUCER : declared.name;
  const actor = declared === undefined ? SERVICE_BUS_CALLER : producerCaller(declared.name, declared.producer);
  const id = MessageId.safeParse(delivery.messageId);
  if (!id.success) {
    // Without an id there is no idempotency key, so nothing may be opened from it.
    return reject(deps, { producer: producerRef, ref: `no-message-id:${randomUUID()}`, actor, ...facts, reason: "missing-message-id", issues: ["messageId:invalid_type"] }, log);
  }
  const ref = messageRef(id.data);
  if (declared === undefined) {
    // Whatever the body says, a sender that is no declared producer may ask for nothing.
    return reject(deps, { producer: producerRef, ref, actor, ...facts, reason: "unknown-producer", issues: [`${PRODUCER_PROPERTY}:unknown`] }, log);
  }
  const { name, producer } = declared;

  const parsed = ErasureMessageV1.safeParse(body);
  if (!parsed.success) {
    const wrongVersion = parsed.error.issues.some((issue) => issue.path[0] === "schemaVersion");
    const reason = wrongVersion ? "unsupported-schema-version" : "invalid-message";
    return reject(deps, { producer: producerRef, ref, actor, ...facts, reason, issues: zodIssues(parsed.error) }, log);
  }
  const message = parsed.data;
  if (producer.orgs !== "*" && !producer.orgs.includes(message.orgId)) {
    return reject(deps, { producer: producerRef, ref, actor, orgId: message.orgId, kind: message.kind, reason: "producer-org-not-allowed", issues: ["orgId:forbidden"] }, log);
  }
  // org-offboarding too: only a producer whose declaration lists it may ask for it.
  if (!producer.kinds.includes(message.kind)) {
    return reject(deps, { producer: producerRef, ref, actor, orgId: message.orgId, kind: message.kind, reason: "producer-kind-not-allowed", issues: ["kind:forbidden"] }, log);
  }
  const request = SubmitRequestBody.safeParse(requestBodyOf(message));
  if (!request.success) {
    return reject(deps, { producer: producerRef, ref, actor, orgId: message.orgId, kind: message.kind, reason: "invalid-request", issues: zodIssues(request.error) }, log);
  }

  try {
    // Scoped twice over: the key names the producer, and the request id derives from the caller too.
    // The producer's caller opens for the engine: its role is checked here, once, as a route checks its caller's.
    const opener = authorize(actor, "request:open");
    const outcome = await submitRequest(deps, opener, request.data, `${name}:${id.data}`, log);
    const result: IntakeOutcome = { outcome: outcome.created ? "created" : "duplicate", requestId: outcome.request.id, kind: message.kind };
    log.info("erasure message accepted", { messageId: ref, producer: name, requestId: result.requestId, kind: message.kind, outcome: result.outcome });
    return result;
  } catch (thrown) {
    // The caller's faults (unknown org, a phone that is no phone, an id reused with another body)
    // fail the same way on every delivery: record them and complete the message.
    if (thrown instanceof EngineError && thrown.isCallerFault) {
      const reason = thrown.reason === "idempotency-key-reused" ? "message-id-reused" : safeReason(thrown.reason);
      return reject(deps, { producer: producerRef, ref, actor, orgId: message.orgId, kind: message.kind, reason, issues: engineIssues(thrown) }, log);
    }
    log.error("erasure message failed; the broker will redeliver it", {
      messageId: ref,
      producer: name,
      kind: message.kind,
      outcome: "retry",
      deliveryCount: typeof delivery.deliveryCount === "number" ? delivery.deliveryCount : undefined,
      error: thrown instanceof EngineError ? thrown.code : "unexpected",
    });
    throw thrown;
  }
}
