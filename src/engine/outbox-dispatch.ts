import { EngineError } from "../domain/errors.js";
import type { OutboxEvent } from "../domain/events.js";
import { openSecret, sealSecret } from "../domain/sealed-secret.js";
import type { EngineDeps } from "./deps.js";
import type { EventBatch, EventMessage, EventPublisher, Logger } from "./ports.js";

// Drains the outbox to the events topic (Art. 19: recipients learn of erasures, rectifications
// and restrictions). At least once: an event is marked dispatched only after the batch holding it
// was accepted, so a failed send leaves it pending for the next run; consumers dedupe on the
// message id, which is the event id (and the broker's duplicate detection keys on it too).
//
// Verification codes never go to the events topic, whose subscribers are many: a
// `verification.code-issued` event goes to the messaging service alone, on its own queue
// (`PRIVACY_VERIFICATION_DELIVERY_QUEUE`, whose Listen right only that service holds). Without
// that queue's publisher (`deps.verificationDelivery`), or without the key shared with that service
// (`PRIVACY_VERIFICATION_DELIVERY_KEY`) that seals the code for it, the event is held back, never
// sent to the topic or in clear.

/** The outbox, the clock, the keys, and the two publishers (undefined where not configured). */
export type DispatchDeps = Pick<EngineDeps, "outbox" | "config" | "now" | "events" | "verificationDelivery">;

export interface DispatchOptions {
  /** Events read per outbox page. Default 100. */
  readonly pageSize?: number;
  /** Pages per run at most, so one run stays short; the rest waits for the next tick. Default 50. */
  readonly maxPages?: number;
}

export interface DispatchSummary {
  /** false when no Service Bus is configured and nothing was attempted. */
  readonly configured: boolean;
  readonly sent: number;
  readonly batches: number;
  /** Events left pending on purpose (a code that does not open, a message too large for any batch). */
  readonly heldBack: number;
}

/** The events only the messaging service may receive: they carry a code. */
export const VERIFICATION_DELIVERY_TYPES: ReadonlySet<OutboxEvent["type"]> = new Set(["verification.code-issued"]);

/**
 * The message for one event: the event without its delivery secret and outbox bookkeeping. A code
 * event's message carries its code, opened here, and is for the delivery queue only.
 */
export function eventMessage(event: OutboxEvent, subjectKeySecret: string, deliveryKey?: string): EventMessage {
  const { secret, ttl: _ttl, status: _status, ...rest } = event;
  // The messaging service sends the code to the requester: it travels sealed under the key that
  // service shares with the engine, bound to this message's id; never in clear on the bus.
  const sealedCode =
    event.type === "verification.code-issued" && secret !== undefined && deliveryKey !== undefined
      ? sealSecret(deliveryKey, event.id, openSecret(subjectKeySecret, event.requestId, secret.sealedVerificationCode), "verification-delivery")
      : undefined;
  return {
    body: sealedCode === undefined ? rest : { ...rest, sealedCode },
    messageId: event.id,
    contentType: "application/json",
    subject: event.type,
    applicationProperties: { orgId: event.orgId, type: event.type },
  };
}

const sendFailed = (what: string, cause: unknown) =>
  new EngineError("unavailable", `The ${what} did not accept a batch; its events stay pending for the next run`, {
    reason: "events-send-failed",
    cause,
  });

/** One destination of the drain and the batch being filled for it. */
interface Lane {
  readonly what: string;
  readonly publisher: EventPublisher;
  batch: EventBatch | undefined;
  events: OutboxEvent[];
}

/**
 * One run of the drain. `deps.events` undefined means no Service Bus is configured: nothing is
 * attempted and the events wait in the outbox.
 */
