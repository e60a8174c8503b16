import { randomBytes, randomUUID } from "node:crypto";
import type { ServiceBusSender } from "@azure/service-bus";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { messageBody, serviceBusFunctions } from "../../functions/service-bus.js";
import type { AuditEntry } from "../../src/domain/audit.js";
import { EngineError } from "../../src/domain/errors.js";
import type { OutboxEvent } from "../../src/domain/events.js";
import { PRODUCER_PROPERTY, type ErasureMessageV1 } from "../../src/domain/erasure-message.js";
import { receiveErasureMessage } from "../../src/engine/erasure-intake.js";
import type { Logger, RequestStore } from "../../src/engine/ports.js";
import { startLocalHost } from "../../src/local/host.js";
import { enqueueErasure } from "../../src/public.js";
import { capturedLines } from "../support/log-capture.js";
import { invocationContext, ORG_UNKNOWN, countRequests, setupEngine, teardownEngines, type TestEngine } from "../support/engine.js";
import { findLeaks, personalNeedles } from "../support/pii.js";

// The erasure intake on the real Cosmos and Storage emulators. There is no Service Bus emulator
// (no Docker here), so the broker's side is played as the Functions host plays it: the handler
// gets the parsed body and an InvocationContext whose triggerMetadata carries messageId and
// deliveryCount; resolving means "complete", throwing means "abandon and redeliver". The producer
// is tested against an in-memory object implementing the SDK sender's `sendMessages`.
// Over 400 lines on purpose: every case shares the delivery helpers that play the host.

let rt: TestEngine;

/** The producers this file declares: one trusted for everything, one scoped to an org, one without offboarding. */
const CRM = "crm-service";
const BILLING = "billing";
const SHOP = "shop";
const BILLING_ORG = "org-sb-billing";
const PRODUCERS = {
  [CRM]: { orgs: "*", kinds: ["erasure", "child-data", "org-offboarding"] },
  [BILLING]: { orgs: [BILLING_ORG], kinds: ["erasure"] },
  [SHOP]: { orgs: "*", kinds: ["erasure", "child-data"] },
};

beforeAll(async () => {
  rt = await setupEngine({ PRIVACY_SERVICE_BUS_PRODUCERS: JSON.stringify(PRODUCERS) });
  await newOrg(BILLING_ORG);
});
afterEach(() => {
  vi.restoreAllMocks();
});
afterAll(() => {
  teardownEngines();
});

// Personal values the invalid messages carry; none may reach the audit, an event or a log line.
const PHONE = "+49 151 98765432";
const EMAIL = "maria.schneider@example.org";
const NAME = "Maria Schneider";
const needles = personalNeedles(["+4915198765432", PHONE, EMAIL, NAME, "Schneider"]);

/** An org of its own per test, so request counts are the test's alone. */
async function newOrg(orgId = `org-sb-${randomBytes(4).toString("hex")}`): Promise<string> {
  await rt.clients.cosmos
    .database(rt.settings.PLATFORM_DATABASE)
    .container("organizations")
    .items.upsert({ id: orgId, orgId, name: "Service Bus Test GmbH", settings: { jurisdiction: "GDPR", defaultCountry: "DE" } });
  return orgId;
}

function erasureMessage(orgId: string, overrides: Partial<ErasureMessageV1> = {}): ErasureMessageV1 {
  return {
    schemaVersion: 1,
    kind: "erasure",
    orgId,
    subject: { phone: PHONE, email: EMAIL },
    reason: "account-closed",
    requestedBy: "crm-service",
    requestedAt: "2026-01-10T08:00:00Z",
    ...overrides,
  };
}

/** A delivery whose metadata has no `applicationProperties` at all. */
const NO_PROPERTIES = Symbol("no application properties");

/**
 * One delivery as the Functions host makes it: the parsed body, and the broker's metadata, with the
 * message's application properties (the producer's name) in `applicationProperties`.
 */
