import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyCertificate, type Certificate } from "../../src/domain/certificate.js";
import { normalizeSubject } from "../../src/domain/identifiers.js";
import { discover } from "../../src/engine/discovery.js";
import { runErasure } from "../../src/engine/erasure.js";
import { buildDataset, HARD_CASES, type Dataset } from "../../src/local/seed.js";
import { expectedDiscovery } from "../support/discovery-oracle.js";
import { call, invocationContext, seedDemo, setupEngine, teardownEngines, type TestEngine } from "../support/engine.js";
import { expectOnlySubjectErased } from "../support/erasure-check.js";
import { snapshotPlatform } from "../support/platform-snapshot.js";

interface View {
  id: string;
  status: string;
  resolution?: { reason?: string; detail?: string };
  certificate?: Certificate;
}

let rt: TestEngine;
let dataset: Dataset;
const countryOf = (orgId: string) => dataset.items.organizations.find((o) => o.id === orgId)?.settings.defaultCountry;

beforeAll(async () => {
  rt = await setupEngine();
  dataset = buildDataset();
  await seedDemo(rt);
});
afterAll(() => {
  teardownEngines();
});

async function erase(orgId: string, subject: Record<string, string>, type = "erasure"): Promise<View> {
  const opened = await call(rt.fn.submitRequestHandler, { path: "/api/requests", body: { type, orgId, subject, verification: { method: "attested", by: "desk" } } });
  expect(opened.status).toBe(201);
  const id = (opened.body as View).id;
  await rt.fn.workQueueHandler({ requestId: id }, invocationContext("work-queue", { dequeueCount: 1 }));
  return (await call(rt.fn.getRequestHandler, { path: "/x", params: { id } })).body as View;
}

async function rediscover(orgId: string, subject: Record<string, string>): Promise<string[]> {
  const found: string[] = [];
  await discover(rt.dataMap, orgId, normalizeSubject(subject, countryOf(orgId)), { items: rt.platformItems, blobs: rt.blobSource, resolve: rt.resolve }, { pageSize: 50, defaultCountry: countryOf(orgId) }, (e) => {
    found.push(...(e.ids ?? []), ...(e.blobs ?? []), ...(e.rows === undefined ? [] : [`${e.rows.blob}#${e.rows.rows.join(",")}`]));
    return Promise.resolve();
  });
  return found;
}