export async function dispatchOutbox(deps: DispatchDeps, log: Logger, options: DispatchOptions = {}): Promise<DispatchSummary> {
  const topicPublisher = deps.events;
  if (topicPublisher === undefined) {
    log.info("no Service Bus configured (ServiceBusConnection); events stay in the outbox");
    return { configured: false, sent: 0, batches: 0, heldBack: 0 };
  }
  const pageSize = options.pageSize ?? 100;
  const maxPages = options.maxPages ?? 50;
  let sent = 0;
  let batches = 0;
  let heldBack = 0;

  const topic: Lane = { what: "events topic", publisher: topicPublisher, batch: undefined, events: [] };
  const deliveryKey = deps.config.PRIVACY_VERIFICATION_DELIVERY_KEY;
  const deliveryPublisher = deps.verificationDelivery;
  const delivery: Lane | undefined =
    deliveryPublisher === undefined || deliveryKey === undefined ? undefined : { what: "verification delivery queue", publisher: deliveryPublisher, batch: undefined, events: [] };

  const newBatch = async (lane: Lane): Promise<EventBatch> => {
    try {
      return await lane.publisher.createBatch();
    } catch (cause) {
      throw sendFailed(lane.what, cause);
    }
  };
  const flush = async (lane: Lane) => {
    const { batch, events } = lane;
    lane.batch = undefined;
    lane.events = [];
    if (batch === undefined || events.length === 0) return;
    try {
      await lane.publisher.send(batch);
    } catch (cause) {
      log.warn("a batch was refused; its events stay pending", { destination: lane.what, events: events.length, sentBefore: sent });
      throw sendFailed(lane.what, cause);
    }
    // Marked only now: a crash before this line sends them again, which consumers absorb.
    await deps.outbox.markDispatched(events, deps.now().toISOString());
    sent += events.length;
    batches += 1;
  };
  /** Adds to the lane's batch, sending the batch first when it is full; false if the message fits no batch. */
  const add = async (lane: Lane, event: OutboxEvent, message: EventMessage): Promise<boolean> => {
    lane.batch ??= await newBatch(lane);
    if (lane.batch.tryAdd(message)) {
      lane.events.push(event);
      return true;
    }
    if (lane.events.length === 0) return false;
    await flush(lane);
    lane.batch = await newBatch(lane);
    if (!lane.batch.tryAdd(message)) return false;
    lane.events.push(event);
    return true;
  };

  let continuationToken: string | undefined;
  let pages = 0;
  let withoutQueue = 0;
  do {
    const page = await deps.outbox.pending({ limit: pageSize, ...(continuationToken === undefined ? {} : { continuationToken }) });
    pages += 1;
    for (const event of page.items) {
      const lane = VERIFICATION_DELIVERY_TYPES.has(event.type) ? delivery : topic;
      if (lane === undefined) {
        // No delivery queue: the code waits (it expires with its TTL); the topic is never its way.
        heldBack += 1;
        withoutQueue += 1;
        continue;
      }
      let message: EventMessage;
      try {
        message = eventMessage(event, deps.config.PRIVACY_SUBJECT_KEY_SECRET, deliveryKey);
      } catch (error) {
        // A code sealed under another key can never be sent; it expires with its TTL.
        heldBack += 1;
        log.error("event held back: its sealed code does not open", { eventId: event.id, error: error instanceof EngineError ? error.reason : "unexpected" });
        continue;
      }
      if (!(await add(lane, event, message))) {
        heldBack += 1;
        log.error("event held back: larger than a batch may be", { eventId: event.id });
      }
    }
    await flush(topic);
    if (delivery !== undefined) await flush(delivery);
    continuationToken = page.continuationToken;
  } while (continuationToken !== undefined && pages < maxPages);

  if (withoutQueue > 0) {
    const missing = deliveryPublisher === undefined ? "no verification delivery queue sender" : "PRIVACY_VERIFICATION_DELIVERY_KEY is not set";
    log.error(`verification codes held back: ${missing}`, { heldBack: withoutQueue });
  }
  if (sent > 0 || heldBack > 0) log.info("outbox dispatched", { sent, batches, heldBack, pages });
  return { configured: true, sent, batches, heldBack };
}