function deliver(body: unknown, messageId: string | undefined, deliveryCount = 1, applicationProperties: unknown = { privacyProducer: CRM }): Promise<void> {
  const properties = applicationProperties === NO_PROPERTIES ? {} : { applicationProperties };
  return rt.fn.erasureIntakeHandler(
    body,
    invocationContext("erasure-intake", {
      ...(messageId === undefined ? {} : { messageId }),
      deliveryCount,
      enqueuedTimeUtc: "2026-01-10T08:00:01Z",
      sequenceNumber: 17,
      contentType: "application/json",
      ...properties,
    }),
  );
}

/** Where a rejection of a message from this producer is recorded. */
const auditIdOf = (messageId: string, producer = CRM) => `servicebus:${producer}:${messageId}`;
const fromCrm = { privacyProducer: CRM };

async function requestsOf(orgId: string) {
  return (await rt.requests.list({ orgIds: "*", orgId }, { limit: 100 })).items;
}


async function alertOf(auditRequestId: string): Promise<OutboxEvent[]> {
  const { resources } = await rt.clients.cosmos
    .database(rt.settings.PRIVACY_DATABASE)
    .container("outbox")
    .items.query<OutboxEvent>({ query: "SELECT * FROM c WHERE c.requestId = @id", parameters: [{ name: "@id", value: auditRequestId }] })
    .fetchAll();
  return resources;
}

