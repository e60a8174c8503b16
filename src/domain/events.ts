// Events for other services (messaging, recipients, alerting), written to the Cosmos outbox
// in the same step as the change that caused them and dispatched later, so none is lost while
// the bus is away. They name org, request and subject key, never personal data in clear.

export const EVENT_TYPES = [
  "request.opened",
  "verification.code-issued",
  "request.due-soon",
  "request.overdue",
  "request.status-changed",
  "request.extended",
  "subject.erased",
  /** Recipients correct their copies (Art. 19): field names, never values. */
  "subject.rectified",
  "subject.restricted",
  /** The subject is told before a restriction is lifted (Art. 18(3)). */
  "restriction.lift-notice",
  "restriction.lifted",
  /** Objection or consent withdrawal: the purposes the data may no longer serve. */
  "subject.suppressed",
  "alert",
  /** The retention sweep found the subject inactive: erasure follows after the notice period. */
  "retention.notice",
  /** The subject was active again after a notice: no erasure. */
  "retention.cancelled",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export type EventDataValue = string | number | boolean | null;

export interface EventDraft {
  readonly type: EventType;
  readonly data: Readonly<Record<string, EventDataValue>>;
  /**
   * Delivery-only secret: the verification code must reach the messaging service, so it rides in
   * the outbox sealed (AES-256-GCM, see sealed-secret.ts) and the stored event expires soon after.
   */
  readonly secret?: { readonly sealedVerificationCode: string };
  /** Seconds until Cosmos removes the stored event (events that carry a secret). */
  readonly ttl?: number;
}

export interface OutboxEvent extends EventDraft {
  readonly id: string;
  readonly orgId: string;
  readonly requestId: string;
  readonly subjectKey: string;
  readonly createdAt: string;
  readonly status: "pending" | "dispatched";
}
