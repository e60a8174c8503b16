import type { ServiceBusMessage, ServiceBusMessageBatch, ServiceBusSender } from "@azure/service-bus";
import { EngineError } from "../domain/errors.js";
import type { OutboxEvent } from "../domain/events.js";
import { openSecret } from "../domain/sealed-secret.js";
import type { Runtime } from "../runtime.js";
import type { Logger } from "./ports.js";

/**
 * Drains the outbox to the events topic (Art. 19: recipients learn of erasures, rectifications
 * and restrictions). At least once: an event is marked dispatched only after the batch holding it
 * was accepted, so a failed send leaves it pending for the next run; consumers dedupe on the
 * message id, which is the event id (and the broker's duplicate detection keys on it too).
 */
export type EventsSender = Pick<ServiceBusSender, "sendMessages" | "createMessageBatch">;

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

/** The message for one event: the event without its delivery secret and outbox bookkeeping. */
export function eventMessage(event: OutboxEvent, subjectKeySecret: string): ServiceBusMessage {
  const { secret, ttl: _ttl, status: _status, ...rest } = event;
  // The messaging service sends the code to the requester, so it alone travels in clear, on the bus.
  const code =
    event.type === "verification.code-issued" && secret !== undefined
      ? openSecret(subjectKeySecret, event.requestId, secret.sealedVerificationCode)
      : undefined;
  return {
    body: code === undefined ? rest : { ...rest, code },
    messageId: event.id,
    contentType: "application/json",
    subject: event.type,
    applicationProperties: { orgId: event.orgId, type: event.type },
  };
}

const sendFailed = (cause: unknown) =>
  new EngineError("unavailable", "The events topic did not accept a batch; its events stay pending for the next run", {
    reason: "events-send-failed",
    cause,
  });

export async function dispatchOutbox(
  rt: Pick<Runtime, "outbox" | "settings" | "now">,
  sender: EventsSender | undefined,
  log: Logger,
  options: DispatchOptions = {},
): Promise<DispatchSummary> {
  if (sender === undefined) {
    log.info("no Service Bus configured (ServiceBusConnection); events stay in the outbox");
    return { configured: false, sent: 0, batches: 0, heldBack: 0 };
  }
  const pageSize = options.pageSize ?? 100;
  const maxPages = options.maxPages ?? 50;
  let sent = 0;
  let batches = 0;
  let heldBack = 0;

  const newBatch = async (): Promise<ServiceBusMessageBatch> => {
    try {
      return await sender.createMessageBatch();
    } catch (cause) {
      throw sendFailed(cause);
    }
  };
  const flush = async (batch: ServiceBusMessageBatch, events: readonly OutboxEvent[]) => {
    try {
      await sender.sendMessages(batch);
    } catch (cause) {
      log.warn("events topic refused a batch; its events stay pending", { events: events.length, sentBefore: sent });
      throw sendFailed(cause);
    }
    // Marked only now: a crash before this line sends them again, which consumers absorb.
    await rt.outbox.markDispatched(events, rt.now().toISOString());
    sent += events.length;
    batches += 1;
  };

  let continuationToken: string | undefined;
  let pages = 0;
  do {
    const page = await rt.outbox.pending({ limit: pageSize, ...(continuationToken === undefined ? {} : { continuationToken }) });
    pages += 1;
    let batch: ServiceBusMessageBatch | undefined;
    let inBatch: OutboxEvent[] = [];
    for (const event of page.items) {
      let message: ServiceBusMessage;
      try {
        message = eventMessage(event, rt.settings.PRIVACY_SUBJECT_KEY_SECRET);
      } catch (error) {
        // A code sealed under another key can never be sent; it expires with its TTL.
        heldBack += 1;
        log.error("event held back: its sealed code does not open", { eventId: event.id, error: error instanceof EngineError ? error.reason : "unexpected" });
        continue;
      }
      batch ??= await newBatch();
      if (batch.tryAddMessage(message)) {
        inBatch.push(event);
        continue;
      }
      if (inBatch.length > 0) {
        await flush(batch, inBatch);
        batch = await newBatch();
        inBatch = [];
        if (batch.tryAddMessage(message)) {
          inBatch.push(event);
          continue;
        }
      }
      heldBack += 1;
      log.error("event held back: larger than a batch may be", { eventId: event.id });
    }
    if (batch !== undefined && inBatch.length > 0) await flush(batch, inBatch);
    continuationToken = page.continuationToken;
  } while (continuationToken !== undefined && pages < maxPages);

  if (sent > 0 || heldBack > 0) log.info("outbox dispatched", { sent, batches, heldBack, pages });
  return { configured: true, sent, batches, heldBack };
}