const silent: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe("the erasure intake", () => {
  it("opens one attested, queued erasure request per message id, however often it is delivered", async () => {
    const orgId = await newOrg();
    const messageId = randomUUID();
    const body = erasureMessage(orgId);
    await deliver(body, messageId);
    const [request, ...others] = await requestsOf(orgId);
    expect(others).toHaveLength(0);
    expect(request).toMatchObject({
      type: "erasure",
      status: "queued",
      orgId,
      receivedAt: "2026-01-10T08:00:00.000Z",
      verification: { state: "verified", method: "attested", by: "crm-service" },
      subject: { phone: "+4915198765432", email: EMAIL },
      createdBy: { kind: "principal", id: `service-bus:${CRM}`, role: "privacy-admin" },
    });

    // Redelivered (the lock expired before the completion reached the broker) ...
    await deliver(body, messageId, 2);
    // ... and duplicated by a sender's retry, twice at once.
    await Promise.all([deliver(body, messageId), deliver(structuredClone(body), messageId)]);
    expect((await requestsOf(orgId)).map((r) => r.id)).toEqual([request?.id]);

    // A different message id is a different request.
    await deliver(body, randomUUID());
    expect(await requestsOf(orgId)).toHaveLength(2);
    const log = capturedLines.join("\n");
    expect(log).toContain(`messageId=${messageId}`);
    expect(log).toContain("outcome=duplicate");
  });

  it("maps org-offboarding and child-data", async () => {
    const orgId = await newOrg();
    await deliver(erasureMessage(orgId, { kind: "org-offboarding", subject: undefined, reason: "contract-ended" }), randomUUID());
    const offboarding = await requestsOf(orgId);
    expect(offboarding).toHaveLength(1);
    expect(offboarding[0]).toMatchObject({ type: "org-offboarding", status: "queued", subject: {} });
    expect(offboarding[0]?.subjectKey).toMatch(/^ok_/);

    const childOrg = await newOrg();
    await deliver(erasureMessage(childOrg, { kind: "child-data", subject: { userId: "u-child-7" } }), randomUUID());
    const child = await requestsOf(childOrg);
    expect(child).toHaveLength(1);
    expect(child[0]).toMatchObject({ type: "child-data", status: "queued", subject: { userId: "u-child-7" } });
  });

  it("accepts a JSON body that arrives as text or bytes, as a sender without a content type leaves it", async () => {
    const orgId = await newOrg();
    const text = JSON.stringify(erasureMessage(orgId, { subject: { contactId: "c-1" } }));
    expect(messageBody(text)).toEqual(JSON.parse(text));
    await deliver(Buffer.from(text, "utf8"), randomUUID());
    expect(await requestsOf(orgId)).toHaveLength(1);
  });

  describe("a message that can never succeed", () => {
    const orgId = "org-sb-invalid";
    const cases: { name: string; body: () => unknown; reason: string; issues: string[]; org: string }[] = [
      {
        name: "a schema version it does not know",
        body: () => ({ ...erasureMessage(orgId), schemaVersion: 2 }),
        reason: "unsupported-schema-version",
        issues: ["schemaVersion:invalid_value"],
        org: orgId,
      },
      {
        name: "no orgId",
        body: () => {
          const { orgId: _drop, ...rest } = erasureMessage(orgId);
          return rest;
        },
        reason: "invalid-message",
        issues: ["orgId:invalid_type"],
        org: "unknown",
      },
      {
        name: "an org the platform does not know",
        body: () => erasureMessage(ORG_UNKNOWN),
        reason: "org-not-found",
        issues: [],
        org: ORG_UNKNOWN,
      },
      {
        name: "__proto__ keys",
        body: () =>
          JSON.parse(
            JSON.stringify(erasureMessage(orgId))
              .replace('"subject":{', `"subject":{"__proto__":{"email":"${EMAIL}"},`)
              .replace("{", `{"__proto__":{"isAdmin":true,"name":"${NAME}"},`),
          ) as unknown,
        reason: "invalid-message",
        issues: ["body:unrecognized_keys", "subject:unrecognized_keys"],
        org: orgId,
      },
      {
        name: "a huge string full of personal data, and unknown fields",
        body: () => ({ ...erasureMessage(orgId), reason: `${NAME} ${PHONE} ${EMAIL} `.repeat(50_000), [EMAIL]: NAME, note: PHONE }),
        reason: "invalid-message",
        issues: ["body:unrecognized_keys", "reason:too_big", "reason:invalid_format"],
        org: orgId,
      },
      {
        name: "personal data where a service name and a date belong",
        body: () => erasureMessage(orgId, { requestedBy: EMAIL, requestedAt: PHONE }),
        reason: "invalid-message",
        issues: ["requestedBy:invalid_format", "requestedAt:invalid_format"],
        org: orgId,
      },
      {
        name: "an erasure without a subject",
        body: () => erasureMessage(orgId, { subject: undefined }),
        reason: "invalid-message",
        issues: ["subject:custom"],
        org: orgId,
      },
      { name: "a body that is not an object", body: () => PHONE, reason: "invalid-message", issues: ["body:invalid_type"], org: "unknown" },
    ];

    it.each(cases)("is completed, audited and alerted, and opens nothing: $name", async ({ body, reason, issues, org }) => {
      const messageId = randomUUID();
      const before = await countRequests(rt);
      const linesBefore = capturedLines.length;
      await expect(deliver(body(), messageId)).resolves.toBeUndefined();
      // Delivered again (the completion was lost): still one audit entry and one alert.
      await expect(deliver(body(), messageId, 2)).resolves.toBeUndefined();
      expect(await countRequests(rt)).toBe(before);

      const auditRequestId = auditIdOf(messageId);
      const entries: AuditEntry[] = await rt.audit.listForRequest(auditRequestId);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ action: "intake.rejected", orgId: org, subjectKey: "none", seq: 0, details: { reason } });
      const recorded = entries[0]?.details.issues as string[];
      expect(recorded).toEqual(expect.arrayContaining(issues));
      for (const issue of recorded) expect(issue).toMatch(/^[A-Za-z0-9.*]+:[a-z_-]+$/);

      const alerts = await alertOf(auditRequestId);
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({ id: `${auditRequestId}:alert`, type: "alert", status: "pending", orgId: org, data: { kind: "intake-rejected", reason } });

      const written = [JSON.stringify(entries), JSON.stringify(alerts), ...capturedLines.slice(linesBefore)];
      expect(findLeaks([{ file: "intake", text: written.join("\n") }], needles)).toEqual([]);
      expect(capturedLines.slice(linesBefore).join("\n")).toContain("outcome=rejected");
      // Nothing crept onto Object.prototype.
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    });

    it("refuses a phone that cannot be normalised, after the org is known, without repeating it", async () => {
      const known = await newOrg();
      const messageId = randomUUID();
      const linesBefore = capturedLines.length;
      await deliver(erasureMessage(known, { subject: { phone: `${NAME} 0151` } }), messageId);
      expect(await requestsOf(known)).toHaveLength(0);
      const entries = await rt.audit.listForRequest(auditIdOf(messageId));
      expect(entries[0]?.details).toMatchObject({ reason: "invalid-identifier", issues: ["subject.phone:validation"], kind: "erasure" });
      const written = [JSON.stringify(entries), JSON.stringify(await alertOf(auditIdOf(messageId))), ...capturedLines.slice(linesBefore)];
      expect(findLeaks([{ file: "intake", text: written.join("\n") }], needles)).toEqual([]);
    });

    it("rejects a message without a message id: there is no key to make it idempotent", async () => {
      const orgId = await newOrg();
      const outcome = await receiveErasureMessage(rt, erasureMessage(orgId), { messageId: undefined, deliveryCount: 1, applicationProperties: fromCrm }, silent);
      expect(outcome).toMatchObject({ outcome: "rejected", reason: "missing-message-id" });
      expect(await requestsOf(orgId)).toHaveLength(0);
      if (outcome.outcome !== "rejected") throw new Error("expected a rejection");
      expect(await rt.audit.listForRequest(outcome.auditRequestId)).toHaveLength(1);
      await expect(deliver(erasureMessage(orgId), undefined)).resolves.toBeUndefined();
      expect(await requestsOf(orgId)).toHaveLength(0);
    });

    it("rejects a message id reused with another body, and keeps the first request", async () => {
      const orgId = await newOrg();
      const messageId = randomUUID();
      await deliver(erasureMessage(orgId), messageId);
      await deliver(erasureMessage(orgId, { reason: "another-reason" }), messageId);
      expect(await requestsOf(orgId)).toHaveLength(1);
      expect((await rt.audit.listForRequest(auditIdOf(messageId)))[0]?.details).toMatchObject({ reason: "message-id-reused" });
    });

    it("hashes a message id that cannot be part of a document id", async () => {
      const outcome = await receiveErasureMessage(rt, { schemaVersion: 1 }, { messageId: `${PHONE}/#?`, applicationProperties: fromCrm }, silent);
      if (outcome.outcome !== "rejected") throw new Error("expected a rejection");
      expect(outcome.auditRequestId).toMatch(/^servicebus:crm-service:h-[0-9a-f]{40}$/);
      expect(await rt.audit.listForRequest(outcome.auditRequestId)).toHaveLength(1);
    });
  });

  describe("a producer that may not send it", () => {
    /** Delivers, expects a completed rejection with this reason and nothing opened; returns what was written. */
    async function expectRejected(body: unknown, applicationProperties: unknown, reason: string, auditRequestId: (messageId: string) => string) {
      const messageId = randomUUID();
      const before = await countRequests(rt);
      const linesBefore = capturedLines.length;
      await expect(deliver(body, messageId, 1, applicationProperties)).resolves.toBeUndefined();
      await expect(deliver(body, messageId, 2, applicationProperties)).resolves.toBeUndefined();
      expect(await countRequests(rt)).toBe(before);
      const entries = await rt.audit.listForRequest(auditRequestId(messageId));
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ action: "intake.rejected", subjectKey: "none", details: { reason } });
      const alerts = await alertOf(auditRequestId(messageId));
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({ type: "alert", status: "pending", data: { kind: "intake-rejected", reason } });
      const lines = capturedLines.slice(linesBefore);
      expect(lines.join("\n")).toContain("outcome=rejected");
      return { entries, alerts, lines };
    }

    it.each([
      { name: "no application properties", properties: NO_PROPERTIES },
      { name: "no producer property", properties: {} },
      { name: "a producer that is not declared", properties: { privacyProducer: "erp" } },
      { name: "a producer property that is not a string", properties: { privacyProducer: ["crm-service"] } },
      { name: "an inherited key as producer", properties: { privacyProducer: "constructor" } },
      { name: "a producer property in the wrong case", properties: { PrivacyProducer: CRM } },
    ])("is completed, audited as unknown-producer and alerted, and opens nothing: $name", async ({ properties }) => {
      const orgId = await newOrg();
      const { entries } = await expectRejected(erasureMessage(orgId), properties, "unknown-producer", (id) => `servicebus:_unknown:${id}`);
      expect(entries[0]).toMatchObject({ orgId, actor: { id: "service-bus" } });
      expect(await requestsOf(orgId)).toHaveLength(0);
    });

    it("never records the value a sender put in the producer property", async () => {
      const orgId = await newOrg();
      const { entries, alerts, lines } = await expectRejected(erasureMessage(orgId), { privacyProducer: `${NAME} ${EMAIL}` }, "unknown-producer", (id) => `servicebus:_unknown:${id}`);
      const written = [JSON.stringify(entries), JSON.stringify(alerts), ...lines];
      expect(findLeaks([{ file: "intake", text: written.join("\n") }], needles)).toEqual([]);
    });

    it("refuses an org the producer is not declared for, and accepts its own", async () => {
      const other = await newOrg();
      const { entries } = await expectRejected(erasureMessage(other), { privacyProducer: BILLING }, "producer-org-not-allowed", (id) => auditIdOf(id, BILLING));
      expect(entries[0]).toMatchObject({ orgId: other, actor: { id: `service-bus:${BILLING}` }, details: { kind: "erasure" } });
      expect(await requestsOf(other)).toHaveLength(0);

      const before = (await requestsOf(BILLING_ORG)).length;
      await deliver(erasureMessage(BILLING_ORG), randomUUID(), 1, { privacyProducer: BILLING });
      const after = await requestsOf(BILLING_ORG);
      expect(after).toHaveLength(before + 1);
      expect(after.some((r) => r.createdBy.id === `service-bus:${BILLING}`)).toBe(true);
    });

    it("refuses a kind the producer is not declared for", async () => {
      const { entries } = await expectRejected(
        erasureMessage(BILLING_ORG, { kind: "child-data", subject: { userId: "u-child-9" } }),
        { privacyProducer: BILLING },
        "producer-kind-not-allowed",
        (id) => auditIdOf(id, BILLING),
      );
      expect(entries[0]?.details).toMatchObject({ kind: "child-data" });
    });

    it("refuses org-offboarding from a producer allowed every org but not offboarding", async () => {
      const orgId = await newOrg();
      await expectRejected(
        erasureMessage(orgId, { kind: "org-offboarding", subject: undefined, reason: "contract-ended" }),
        { privacyProducer: SHOP },
        "producer-kind-not-allowed",
        (id) => auditIdOf(id, SHOP),
      );
      expect(await requestsOf(orgId)).toHaveLength(0);
      // The same producer's erasures are fine.
      await deliver(erasureMessage(orgId), randomUUID(), 1, { privacyProducer: SHOP });
      expect(await requestsOf(orgId)).toHaveLength(1);
    });

    it("scopes the message id per producer: one producer cannot pre-empt another's", async () => {
      const orgId = await newOrg();
      const messageId = randomUUID();
      const body = erasureMessage(orgId);
      // The shop sends first, with the id the CRM is about to use (and a body of its own).
      await deliver(erasureMessage(orgId, { reason: "pre-empted" }), messageId, 1, { privacyProducer: SHOP });
      await deliver(body, messageId, 1, { privacyProducer: CRM });
      await deliver(body, messageId, 2, { privacyProducer: CRM });
      await deliver(erasureMessage(orgId, { reason: "pre-empted" }), messageId, 2, { privacyProducer: SHOP });
      const requests = await requestsOf(orgId);
      expect(requests).toHaveLength(2);
      expect(requests.map((r) => r.createdBy.id).sort()).toEqual([`service-bus:${CRM}`, `service-bus:${SHOP}`]);
      expect(requests.find((r) => r.createdBy.id === `service-bus:${CRM}`)?.reason).toBe("account-closed");
      expect(await rt.audit.listForRequest(auditIdOf(messageId))).toHaveLength(0);
    });

    it("accepts nothing when no producer is declared (the default)", async () => {
      const orgId = await newOrg();
      const bare: TestEngine = { ...rt, config: { ...rt.config, PRIVACY_SERVICE_BUS_PRODUCERS: {} } };
      const outcome = await receiveErasureMessage(bare, erasureMessage(orgId), { messageId: randomUUID(), applicationProperties: fromCrm }, silent);
      expect(outcome).toMatchObject({ outcome: "rejected", reason: "unknown-producer" });
      expect(await requestsOf(orgId)).toHaveLength(0);
    });
  });

  describe("a transient failure", () => {
    it("throws, writes nothing, and the redelivery opens the request", async () => {
      const orgId = await newOrg();
      const failing: RequestStore = Object.assign(Object.create(rt.requests) as RequestStore, {
        create: () => Promise.reject(new EngineError("unavailable", "requests: the database is not answering")),
      });
      const messageId = randomUUID();
      await expect(receiveErasureMessage({ ...rt, requests: failing }, erasureMessage(orgId), { messageId, deliveryCount: 1, applicationProperties: fromCrm }, silent)).rejects.toMatchObject({
        code: "unavailable",
      });
      expect(await requestsOf(orgId)).toHaveLength(0);
      expect(await rt.audit.listForRequest(auditIdOf(messageId))).toHaveLength(0);

      const redelivered = await receiveErasureMessage(rt, erasureMessage(orgId), { messageId, deliveryCount: 2, applicationProperties: fromCrm }, silent);
      expect(redelivered).toMatchObject({ outcome: "created", kind: "erasure" });
      expect(await requestsOf(orgId)).toHaveLength(1);
    });

    it("makes the real handler throw (the host abandons the message), and the next delivery succeeds", async () => {
      const orgId = await newOrg();
      const messageId = randomUUID();
      const create = vi.spyOn(rt.requests, "create").mockRejectedValueOnce(new EngineError("unavailable", "requests: the database is not answering"));
      await expect(deliver(erasureMessage(orgId), messageId, 1)).rejects.toMatchObject({ code: "unavailable" });
      expect(await requestsOf(orgId)).toHaveLength(0);
      await expect(deliver(erasureMessage(orgId), messageId, 2)).resolves.toBeUndefined();
      expect(create).toHaveBeenCalledTimes(2);
      expect(await requestsOf(orgId)).toHaveLength(1);
      expect(capturedLines.join("\n")).toContain("outcome=retry");
    });

    it("throws on anything unexpected", async () => {
      vi.spyOn(rt.orgs, "get").mockRejectedValueOnce(new TypeError("socket hang up"));
      await expect(deliver(erasureMessage(await newOrg()), randomUUID())).rejects.toThrow("socket hang up");
    });
  });
});

