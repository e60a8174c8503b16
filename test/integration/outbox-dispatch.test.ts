import type { ServiceBusMessage, ServiceBusMessageBatch, ServiceBusSender } from "@azure/service-bus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serviceBusHandlers } from "../../functions/service-bus.js";
import { authorize, type Caller } from "../../src/domain/access.js";
import type { OutboxEvent } from "../../src/domain/events.js";
import { dispatchOutbox, type DispatchDeps } from "../../src/engine/outbox-dispatch.js";
import type { Logger } from "../../src/engine/ports.js";
import { issueVerificationCode, submitRequest } from "../../src/engine/requests.js";
import { disposeRuntime, type Runtime } from "../../src/hosting/composition.js";
import { openDeliveredCode } from "../../src/domain/sealed-secret.js";
import { closeServiceBus, eventsSender, serviceBusConfigured, serviceBusPublisher, verificationDeliverySender } from "../../src/stores/service-bus.js";
import { capturedLines } from "../support/log-capture.js";
import { invocationContext, issuedCode, ORG_A, ORG_B, setupEngine, TEST_TIMER } from "../support/engine.js";

// The outbox drain on the real Cosmos emulator. There is no Service Bus emulator (no Docker here):
// the events topic and the verification delivery queue are in-memory objects implementing the SDK
// sender's `createMessageBatch` (batches with `tryAddMessage`, refusing what exceeds their size or
// count) and `sendMessages`, which can be told to fail as a broker outage would. The drain reaches
// them through `serviceBusPublisher`, the adapter that wraps the real senders in
// src/stores/azure-stores.ts.

class MemoryTopic implements Pick<ServiceBusSender, "createMessageBatch" | "sendMessages"> {
  readonly received: ServiceBusMessage[] = [];
  readonly batchSizes: number[] = [];
  /** Sends, counted from 1, that fail. */
  readonly failing = new Set<number>();
  private sends = 0;
  private readonly contents = new WeakMap<object, ServiceBusMessage[]>();

  constructor(private readonly maxMessagesPerBatch: number) {}

  createMessageBatch(): Promise<ServiceBusMessageBatch> {
    const messages: ServiceBusMessage[] = [];
    let size = 0;
    const maxSizeInBytes = 256 * 1024;
    const max = this.maxMessagesPerBatch;
    const batch: ServiceBusMessageBatch = {
      get count() {
        return messages.length;
      },
      get sizeInBytes() {
        return size;
      },
      maxSizeInBytes,
      tryAddMessage(message) {
        const bytes = Buffer.byteLength(JSON.stringify(message)) + 64;
        if (messages.length >= max || size + bytes > maxSizeInBytes) return false;
        messages.push(message);
        size += bytes;
        return true;
      },
    };
    this.contents.set(batch, messages);
    return Promise.resolve(batch);
  }

  sendMessages(messages: unknown): Promise<void> {
    this.sends += 1;
    if (this.failing.has(this.sends)) return Promise.reject(new Error("ServiceBusError: the namespace is not answering"));
    const batch = typeof messages === "object" && messages !== null ? this.contents.get(messages) : undefined;
    if (batch === undefined) return Promise.reject(new Error("the dispatcher must send the batches it created"));
    // Delivered as the wire would: JSON bodies.
    this.received.push(...batch.map((m) => ({ ...m, body: JSON.parse(JSON.stringify(m.body)) as unknown })));
    this.batchSizes.push(batch.length);
    return Promise.resolve();
  }
}

interface StoredEvent extends OutboxEvent {
  dispatchedAt?: string;
}

const admin: Caller = { id: "admin", kind: "api-key", role: "privacy-admin", orgs: "*" };
const opener = authorize(admin, "request:open");
const verifier = authorize(admin, "request:verify");
const lines: string[] = [];
/** The key the engine shares with the messaging service alone. */
const DELIVERY_KEY = "delivery-key-for-the-messaging-service-only-0123";
/** What the messaging service does with a delivery message: open its sealed code, bound to the message id. */
const delivered = (message: { messageId?: unknown; body?: unknown } | undefined): string => {
  const body = message?.body as { code?: unknown; sealedCode?: string };
  // Never in clear on the bus, not even on the delivery queue.
  expect(body).not.toHaveProperty("code");
  return openDeliveredCode(DELIVERY_KEY, { messageId: String(message?.messageId), sealedCode: body.sealedCode ?? "" });
};

