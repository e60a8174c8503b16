import { randomUUID } from "node:crypto";
import { DefaultAzureCredential } from "@azure/identity";
import { isServiceBusError, ServiceBusClient, type ServiceBusMessageBatch, type ServiceBusSender } from "@azure/service-bus";
import type { Settings } from "../config/settings.js";
import { EngineError } from "../domain/errors.js";
import type { EventBatch, EventMessage, EventPublisher } from "../engine/ports.js";
import { ErasureMessageV1, MessageId, PRODUCER_PROPERTY, ProducerName } from "../domain/erasure-message.js";

// The Service Bus adapter: the client, the events topic's sender and the verification delivery
// queue's sender, built from the same app settings the trigger's `connection` reads
// (`ServiceBusConnection`, or `ServiceBusConnection__fullyQualifiedNamespace` with the app's Entra
// identity), and the typed producer other services use to ask for an erasure.

export type ServiceBusSettings = Pick<
  Settings,
  "ServiceBusConnection" | "ServiceBusConnection__fullyQualifiedNamespace" | "PRIVACY_EVENTS_TOPIC" | "PRIVACY_VERIFICATION_DELIVERY_QUEUE"
>;

/** Whether any Service Bus is configured; without one, events stay in the outbox. */
export function serviceBusConfigured(settings: ServiceBusSettings): boolean {
  return settings.ServiceBusConnection !== undefined || settings.ServiceBusConnection__fullyQualifiedNamespace !== undefined;
}

/** A client from a connection string, else from the namespace with DefaultAzureCredential; undefined when neither is set. */
export function createServiceBusClient(settings: ServiceBusSettings): ServiceBusClient | undefined {
  if (settings.ServiceBusConnection !== undefined) return new ServiceBusClient(settings.ServiceBusConnection);
  const namespace = settings.ServiceBusConnection__fullyQualifiedNamespace;
  if (namespace !== undefined) return new ServiceBusClient(namespace, new DefaultAzureCredential());
  return undefined;
}

let cached: { readonly key: string; readonly client: ServiceBusClient; readonly senders: Map<string, ServiceBusSender> } | undefined;

/**
 * A sender for one entity, created on first use and kept for the process (the SDK connects lazily
 * and reconnects by itself); one client serves every entity. Undefined when no Service Bus is
 * configured.
 */
function senderFor(settings: ServiceBusSettings, entity: string): ServiceBusSender | undefined {
  const key = JSON.stringify([settings.ServiceBusConnection, settings.ServiceBusConnection__fullyQualifiedNamespace]);
  if (cached?.key !== key) {
    const previous = cached;
    cached = undefined;
    // Settings changed (tests): the old client is let go in the background.
    if (previous !== undefined) void previous.client.close().catch(() => undefined);
    const client = createServiceBusClient(settings);
    if (client === undefined) return undefined;
    cached = { key, client, senders: new Map() };
  }
  let sender = cached.senders.get(entity);
  if (sender === undefined) {
    sender = cached.client.createSender(entity);
    cached.senders.set(entity, sender);
  }
  return sender;
}

/** The events topic's sender (`PRIVACY_EVENTS_TOPIC`): every event but a verification code. */
export function eventsSender(settings: ServiceBusSettings): ServiceBusSender | undefined {
  return senderFor(settings, settings.PRIVACY_EVENTS_TOPIC);
}

/**
 * The verification delivery queue's sender (`PRIVACY_VERIFICATION_DELIVERY_QUEUE`): codes for the
 * messaging service alone, never the events topic.
 */
export function verificationDeliverySender(settings: ServiceBusSettings): ServiceBusSender | undefined {
  return senderFor(settings, settings.PRIVACY_VERIFICATION_DELIVERY_QUEUE);
}

class ServiceBusEventBatch implements EventBatch {
  constructor(readonly batch: ServiceBusMessageBatch) {}
  tryAdd(message: EventMessage): boolean {
    return this.batch.tryAddMessage({ ...message, applicationProperties: { ...message.applicationProperties } });
  }
  get count(): number {
    return this.batch.count;
  }
}