describe("erasure", () => {
  it("erases every trace of a subject and nothing else, with a verifying certificate", async () => {
    const mila = HARD_CASES.duplicateContact;
    const subject = { phone: mila.phone };
    const expected = expectedDiscovery(rt.dataMap, dataset, mila.orgId, normalizeSubject(subject, "DE") as Record<string, string>, "DE");
    const before = await snapshotPlatform(rt);
    const view = await erase(mila.orgId, subject);
    expect(view.status).toBe("completed");
    // The request itself no longer holds her identifiers.
    expect(JSON.stringify(await rt.requests.get(view.id))).not.toContain(mila.phone);
    const after = await snapshotPlatform(rt);
    expectOnlySubjectErased(rt, before, after, mila.orgId, expected);

    // The import CSV lost her rows, and only hers.
    const importPath = HARD_CASES.importWithSubject.blobPath;
    const original = dataset.blobs.find((b) => b.name === importPath)?.content.toString("utf8") ?? "";
    const now = (await rt.clients.blobs.getContainerClient(rt.settings.PRIVACY_ASSETS_CONTAINER).getBlobClient(importPath).downloadToBuffer()).toString("utf8");
    const beforeRows = parse<Record<string, string>>(original, { columns: true });
    const afterRows = parse<Record<string, string>>(now, { columns: true });
    expect(afterRows).toEqual(beforeRows.filter((r) => r.phone !== mila.phone && r.email !== mila.email));
    expect(original.split("\r\n").filter((line) => now.includes(line)).length).toBe(original.split("\r\n").length - (beforeRows.length - afterRows.length));

    // Discovery finds nothing left; the certificate verifies and names no one.
    expect(await rediscover(mila.orgId, subject)).toEqual([]);
    const fetched = await call(rt.fn.certificateHandler, { path: "/x", params: { id: view.id } });
    expect(fetched.status).toBe(200);
    const certificate = fetched.body as Certificate;
    const checked = await call(rt.fn.verifyCertificateHandler, { path: "/api/certificates/verify", body: certificate, key: "auditor" });
    expect(checked.body).toEqual({ valid: true });
    const forged = await call(rt.fn.verifyCertificateHandler, { path: "/api/certificates/verify", body: { ...certificate, outcome: "erased", finishedAt: "2020-01-01T00:00:00Z" }, key: "auditor" });
    expect(forged.body).toEqual({ valid: false });
    expect(certificate.outcome).toBe("erased");
    expect(certificate.verification.remaining).toBe(0);
    expect(verifyCertificate(rt.settings.PRIVACY_CERTIFICATE_KEY, certificate)).toBe(true);
    expect(verifyCertificate(rt.settings.PRIVACY_CERTIFICATE_KEY, { ...certificate, places: { ...certificate.places, contacts: { ...certificate.places.contacts, deleted: 0 } } as Certificate["places"] })).toBe(false);
    expect(certificate.places.contacts?.deleted).toBe(2);
    expect(certificate.places.orders?.anonymised).toBeGreaterThan(0);
    const text = JSON.stringify(certificate);
    for (const value of [mila.phone, mila.email, mila.name, ...mila.contactIds]) expect(text).not.toContain(value);
  });

  it("deletes the subject's earlier access packages and voids their links", async () => {
    const person = dataset.items.contacts.find((c) => c.orgId === "org-demo" && c.id === "contact-demo-0009");
    if (person === undefined) throw new Error("seed changed");
    const access = await erase("org-demo", { contactId: person.id }, "access");
    const handed = await call(rt.fn.packageLinkHandler, { path: "/x", params: { id: access.id } });
    expect(handed.status).toBe(200);
    const link = (handed.body as { url: string }).url;
    expect((await fetch(link)).status).toBe(200);
    const erased = await erase("org-demo", { phone: person.phone });
    expect(erased.status).toBe("completed");
    expect((await fetch(link)).status).toBe(404);
    const after = (await call(rt.fn.getRequestHandler, { path: "/x", params: { id: access.id } })).body as { delivery?: { url?: string; deletedAt?: string } };
    expect(after.delivery?.deletedAt).toBeDefined();
    expect(after.delivery?.url).toBeUndefined();
    // No new link for a package the erasure took.
    expect((await call(rt.fn.packageLinkHandler, { path: "/x", params: { id: access.id } })).status).toBe(409);
    const certificate = (await call(rt.fn.certificateHandler, { path: "/x", params: { id: erased.id } })).body as Certificate;
    expect(certificate.places.exports?.deleted).toBe(1);
  });

  it("survives two copies of its message running at once", async () => {
    const person = dataset.items.contacts.find((c) => c.orgId === "org-demo" && c.id === "contact-demo-0012");
    if (person === undefined) throw new Error("seed changed");
    const subject = { contactId: person.id };
    const expected = expectedDiscovery(rt.dataMap, dataset, "org-demo", subject, "DE");
    const before = await snapshotPlatform(rt);
    const opened = await call(rt.fn.submitRequestHandler, { path: "/api/requests", body: { type: "erasure", orgId: "org-demo", subject, verification: { method: "attested", by: "desk" } } });
    const id = (opened.body as View).id;
    const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
    // Both copies run together; a copy that loses its claim stops, a redelivery finishes what is left.
    await Promise.allSettled([runErasure(rt, id, { attempt: 1 }, log), runErasure(rt, id, { attempt: 1 }, log)]);
    for (let attempt = 2; attempt <= 3; attempt += 1) await runErasure(rt, id, { attempt }, log).catch(() => undefined);
    const view = (await call(rt.fn.getRequestHandler, { path: "/x", params: { id } })).body as View;
    expect(view.status).toBe("completed");
    expectOnlySubjectErased(rt, before, await snapshotPlatform(rt), "org-demo", expected);
    expect(await rediscover("org-demo", subject)).toEqual([]);
    const certificate = (await call(rt.fn.certificateHandler, { path: "/x", params: { id } })).body as Certificate;
    expect(certificate.verification.remaining).toBe(0);
    expect(certificate.places.contacts?.deleted).toBe(1);
  });

  it("runs twice safely: a redelivered message changes nothing", async () => {
    const jonas = HARD_CASES.crossOrgPhone.contacts[1];
    const view = await erase(jonas.orgId, { contactId: jonas.contactId });
    expect(view.status).toBe("completed");
    const before = await snapshotPlatform(rt);
    await rt.fn.workQueueHandler({ requestId: view.id }, invocationContext("work-queue", { dequeueCount: 2 }));
    const after = await snapshotPlatform(rt);
    expect(after).toEqual(before);
  });
});