const log: Logger = {
  info: (message) => lines.push(message),
  warn: (message) => lines.push(message),
  error: (message) => lines.push(message),
};

let rt: Runtime;
beforeAll(async () => {
  rt = await setupEngine({ PRIVACY_VERIFICATION_DELIVERY_KEY: DELIVERY_KEY });
});
afterAll(async () => {
  await closeServiceBus();
  disposeRuntime(rt);
});

/** The engine's deps with these in-memory entities as the events topic and the delivery queue (undefined: not configured). */
function bus(topic: MemoryTopic | undefined, delivery?: MemoryTopic, base: DispatchDeps = rt): DispatchDeps {
  return {
    ...base,
    events: topic === undefined ? undefined : serviceBusPublisher(topic),
    verificationDelivery: delivery === undefined ? undefined : serviceBusPublisher(delivery),
  };
}

async function stored(): Promise<StoredEvent[]> {
  const { resources } = await rt.clients.cosmos.database(rt.settings.PRIVACY_DATABASE).container("outbox").items.readAll<StoredEvent>().fetchAll();
  return resources;
}
const pendingIds = async () => (await stored()).filter((e) => e.status === "pending").map((e) => e.id).sort();

/** Requests in two orgs: attested ones (request.opened) and unverified ones with a code issued (a sealed secret). */
async function makeEvents(count: number): Promise<{ codeRequests: string[] }> {
  const codeRequests: string[] = [];
  for (let n = 0; n < count; n += 1) {
    const orgId = n % 2 === 0 ? ORG_A : ORG_B;
    if (n % 3 === 0) {
      const { request } = await submitRequest(rt, opener, { type: "access", orgId, subject: { phone: "+49 151 23456789" } }, undefined, log);
      await issueVerificationCode(rt, verifier, request.id, log);
      codeRequests.push(request.id);
    } else {
      await submitRequest(
        rt,
        opener,
        { type: "erasure", orgId, subject: { userId: `u-${n}` }, verification: { method: "attested", by: "desk" } },
        undefined,
        log,
      );
    }
  }
  return { codeRequests };
}