describe("enqueueErasure, the producer other services use", () => {
  /** Stands in for the SDK's ServiceBusSender: only `sendMessages` is used. */
  function memorySender() {
    const sent: unknown[] = [];
    const sender: Pick<ServiceBusSender, "sendMessages"> = {
      sendMessages: (messages) => {
        sent.push(messages);
        return Promise.resolve();
      },
    };
    return { sent, sender };
  }

  it("sends the message with a fresh id, JSON content type and the kind as subject", async () => {
    const { sent, sender } = memorySender();
    const message = erasureMessage("org-alpha");
    const messageId = await enqueueErasure(sender, message, { producer: CRM });
    expect(messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent).toEqual([{ body: message, messageId, contentType: "application/json", subject: "erasure", applicationProperties: { privacyProducer: CRM } }]);
    expect(await enqueueErasure(sender, message, { producer: CRM, messageId: "crm-42" })).toBe("crm-42");
    expect(sent).toHaveLength(2);
  });

  it("validates before sending: nothing goes out and the error names the field", async () => {
    const { sent, sender } = memorySender();
    const bad = { ...erasureMessage("org-alpha"), subject: undefined };
    await expect(enqueueErasure(sender, bad, { producer: CRM })).rejects.toMatchObject({ code: "validation", fields: [{ path: "subject" }] });
    await expect(enqueueErasure(sender, { ...erasureMessage("org-alpha"), reason: NAME }, { producer: CRM })).rejects.toMatchObject({
      code: "validation",
      fields: [{ path: "reason" }],
    });
    await expect(enqueueErasure(sender, erasureMessage("org-alpha"), { producer: CRM, messageId: "" })).rejects.toMatchObject({ code: "validation" });
    await expect(enqueueErasure(sender, erasureMessage("org-alpha"), { producer: EMAIL })).rejects.toMatchObject({
      code: "validation",
      fields: [{ path: "producer" }],
    });
    expect(sent).toEqual([]);
  });

  it("produces what the intake accepts: one request per message id", async () => {
    const { sent, sender } = memorySender();
    const orgId = await newOrg();
    const messageId = await enqueueErasure(sender, erasureMessage(orgId, { kind: "child-data" }), { producer: SHOP });
    const [message] = sent as { body: unknown; messageId: string; applicationProperties: unknown }[];
    // The host hands the handler the parsed body and the application properties; a JSON round trip is what the wire does to them.
    const body = JSON.parse(JSON.stringify(message?.body)) as unknown;
    const properties = JSON.parse(JSON.stringify(message?.applicationProperties)) as unknown;
    await deliver(body, messageId, 1, properties);
    await deliver(body, messageId, 2, properties);
    const requests = await requestsOf(orgId);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ type: "child-data", createdBy: { id: `service-bus:${SHOP}` } });
  });
});