/** The engine's event port over one Service Bus sender (its batches keep the SDK's size rule). */
export function serviceBusPublisher(sender: Pick<ServiceBusSender, "createMessageBatch" | "sendMessages">): EventPublisher {
  return {
    createBatch: async () => new ServiceBusEventBatch(await sender.createMessageBatch()),
    send: async (batch) => {
      if (!(batch instanceof ServiceBusEventBatch)) throw new TypeError("not a batch of this publisher");
      await sender.sendMessages(batch.batch);
    },
  };
}

/** Closes the cached client (shutdown, tests). */
export async function closeServiceBus(): Promise<void> {
  const current = cached;
  cached = undefined;
  await current?.client.close();
}

export interface EnqueueErasureOptions {
  /** The sending service's name as `PRIVACY_SERVICE_BUS_PRODUCERS` declares it; sent as the `privacyProducer` property. */
  readonly producer: string;
  /** The idempotency key (scoped to the producer); default a fresh UUID. */
  readonly messageId?: string;
}

/**
 * Sends one erasure request to the intake queue (a sender for `erasure-requests`). Validates the
 * message first: an invalid one throws a validation EngineError naming the fields and nothing is
 * sent. The producer names itself in the `privacyProducer` application property; the engine
 * accepts only the orgs and kinds its declaration allows. The message id (given, or a fresh UUID)
 * is the idempotency key within that producer: sending again with the same id never opens a
 * second request. Returns the message id.
 */
export async function enqueueErasure(
  sender: Pick<ServiceBusSender, "sendMessages">,
  message: ErasureMessageV1,
  options: EnqueueErasureOptions,
): Promise<string> {
  if (!ProducerName.safeParse(options.producer).success) {
    throw new EngineError("validation", "The producer must be a name declared in PRIVACY_SERVICE_BUS_PRODUCERS", {
      reason: "invalid-producer",
      fields: [{ path: "producer", message: "must be a producer name (letters, digits, '.', '-', '_')" }],
    });
  }
  const parsed = ErasureMessageV1.safeParse(message);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => ({ path: issue.path.length === 0 ? "body" : issue.path.map(String).join("."), message: issue.message }));
    throw new EngineError("validation", `The erasure message is not valid: ${fields.map((f) => `${f.path} ${f.message}`).join("; ")}`, {
      reason: "invalid-erasure-message",
      fields,
    });
  }
  const messageId = options.messageId ?? randomUUID();
  if (!MessageId.safeParse(messageId).success) {
    throw new EngineError("validation", "The message id must be 1 to 128 characters", {
      reason: "invalid-message-id",
      fields: [{ path: "messageId", message: "must be 1 to 128 characters" }],
    });
  }
  try {
    await sender.sendMessages({
      body: parsed.data,
      messageId,
      contentType: "application/json",
      subject: parsed.data.kind,
      applicationProperties: { [PRODUCER_PROPERTY]: options.producer },
    });
  } catch (error) {
    throw mapServiceBusError(error, "erasure queue");
  }
  return messageId;
}

/** Maps a Service Bus SDK error to the engine's error family; only this adapter knows them. */
export function mapServiceBusError(error: unknown, what: string): EngineError {
  if (error instanceof EngineError) return error;
  if (isServiceBusError(error)) {
    switch (error.code) {
      case "MessageSizeExceeded":
        return new EngineError("validation", `${what}: the message is too large`, { reason: "message-too-large", cause: error });
      case "MessagingEntityNotFound":
      case "UnauthorizedAccess":
        // Configuration, not weather: retrying will not help until someone fixes it.
        return new EngineError("internal", `${what}: ${error.code}`, { reason: "service-bus-configuration", cause: error });
      default:
        return new EngineError("unavailable", `${what}: Service Bus is not answering (${error.code})`, { reason: "service-bus-unavailable", cause: error });
    }
  }
  return new EngineError("unavailable", `${what}: Service Bus is not answering`, { reason: "service-bus-unavailable", cause: error });
}