describe("the outbox dispatch", () => {
  it("does nothing without a Service Bus, and says once that events stay in the outbox", async () => {
    await makeEvents(2);
    const before = await pendingIds();
    expect(before.length).toBeGreaterThan(0);
    lines.length = 0;
    expect(await dispatchOutbox(bus(undefined), log)).toEqual({ configured: false, sent: 0, batches: 0, heldBack: 0 });
    expect(lines).toEqual(["no Service Bus configured (ServiceBusConnection); events stay in the outbox"]);
    expect(await pendingIds()).toEqual(before);

    // The timer as the host runs it: no ServiceBusConnection in these settings.
    expect(serviceBusConfigured(rt.settings)).toBe(false);
    const linesBefore = capturedLines.length;
    await serviceBusHandlers(rt).outboxDispatchHandler(TEST_TIMER, invocationContext("outbox-dispatch"));
    expect(capturedLines.slice(linesBefore).filter((l) => l.includes("events stay in the outbox"))).toHaveLength(1);
    expect(await pendingIds()).toEqual(before);
  });

  it("sends every pending event in batches, id as message id, then marks it dispatched and drops its secret", async () => {
    const { codeRequests } = await makeEvents(7);
    const pending = await stored().then((events) => events.filter((e) => e.status === "pending"));
    expect(pending.some((e) => e.secret !== undefined)).toBe(true);
    // The codes as they were sealed, opened before the dispatch drops the secrets.
    const codes = await Promise.all(codeRequests.map((requestId) => issuedCode(rt, requestId)));
    const topic = new MemoryTopic(4);
    const delivery = new MemoryTopic(4);

    // Small pages, so paging while marking is exercised too.
    const summary = await dispatchOutbox(bus(topic, delivery), log, { pageSize: 5 });
    expect(summary).toMatchObject({ configured: true, sent: pending.length, heldBack: 0 });
    expect(topic.batchSizes.every((n) => n <= 4)).toBe(true);
    expect(topic.batchSizes.length).toBeGreaterThan(1);
    const received = [...topic.received, ...delivery.received];
    expect(received.map((m) => m.messageId).sort()).toEqual(pending.map((e) => e.id).sort());

    for (const message of received) {
      const event = pending.find((e) => e.id === message.messageId);
      if (event === undefined) throw new Error("sent an event that was not pending");
      expect(message).toMatchObject({ contentType: "application/json", subject: event.type, applicationProperties: { orgId: event.orgId, type: event.type } });
      const body = message.body as Record<string, unknown>;
      expect(body).not.toHaveProperty("secret");
      expect(body).not.toHaveProperty("ttl");
      expect(body).toMatchObject({ id: event.id, type: event.type, orgId: event.orgId, requestId: event.requestId, subjectKey: event.subjectKey, data: event.data });
      if (event.type !== "verification.code-issued") expect(body).not.toHaveProperty("code");
    }
    // The messaging service gets the code, on its own queue, for code events only.
    expect(codes.length).toBeGreaterThan(0);
    expect(delivery.received.map((m) => m.messageId).sort()).toEqual(pending.filter((e) => e.type === "verification.code-issued").map((e) => e.id).sort());
    expect(topic.received.map((m) => m.subject)).not.toContain("verification.code-issued");
    for (const { code, event } of codes) {
      const message = delivery.received.find((m) => m.messageId === event.id);
      expect(delivered(message)).toBe(code);
      // Sealed for that service: the engine's own secret does not open it, nor does another message's id.
      const sealedCode = (message?.body as { sealedCode: string }).sealedCode;
      expect(() => openDeliveredCode(rt.settings.PRIVACY_SUBJECT_KEY_SECRET, { messageId: event.id, sealedCode })).toThrow();
      expect(() => openDeliveredCode(DELIVERY_KEY, { messageId: `${event.id}-other`, sealedCode })).toThrow();
    }

    const after = await stored();
    expect(after.filter((e) => e.status === "pending")).toEqual([]);
    for (const event of after.filter((e) => pending.some((p) => p.id === e.id))) {
      expect(event.status).toBe("dispatched");
      expect(event.dispatchedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      expect(event).not.toHaveProperty("secret");
    }

    // A second run finds nothing to send.
    const again = new MemoryTopic(4);
    expect(await dispatchOutbox(bus(again, new MemoryTopic(4)), log)).toMatchObject({ sent: 0 });
    expect(again.received).toEqual([]);
  });

  it("never lets a verification code reach the events topic, in clear or sealed", async () => {
    const { codeRequests } = await makeEvents(6);
    const pending = await stored().then((events) => events.filter((e) => e.status === "pending"));
    const sealed = pending.flatMap((e) => (e.secret === undefined ? [] : [e.secret.sealedVerificationCode]));
    const codes = await Promise.all(codeRequests.map((requestId) => issuedCode(rt, requestId)));
    expect(sealed.length).toBe(codes.length);
    expect(codes.length).toBeGreaterThan(1);
    const topic = new MemoryTopic(10);
    const delivery = new MemoryTopic(10);

    await dispatchOutbox(bus(topic, delivery), log);

    // The topic's subscribers see every other event, and nothing of a code.
    expect(topic.received.length).toBeGreaterThan(0);
    const onTopic = JSON.stringify(topic.received);
    for (const { code } of codes) expect(onTopic).not.toContain(code);
    for (const value of sealed) expect(onTopic).not.toContain(value);
    for (const message of topic.received) {
      expect(message.subject).not.toBe("verification.code-issued");
      expect(message.body).not.toHaveProperty("code");
      expect(message.body).not.toHaveProperty("secret");
    }
    // The code events went to the delivery queue, with their codes, and are marked dispatched.
    expect(delivery.received.map((m) => m.subject)).toEqual(codes.map(() => "verification.code-issued"));
    expect(delivery.received.map((m) => delivered(m)).sort()).toEqual(codes.map(({ code }) => code).sort());
    expect(await pendingIds()).toEqual([]);
  });

  it("without the delivery queue, holds code events back rather than send them to the topic", async () => {
    const { codeRequests } = await makeEvents(3);
    const codes = await Promise.all(codeRequests.map((requestId) => issuedCode(rt, requestId)));
    const topic = new MemoryTopic(10);
    const summary = await dispatchOutbox(bus(topic), log);
    expect(summary.heldBack).toBe(codes.length);
    expect(topic.received.length).toBeGreaterThan(0);
    expect(topic.received.map((m) => m.subject)).not.toContain("verification.code-issued");
    const onTopic = JSON.stringify(topic.received);
    for (const { code } of codes) expect(onTopic).not.toContain(code);
    // Still pending, so the next run with the queue configured delivers them.
    expect(await pendingIds()).toEqual(codes.map(({ event }) => event.id).sort());
    const delivery = new MemoryTopic(10);
    await dispatchOutbox(bus(new MemoryTopic(10), delivery), log);
    expect(delivery.received.map((m) => m.messageId).sort()).toEqual(codes.map(({ event }) => event.id).sort());
    expect(await pendingIds()).toEqual([]);
  });

  it("without the key shared with the messaging service, holds code events back: never in clear", async () => {
    const { codeRequests } = await makeEvents(2);
    const codes = await Promise.all(codeRequests.map((requestId) => issuedCode(rt, requestId)));
    const withoutKey = { ...rt, config: { ...rt.config, PRIVACY_VERIFICATION_DELIVERY_KEY: undefined } };
    const delivery = new MemoryTopic(10);
    const summary = await dispatchOutbox(bus(new MemoryTopic(10), delivery, withoutKey), log);
    expect(summary.heldBack).toBe(codes.length);
    expect(delivery.received).toEqual([]);
    expect(await pendingIds()).toEqual(codes.map(({ event }) => event.id).sort());
    await dispatchOutbox(bus(new MemoryTopic(10), delivery), log);
    expect(await pendingIds()).toEqual([]);
  });

  it("leaves the events of a failed send pending, and the next run sends them: none is lost", async () => {
    await makeEvents(6);
    const pending = await pendingIds();
    const outage = new MemoryTopic(3);
    outage.failing.add(2);
    const outageDelivery = new MemoryTopic(3);
    await expect(dispatchOutbox(bus(outage, outageDelivery), log)).rejects.toMatchObject({ code: "unavailable", reason: "events-send-failed" });
    const delivered = [...outage.received, ...outageDelivery.received].map((m) => String(m.messageId));
    expect(outage.received).toHaveLength(3);
    // Only the batches the broker accepted are marked.
    expect(await pendingIds()).toEqual(pending.filter((id) => !delivered.includes(id)));

    const recovered = new MemoryTopic(3);
    const recoveredDelivery = new MemoryTopic(3);
    await dispatchOutbox(bus(recovered, recoveredDelivery), log);
    expect([...delivered, ...[...recovered.received, ...recoveredDelivery.received].map((m) => String(m.messageId))].sort()).toEqual(pending);
    expect(await pendingIds()).toEqual([]);
  });

  it("holds back a code event whose secret does not open, and sends the rest", async () => {
    await makeEvents(2);
    const broken: OutboxEvent = {
      id: "r-broken:1:0",
      orgId: ORG_A,
      requestId: "r-broken",
      subjectKey: "sk_none",
      createdAt: new Date().toISOString(),
      status: "pending",
      type: "verification.code-issued",
      data: { channel: "email" },
      secret: { sealedVerificationCode: "v1.AAAA.BBBB.CCCC" },
      ttl: 600,
    };
    await rt.outbox.write([broken]);
    const topic = new MemoryTopic(10);
    expect(await dispatchOutbox(bus(topic, new MemoryTopic(10)), log)).toMatchObject({ heldBack: 1 });
    expect(topic.received.length).toBeGreaterThan(0);
    expect(topic.received.map((m) => m.messageId)).not.toContain(broken.id);
    expect(await pendingIds()).toEqual([broken.id]);
  });

  it("creates the topic's and the delivery queue's senders once, from the connection string, and none without settings", () => {
    const settings = {
      ServiceBusConnection: "Endpoint=sb://privacy.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=bm90LWEta2V5",
      ServiceBusConnection__fullyQualifiedNamespace: undefined,
      PRIVACY_EVENTS_TOPIC: "privacy-events",
      PRIVACY_VERIFICATION_DELIVERY_QUEUE: "privacy-verification-delivery",
    };
    expect(serviceBusConfigured(settings)).toBe(true);
    const sender = eventsSender(settings);
    expect(sender?.entityPath).toBe("privacy-events");
    expect(eventsSender(settings)).toBe(sender);
    const delivery = verificationDeliverySender(settings);
    expect(delivery?.entityPath).toBe("privacy-verification-delivery");
    expect(verificationDeliverySender(settings)).toBe(delivery);
    expect(eventsSender(settings)).toBe(sender);
    expect(eventsSender({ ...settings, ServiceBusConnection: undefined })).toBeUndefined();
    expect(verificationDeliverySender({ ...settings, ServiceBusConnection: undefined })).toBeUndefined();
  });
});