describe("the local host", () => {
  it("does not poll Service Bus, but delivers a message through the admin API, refused without a producer property and opened with one", async () => {
    const hostLines: string[] = [];
    const adminKey = "dev-service-bus-intake-admin-key";
    const host = await startLocalHost({ definitions: serviceBusFunctions(rt), env: process.env, port: 0, enableTimers: false, adminKey, log: (line) => hostLines.push(line) });
    try {
      expect(hostLines.filter((l) => l.includes("not served locally"))).toEqual([expect.stringContaining("erasure-intake (serviceBusQueue %PRIVACY_SERVICE_BUS_QUEUE%)")]);
      const orgId = await newOrg();
      const response = await fetch(`${host.url}/admin/functions/erasure-intake`, {
        method: "POST",
        headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
        body: JSON.stringify({ input: erasureMessage(orgId, { subject: { userId: "u-laptop" } }) }),
      });
      expect(response.status).toBe(202);
      await vi.waitFor(() => {
        expect(hostLines.join("\n")).toMatch(/\[erasure-intake\] warning: erasure message rejected and completed messageId=[0-9a-f-]{36} producer=_unknown requestId=servicebus:_unknown:\S+ kind=erasure outcome=rejected reason=unknown-producer/);
      });
      // The admin API is no way around the producer scopes.
      expect(await requestsOf(orgId)).toHaveLength(0);
      // With the application property a declared producer sets, the same message opens its request.
      const named = await fetch(`${host.url}/admin/functions/erasure-intake`, {
        method: "POST",
        headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
        body: JSON.stringify({ input: erasureMessage(orgId, { subject: { userId: "u-laptop" } }), applicationProperties: { [PRODUCER_PROPERTY]: CRM } }),
      });
      expect(named.status).toBe(202);
      await vi.waitFor(async () => {
        expect(await requestsOf(orgId)).toHaveLength(1);
      });
    } finally {
      await host.stop();
    }
  });
});
