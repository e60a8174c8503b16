import fc from "fast-check";
import { parsePhoneNumberFromString } from "libphonenumber-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorize, type Caller } from "../../src/domain/access.js";
import { hashedId, verifyCertificate, type Certificate } from "../../src/domain/certificate.js";
import type { DataMap } from "../../src/domain/data-map.js";
import { REDACTED } from "../../src/domain/erasure.js";
import { normalizeSubject } from "../../src/domain/identifiers.js";
import type { PrivacyRequestRecord } from "../../src/domain/privacy-request.js";
import { subjectKey } from "../../src/domain/subject-key.js";
import { discover } from "../../src/engine/discovery.js";
import { runErasure } from "../../src/engine/erasure.js";
import type { Logger } from "../../src/engine/ports.js";
import { submitRequest } from "../../src/engine/requests.js";
import { buildDataset, HARD_CASES, type Dataset, type SeedOptions } from "../../src/local/seed.js";
import { expectedDiscovery, type Expected } from "../support/discovery-oracle.js";
import { setupEngine, teardownEngines } from "../support/engine.js";
import type { Runtime } from "../../src/hosting/composition.js";
import { withFaults } from "../support/faults.js";
import { capturedLog } from "../support/log-capture.js";
import { snapshotKey, snapshotPlatform, type PlatformSnapshot } from "../support/platform-snapshot.js";
import { seededNamespace } from "../support/seeded-namespace.js";

// Erasure as properties, on the real emulators: every run seeds a fresh namespace from random
// seed options, erases a random subject named by a random one of its identifiers, and checks the
// result against the in-memory oracle computed from the dataset before erasure. Crashes are
// injected at random store calls (test/support/faults.ts) and the run is redelivered.
// Over 400 lines on purpose: the worlds, the oracle and the crash schedules are shared by every property.

const log: Logger = {
  info: (message, fields) => {
    capturedLog(`[info] erasure-properties: ${message} ${JSON.stringify(fields ?? {})}`);
  },
  warn: (message, fields) => {
    capturedLog(`[warn] erasure-properties: ${message} ${JSON.stringify(fields ?? {})}`);
  },
  error: (message, fields) => {
    capturedLog(`[error] erasure-properties: ${message} ${JSON.stringify(fields ?? {})}`);
  },
};

const desk: Caller = { id: "test", kind: "api-key", role: "privacy-admin", orgs: "*" };

type Options = Omit<SeedOptions, "now">;
type Subject = Record<string, string>;

/** A fresh namespace (platform and privacy databases, assets container), provisioned and seeded. */
interface World {
  readonly rt: Runtime;
  readonly dataset: Dataset;
  dispose(): Promise<void>;
}

const worlds = new Set<World>();

async function world(options: Options, overrides: Record<string, string> = {}): Promise<World> {
  const { rt, dispose } = await seededNamespace("ep", options, overrides);
  const created: World = {
    rt,
    dataset: buildDataset(options),
    async dispose() {
      worlds.delete(created);
      await dispose();
    },
  };
  worlds.add(created);
  return created;
}

beforeAll(async () => {
  // Fills process.env with a complete test environment (emulators, secrets, API keys).
  await setupEngine();
});
afterAll(async () => {
  for (const w of [...worlds]) await w.dispose();
  teardownEngines();
});

// ---------------------------------------------------------------------------------------------
// Subjects

const countryOf = (dataset: Dataset, orgId: string) => dataset.items.organizations.find((o) => o.id === orgId)?.settings.defaultCountry;

interface Person {
  readonly orgId: string;
  readonly ids: Subject;
}

function peopleOf(dataset: Dataset): Person[] {
  return [
    ...dataset.items.contacts.map((c) => ({ orgId: c.orgId, ids: { contactId: c.id, phone: c.phone, ...(c.email === undefined ? {} : { email: c.email }) } })),
    ...dataset.items.users.map((u) => ({ orgId: u.orgId, ids: { userId: u.id, phone: u.phone, email: u.email } })),
  ];
}

/** One of the person's identifiers, as a desk might type it: phones sometimes national or spaced, e-mails upper-cased. */
function identify(person: Person, country: string | undefined, pick: number, form: number): Subject {
  const entries = Object.entries(person.ids);
  const [kind, value] = entries[pick % entries.length] ?? ["contactId", ""];
  if (kind === "email") return { email: value.toUpperCase() };
  if (kind !== "phone") return { [kind]: value };
  const phone = parsePhoneNumberFromString(value);
  if (phone === undefined) return { phone: value };
  // A national number only means this phone where the org's default country is the phone's.
  if (form % 3 === 1 && phone.country === country) return { phone: phone.formatNational() };
  if (form % 3 === 2) return { phone: phone.formatInternational() };
  return { phone: value };
}

function oracle(w: World, orgId: string, subject: Subject): Expected {
  const country = countryOf(w.dataset, orgId);
  return expectedDiscovery(w.rt.dataMap, w.dataset, orgId, normalizeSubject(subject, country) as Subject, country);
}

// ---------------------------------------------------------------------------------------------
// Running an erasure

async function open(rt: Runtime, orgId: string, subject: Subject): Promise<PrivacyRequestRecord> {
  const { request } = await submitRequest(rt, authorize(desk, "request:open"), { type: "erasure", orgId, subject, verification: { method: "attested", by: "privacy-desk" } }, undefined, log);
  expect(request.status).toBe("queued");
  return request;
}

async function requestOf(rt: Runtime, id: string): Promise<PrivacyRequestRecord> {
  const current = await rt.requests.get(id);
  if (current === undefined) throw new Error(`request ${id} is gone`);
  return current.value;
}

/** Delivers the work message until the request leaves in-progress (a continuation is a redelivery). */
async function runUntilDone(rt: Runtime, id: string, attempt = 1): Promise<PrivacyRequestRecord> {
  for (let delivery = 0; delivery < 5; delivery++) {
    await runErasure(rt, id, { attempt }, log);
    const request = await requestOf(rt, id);
    if (request.status !== "in-progress") return request;
  }
  throw new Error(`request ${id} still in progress after 5 deliveries`);
}

async function rediscover(w: World, orgId: string, subject: Subject): Promise<string[]> {
  const country = countryOf(w.dataset, orgId);
  const found: string[] = [];
  const ports = { items: w.rt.platformItems, blobs: w.rt.blobSource, resolve: w.rt.resolve };
  await discover(w.rt.dataMap, orgId, normalizeSubject(subject, country), ports, { pageSize: 50, ...(country === undefined ? {} : { defaultCountry: country }) }, (entry) => {
    found.push(...(entry.ids ?? []).map((id) => `${entry.name}/${id}`), ...(entry.blobs ?? []), ...(entry.rows === undefined ? [] : [`${entry.rows.blob}#${entry.rows.rows.join(",")}`]));
    return Promise.resolve();
  });
  return found.sort();
}

// ---------------------------------------------------------------------------------------------
// What the oracle says must have happened

/** The item with the map's anonymised fields set, as Cosmos patch `set` does (missing fields are added). */
function anonymisedCopy(item: Record<string, unknown>, fields: readonly { path: string; strategy: string }[]): Record<string, unknown> {
  const copy = structuredClone(item);
  for (const field of fields) {
    const segments = field.path.split(".");
    let node: Record<string, unknown> = copy;
    for (const segment of segments.slice(0, -1)) {
      const next = node[segment];
      if (typeof next !== "object" || next === null) node[segment] = {};
      node = node[segment] as Record<string, unknown>;
    }
    node[segments[segments.length - 1] ?? ""] = field.strategy === "redact" ? REDACTED : null;
  }
  return copy;
}

const mappingOf = (map: DataMap, place: string) => {
  const mapping = map.containers.find((m) => m.name === place);
  if (mapping === undefined) throw new Error(`no mapping ${place}`);
  return mapping;
};

/**
 * Everything not the subject's is byte-identical; the subject's items are deleted or anonymised
 * as the map says (or untouched in a held place); the subject's blobs are gone with their
 * snapshots; nothing new appeared.
 */
function expectErased(map: DataMap, before: PlatformSnapshot, after: PlatformSnapshot, orgId: string, expected: Expected, held: ReadonlySet<string> = new Set()) {
  const subjectItems = new Map<string, string>();
  for (const [place, ids] of Object.entries(expected.items)) for (const id of ids) subjectItems.set(snapshotKey(mappingOf(map, place).container, orgId, id), place);
  for (const [k, value] of before.items) {
    const place = subjectItems.get(k);
    if (place === undefined || held.has(place)) {
      expect(after.items.get(k), `${k} must be untouched`).toBe(value);
      continue;
    }
    const erasure = mappingOf(map, place).erasure;
    if (erasure.action === "delete") expect(after.items.has(k), `${k} must be deleted`).toBe(false);
    else if (erasure.action === "keep") expect(after.items.get(k), `${k} is kept`).toBe(value);
    else {
      const stored = after.items.get(k);
      expect(stored, `${k} must stay, anonymised`).toBeDefined();
      expect(JSON.parse(stored ?? "{}"), `${k} anonymised`).toEqual(anonymisedCopy(JSON.parse(value) as Record<string, unknown>, erasure.fields));
    }
  }
  expect([...after.items.keys()].filter((k) => !before.items.has(k)), "no item appears").toEqual([]);

  const subjectBlobs = new Set(Object.entries(expected.blobs).filter(([place]) => !held.has(place)).flatMap(([, names]) => names));
  const rewritten = new Set(Object.entries(expected.csvRows).filter(([place]) => !held.has(place)).flatMap(([, files]) => files.map((f) => f.blob)));
  for (const [name, digest] of before.blobs) {
    const [base = name, snapshot] = name.split("@");
    if (subjectBlobs.has(base)) expect(after.blobs.has(name), `${name} must be gone`).toBe(false);
    else if (rewritten.has(base) && snapshot !== undefined) expect(after.blobs.has(name), `${name} (a snapshot with the subject's rows) must be gone`).toBe(false);
    else if (!rewritten.has(base)) expect(after.blobs.get(name), `${name} must be byte-identical`).toBe(digest);
  }
  for (const name of subjectBlobs) expect([...after.blobs.keys()].filter((b) => (b.split("@")[0] ?? b) === name), name).toEqual([]);
  expect([...after.blobs.keys()].filter((k) => !before.blobs.has(k)), "no blob appears").toEqual([]);
}

/** The rewritten contact-import CSVs hold every original line byte for byte, except the subject's rows. */
async function expectCsvRowsRemoved(w: World, expected: Expected) {
  const container = w.rt.clients.blobs.getContainerClient(w.rt.settings.PRIVACY_ASSETS_CONTAINER);
  for (const files of Object.values(expected.csvRows)) {
    for (const { blob, rows } of files) {
      const original = w.dataset.blobs.find((b) => b.name === blob)?.content.toString("utf8") ?? "";
      const lines = original.split("\r\n");
      const removed = new Set(rows);
      const kept = lines.filter((_line, index) => index === 0 || !removed.has(index));
      const now = (await container.getBlobClient(blob).downloadToBuffer()).toString("utf8");
      expect(now, blob).toBe(kept.join("\r\n"));
      expect(lines.length - kept.length, blob).toBe(rows.length);
    }
  }
}

interface PlaceCounts {
  deleted: number;
  anonymised: number;
  kept: number;
  hashedIds: string[];
}

/** What the certificate must say per place: counts by the map's action, and the keyed hashes of what was handled. */
function expectedPlaces(map: DataMap, expected: Expected, certificateKey: string, held: ReadonlySet<string> = new Set()): Record<string, PlaceCounts> {
  const places: Record<string, PlaceCounts> = {};
  const put = (place: string, action: "delete" | "anonymise" | "keep", handled: readonly string[]) => {
    const n = handled.length;
    places[place] = {
      deleted: action === "delete" ? n : 0,
      anonymised: action === "anonymise" ? n : 0,
      kept: action === "keep" ? n : 0,
      hashedIds: handled.map((id) => hashedId(certificateKey, place, id)).sort(),
    };
  };
  for (const [place, ids] of Object.entries(expected.items)) put(place, held.has(place) ? "keep" : mappingOf(map, place).erasure.action, ids);
  for (const [place, names] of Object.entries(expected.blobs)) put(place, held.has(place) ? "keep" : "delete", names);
  for (const [place, files] of Object.entries(expected.csvRows)) put(place, "delete", files.flatMap((f) => f.rows.map((r) => `${f.blob}#${r}`)));
  return places;
}

function placesOf(certificate: Certificate): Record<string, PlaceCounts> {
  return Object.fromEntries(
    Object.entries(certificate.places).map(([place, p]) => [place, { deleted: p.deleted, anonymised: p.anonymised, kept: p.kept, hashedIds: [...(p.hashedIds ?? [])].sort() }]),
  );
}

/** A finished job is done and holds none of the subject's keys any more. */
async function expectJobClosed(rt: Runtime, requestId: string, label = "job") {
  const job = (await rt.jobs.get(requestId))?.value;
  expect(job?.step, label).toBe("done");
  expect(job?.keys, label).toEqual({});
}

function certificateOf(request: PrivacyRequestRecord): Certificate {
  expect(request.status).toBe("completed");
  const certificate = request.certificate;
  if (certificate === undefined) throw new Error("completed erasure without a certificate");
  return certificate;
}

// ---------------------------------------------------------------------------------------------
// Generators

const seedOptions: fc.Arbitrary<Options> = fc
  .record({
    orgs: fc.integer({ min: 2, max: 3 }),
    contactsPerOrg: fc.integer({ min: 7, max: 10 }),
    usersPerOrg: fc.integer({ min: 1, max: 3 }),
    messagesPerContact: fc.integer({ min: 1, max: 4 }),
    ordersPerContact: fc.integer({ min: 1, max: 2 }),
    mediaPerContact: fc.integer({ min: 1, max: 2 }),
    campaigns: fc.integer({ min: 1, max: 2 }),
    kbDocsPerOrg: fc.integer({ min: 1, max: 2 }),
    importsPerOrg: fc.integer({ min: 1, max: 2 }),
    seed: fc.integer({ min: 0, max: 0xffffffff }),
  })
  .map((o) => ({ ...o, mediaPerContact: Math.min(o.mediaPerContact, o.messagesPerContact) }));

const choice = fc.record({ person: fc.nat(), identifier: fc.nat(), form: fc.nat() });

function pickSubject(dataset: Dataset, pick: { person: number; identifier: number; form: number }): { orgId: string; subject: Subject; person: Person } {
  const people = peopleOf(dataset);
  const person = people[pick.person % people.length];
  if (person === undefined) throw new Error("no people");
  return { orgId: person.orgId, subject: identify(person, countryOf(dataset, person.orgId), pick.identifier, pick.form), person };
}

/** The run's fast-check seed, printed so a failure can be replayed with `{ seed }`. */
const FC_SEED = Number(process.env.ERASURE_PROPERTIES_SEED ?? Date.now() % 0x7fffffff);

// ---------------------------------------------------------------------------------------------

describe("erasure properties on the emulators", () => {
  it("erases exactly the subject's data: precision and recall against the oracle, verified certificate (property)", async () => {
    console.log(`[erasure-properties] fast-check seed ${String(FC_SEED)}`);
    await fc.assert(
      fc.asyncProperty(seedOptions, choice, fc.nat(), async (options, pick, snapshotPick) => {
        const w = await world(options);
        try {
          const { orgId, subject } = pickSubject(w.dataset, pick);
          const expected = oracle(w, orgId, subject);
          const container = w.rt.clients.blobs.getContainerClient(w.rt.settings.PRIVACY_ASSETS_CONTAINER);
          // A snapshot of one of the subject's files, when it has any: it must go with its blob.
          const files = Object.values(expected.blobs).flat();
          const snapshotted = files[snapshotPick % Math.max(files.length, 1)];
          if (snapshotted !== undefined) await container.getBlobClient(snapshotted).createSnapshot();

          const before = await snapshotPlatform(w.rt);
          const request = await open(w.rt, orgId, subject);
          const done = await runUntilDone(w.rt, request.id);
          const after = await snapshotPlatform(w.rt);

          expectErased(w.rt.dataMap, before, after, orgId, expected);
          await expectCsvRowsRemoved(w, expected);
          expect(await rediscover(w, orgId, subject)).toEqual([]);

          const certificate = certificateOf(done);
          expect(verifyCertificate(w.rt.settings.PRIVACY_CERTIFICATE_KEY, certificate)).toBe(true);
          expect(certificate.outcome).toBe("erased");
          expect(certificate.exceptions).toEqual([]);
          expect(certificate.verification.remaining).toBe(0);
          expect(certificate.subjectKey).toBe(request.subjectKey);
          expect(placesOf(certificate)).toEqual(expectedPlaces(w.rt.dataMap, expected, w.rt.settings.PRIVACY_CERTIFICATE_KEY));
          await expectJobClosed(w.rt, request.id);
          // The certificate names no one.
          const text = JSON.stringify(certificate);
          for (const value of Object.values(subject)) expect(text.toLowerCase()).not.toContain(value.toLowerCase());
        } finally {
          await w.dispose();
        }
      }),
      { numRuns: 7, seed: FC_SEED, endOnFailure: true },
    );
  }, 120_000);

  describe("crash and resume", () => {
    // A rich subject: two contacts of one person, orders in reformatted phones, CSV rows, media.
    const options: Options = { orgs: 2, contactsPerOrg: 8, usersPerOrg: 2, messagesPerContact: 3, ordersPerContact: 2, mediaPerContact: 2, campaigns: 2, kbDocsPerOrg: 1, importsPerOrg: 2, seed: FC_SEED >>> 0 };
    const orgId = HARD_CASES.duplicateContact.orgId;
    const subject = { phone: HARD_CASES.duplicateContact.phone };
    // Small pages: more manifest pages, more checkpoints to crash between.
    const overrides = { PRIVACY_DISCOVERY_PAGE_SIZE: "10" };

    let clean: { after: PlatformSnapshot; certificate: Certificate; trace: readonly string[] } | undefined;

    beforeAll(async () => {
      const w = await world(options, overrides);
      try {
        const counting = withFaults(w.rt, { failAt: "never" });
        const request = await open(w.rt, orgId, subject);
        await runErasure(counting.rt, request.id, { attempt: 1 }, log);
        const done = await requestOf(w.rt, request.id);
        clean = { after: await snapshotPlatform(w.rt), certificate: certificateOf(done), trace: [...counting.trace] };
        console.log(`[erasure-properties] a clean erasure makes ${String(counting.calls)} store calls: ${summarise(counting.trace, counting.durations)}`);
      } finally {
        await w.dispose();
      }
    }, 60_000);

    function crashPoints(trace: readonly string[]): { k: number; mode: "before" | "after"; label: string }[] {
      const isErase = (m: string) => m.startsWith("itemEraser.") || m.startsWith("blobEraser.");
      const firstErase = trace.findIndex(isErase) + 1;
      const lastErase = trace.length - [...trace].reverse().findIndex(isErase);
      const verifyCalls = trace.map((m, i) => ({ m, k: i + 1 })).filter(({ m, k }) => k > lastErase && m === "platformItems.queryPage");
      const verifying = verifyCalls[Math.floor(verifyCalls.length / 2)]?.k ?? lastErase + 2;
      const [random] = fc.sample(fc.integer({ min: 2, max: trace.length }), { numRuns: 1, seed: FC_SEED });
      return [
        { k: 1, mode: "before", label: "the very first store call" },
        { k: firstErase, mode: "before", label: "the first erase call, before it lands" },
        { k: firstErase, mode: "after", label: "the first erase call, after it landed" },
        { k: verifying, mode: "before", label: "during verification" },
        { k: random ?? 2, mode: FC_SEED % 2 === 0 ? "before" : "after", label: "a random call" },
      ];
    }

    it("finishes on redelivery after a crash at any step, with the platform and certificate of a clean run", async () => {
      if (clean === undefined) throw new Error("no clean run");
      const reference = clean;
      // The certificate is stored right after the checkpoint that follows verification's last read.
      const isRead = (m: string) => m.startsWith("platformItems.") || m.startsWith("blobSource.");
      const certifyCheckpoint = reference.trace.length - [...reference.trace].reverse().findIndex(isRead) + 1;
      expect(reference.trace[certifyCheckpoint - 1]).toBe("jobs.replace");
      for (const point of crashPoints(reference.trace)) {
        const label = `crash at call ${String(point.k)}/${String(reference.trace.length)} (${reference.trace[point.k - 1] ?? "?"}, ${point.mode}): ${point.label}`;
        console.log(`[erasure-properties] ${label}`);
        const w = await world(options, overrides);
        try {
          const faulty = withFaults(w.rt, { failAt: point.k, mode: point.mode });
          const request = await open(w.rt, orgId, subject);
          await expect(runErasure(faulty.rt, request.id, { attempt: 1 }, log), label).rejects.toMatchObject({ code: "unavailable", reason: "injected-fault" });
          await faulty.settled();
          expect(faulty.tripped, label).toBe(true);
          // Only a crash after the certificate was stored leaves a completed request behind.
          expect((await requestOf(w.rt, request.id)).status, label).toBe(point.k > certifyCheckpoint ? "completed" : "in-progress");

          const done = await runUntilDone(w.rt, request.id, 2);
          const after = await snapshotPlatform(w.rt);
          expect([...after.items.keys()].sort(), label).toEqual([...reference.after.items.keys()].sort());
          for (const [k, value] of reference.after.items) expect(after.items.get(k), `${label}: ${k}`).toBe(value);
          expect(Object.fromEntries(after.blobs), label).toEqual(Object.fromEntries(reference.after.blobs));
          expect(await rediscover(w, orgId, subject), label).toEqual([]);

          const certificate = certificateOf(done);
          expect(verifyCertificate(w.rt.settings.PRIVACY_CERTIFICATE_KEY, certificate), label).toBe(true);
          expect(certificate.outcome, label).toBe(reference.certificate.outcome);
          expect(certificate.exceptions, label).toEqual(reference.certificate.exceptions);
          expect(certificate.verification.remaining, label).toBe(0);
          expect(certificate.places, label).toEqual(reference.certificate.places);
          await expectJobClosed(w.rt, request.id, label);
        } finally {
          await w.dispose();
        }
      }
    }, 90_000);

    it("drops the subject's keys from the job even when the process dies right after certifying", async () => {
      if (clean === undefined) throw new Error("no clean run");
      const last = clean.trace.length;
      expect(clean.trace[last - 1]).toBe("jobs.replace");
      const w = await world(options, overrides);
      try {
        const faulty = withFaults(w.rt, { failAt: last, mode: "before" });
        const request = await open(w.rt, orgId, subject);
        await expect(runErasure(faulty.rt, request.id, { attempt: 1 }, log)).rejects.toMatchObject({ reason: "injected-fault" });
        await runUntilDone(w.rt, request.id, 2);
        await expectJobClosed(w.rt, request.id);
      } finally {
        await w.dispose();
      }
    }, 30_000);
  });

  describe("legal holds", () => {
    const options: Options = { orgs: 2, contactsPerOrg: 8, usersPerOrg: 2, messagesPerContact: 2, ordersPerContact: 2, mediaPerContact: 1, campaigns: 1, kbDocsPerOrg: 1, importsPerOrg: 1, seed: (FC_SEED + 1) >>> 0 };
    // A generated contact of the demo org (the hard cases start at 1..7): ordinary, with orders.
    const pickContact = (dataset: Dataset) => {
      const contact = dataset.items.contacts.find((c) => c.id === "contact-demo-0008");
      if (contact === undefined) throw new Error("no contact-demo-0008");
      return contact;
    };

    it("keeps the held orders byte-identical, erases the rest, and says so in the certificate", async () => {
      const w = await world(options);
      try {
        const contact = pickContact(w.dataset);
        const subject = { phone: contact.phone };
        const expected = oracle(w, contact.orgId, subject);
        expect(expected.items.orders?.length).toBe(2);
        const request = await open(w.rt, contact.orgId, subject);
        await w.rt.legalHolds.put({ id: "hold-tax", orgId: contact.orgId, subjectKeys: [request.subjectKey], category: "sales", reason: "tax audit 2026" });
        // Holds on someone else, or on everyone but expired, change nothing for this subject.
        await w.rt.legalHolds.put({ id: "hold-other", orgId: contact.orgId, subjectKeys: ["sk_someone-else"], category: "chat-log", reason: "litigation" });
        await w.rt.legalHolds.put({ id: "hold-expired", orgId: contact.orgId, category: "contact-list", reason: "old dispute", until: "2000-01-01" });
        const before = await snapshotPlatform(w.rt);
        const done = await runUntilDone(w.rt, request.id);
        const after = await snapshotPlatform(w.rt);

        const held = new Set(["orders"]);
        expectErased(w.rt.dataMap, before, after, contact.orgId, expected, held);
        await expectCsvRowsRemoved(w, expected);
        // What is left is exactly the held orders.
        expect(await rediscover(w, contact.orgId, subject)).toEqual((expected.items.orders ?? []).map((id) => `orders/${id}`).sort());

        const certificate = certificateOf(done);
        expect(verifyCertificate(w.rt.settings.PRIVACY_CERTIFICATE_KEY, certificate)).toBe(true);
        expect(certificate.outcome).toBe("partially-erased");
        expect(certificate.exceptions).toEqual([{ place: "orders", count: 2, reason: "legal hold: tax audit 2026" }]);
        expect(certificate.verification.remaining).toBe(0);
        expect(placesOf(certificate)).toEqual(expectedPlaces(w.rt.dataMap, expected, w.rt.settings.PRIVACY_CERTIFICATE_KEY, held));
        expect(done.resolution?.reason).toBe("partially-erased");
      } finally {
        await w.dispose();
      }
    }, 30_000);

    it("holds through a key of another identifier the executor discovered", async () => {
      const w = await world(options);
      try {
        const contact = pickContact(w.dataset);
        const subject = { phone: contact.phone };
        const expected = oracle(w, contact.orgId, subject);
        const request = await open(w.rt, contact.orgId, subject);
        // The hold names the contact id; the request names the phone.
        const byContactId = subjectKey(w.rt.settings.PRIVACY_SUBJECT_KEY_SECRET, contact.orgId, "contactId", contact.id);
        expect(byContactId).not.toBe(request.subjectKey);
        await w.rt.legalHolds.put({ id: "hold-tax", orgId: contact.orgId, subjectKeys: [byContactId], category: "sales", reason: "tax audit 2026" });
        const before = await snapshotPlatform(w.rt);
        const done = await runUntilDone(w.rt, request.id);
        const after = await snapshotPlatform(w.rt);
        expectErased(w.rt.dataMap, before, after, contact.orgId, expected, new Set(["orders"]));
        expect(certificateOf(done).outcome).toBe("partially-erased");
      } finally {
        await w.dispose();
      }
    }, 30_000);

    it("ignores a hold whose until lies in the past", async () => {
      const w = await world(options);
      try {
        const contact = pickContact(w.dataset);
        const subject = { phone: contact.phone };
        const expected = oracle(w, contact.orgId, subject);
        const request = await open(w.rt, contact.orgId, subject);
        await w.rt.legalHolds.put({ id: "hold-tax", orgId: contact.orgId, subjectKeys: [request.subjectKey], category: "sales", reason: "tax audit 2026", until: "2000-01-01" });
        const before = await snapshotPlatform(w.rt);
        const done = await runUntilDone(w.rt, request.id);
        const after = await snapshotPlatform(w.rt);
        expectErased(w.rt.dataMap, before, after, contact.orgId, expected);
        expect(await rediscover(w, contact.orgId, subject)).toEqual([]);
        const certificate = certificateOf(done);
        expect(certificate.outcome).toBe("erased");
        expect(certificate.exceptions).toEqual([]);
        expect(certificate.places.orders?.anonymised).toBe(2);
      } finally {
        await w.dispose();
      }
    }, 30_000);
  });

  describe("poison", () => {
    const options: Options = { orgs: 2, contactsPerOrg: 7, usersPerOrg: 1, messagesPerContact: 1, ordersPerContact: 1, mediaPerContact: 1, campaigns: 1, kbDocsPerOrg: 1, importsPerOrg: 1, seed: 7 };

    async function alertsOf(rt: Runtime, requestId: string): Promise<{ type: string; data?: { step?: string } }[]> {
      const { resources } = await rt.clients.cosmos
        .database(rt.settings.PRIVACY_DATABASE)
        .container("outbox")
        .items.query<{ type: string; data?: { step?: string } }>({ query: "SELECT * FROM c WHERE c.requestId = @id AND c.type = 'alert'", parameters: [{ name: "@id", value: requestId }] })
        .fetchAll();
      return resources;
    }

    for (const [label, ports, step] of [
      ["every store call fails", undefined, "discovery"],
      ["every erase call fails", ["itemEraser", "blobEraser"] as const, "erase"],
    ] as const) {
      it(`fails the request on the last attempt with the step, and alerts: ${label}`, async () => {
        const w = await world(options);
        try {
          const broken = withFaults(w.rt, { failAt: "always", ...(ports === undefined ? {} : { ports }) });
          const request = await open(w.rt, HARD_CASES.duplicateContact.orgId, { phone: HARD_CASES.duplicateContact.phone });
          const max = w.rt.settings.PRIVACY_MAX_ATTEMPTS;
          expect(max).toBe(5);
          for (let attempt = 1; attempt < max; attempt++) {
            await expect(runErasure(broken.rt, request.id, { attempt }, log)).rejects.toMatchObject({ code: "unavailable" });
            await broken.settled();
            const current = await requestOf(w.rt, request.id);
            expect(current.status, `after attempt ${String(attempt)}`).toBe("in-progress");
            expect(current.failure).toBeUndefined();
          }
          expect(await alertsOf(w.rt, request.id)).toEqual([]);
          await expect(runErasure(broken.rt, request.id, { attempt: max }, log)).rejects.toMatchObject({ code: "unavailable" });
          const failed = await requestOf(w.rt, request.id);
          expect(failed.status).toBe("failed");
          expect(failed.failure?.step).toBe(step);
          expect(failed.failure?.attempts).toBe(max);
          expect(failed.failure?.reason).toContain("unavailable");
          expect(failed.certificate).toBeUndefined();
          const alerts = await alertsOf(w.rt, request.id);
          expect(alerts).toHaveLength(1);
          expect(alerts[0]?.data?.step).toBe(step);
          // With the job store up, the failed request's job lets go of the subject's keys.
          if (ports !== undefined) await expectJobClosed(w.rt, request.id);
        } finally {
          await w.dispose();
        }
      }, 30_000);
    }
  });

  it("deletes a subject's blob with its snapshots, drops the snapshots of a rewritten CSV, and leaves other snapshots", async () => {
    const options: Options = { orgs: 2, contactsPerOrg: 7, usersPerOrg: 1, messagesPerContact: 2, ordersPerContact: 1, mediaPerContact: 2, campaigns: 1, kbDocsPerOrg: 1, importsPerOrg: 1, seed: 11 };
    const w = await world(options);
    try {
      const orgId = HARD_CASES.importWithSubject.orgId;
      const subject = { contactId: HARD_CASES.importWithSubject.subjectContactId };
      const expected = oracle(w, orgId, subject);
      const media = expected.blobs["chat-media"] ?? [];
      expect(media.length).toBeGreaterThan(0);
      const csv = HARD_CASES.importWithSubject.blobPath;
      expect(expected.csvRows["contact-imports"]?.map((r) => r.blob)).toContain(csv);
      const other = w.dataset.blobs.find((b) => b.name.startsWith(`${orgId}/chat-media/contact-demo-0005/`))?.name;
      if (other === undefined) throw new Error("no other media");

      const container = w.rt.clients.blobs.getContainerClient(w.rt.settings.PRIVACY_ASSETS_CONTAINER);
      const listing = async (name: string) => {
        const found: string[] = [];
        for await (const blob of container.listBlobsFlat({ prefix: name, includeSnapshots: true })) {
          // A base blob has no snapshot time (empty, or undefined despite the SDK's type).
          if (blob.name === name) found.push(blob.snapshot || "base");
        }
        return found.sort();
      };
      const mediaSnapshot = (await container.getBlobClient(media[0] ?? "").createSnapshot()).snapshot ?? "";
      const csvSnapshot = (await container.getBlobClient(csv).createSnapshot()).snapshot ?? "";
      const otherSnapshot = (await container.getBlobClient(other).createSnapshot()).snapshot ?? "";
      expect(await listing(media[0] ?? "")).toEqual(["base", mediaSnapshot].sort());

      const request = await open(w.rt, orgId, subject);
      expect((await runUntilDone(w.rt, request.id)).status).toBe("completed");

      for (const name of media) expect(await listing(name), name).toEqual([]);
      expect(await listing(csv)).toEqual(["base"]);
      expect(csvSnapshot).not.toBe("");
      expect(await listing(other)).toEqual(["base", otherSnapshot].sort());
      const original = w.dataset.blobs.find((b) => b.name === other)?.content;
      expect(await container.getBlobClient(other).withSnapshot(otherSnapshot).downloadToBuffer()).toEqual(original);
      await expectCsvRowsRemoved(w, expected);
    } finally {
      await w.dispose();
    }
  }, 30_000);
});

/** `port.method ×n (ms)` in first-call order, for the report. */
function summarise(trace: readonly string[], durations: readonly number[]): string {
  const counts = new Map<string, { n: number; ms: number }>();
  trace.forEach((method, i) => {
    const c = counts.get(method) ?? { n: 0, ms: 0 };
    counts.set(method, { n: c.n + 1, ms: c.ms + (durations[i] ?? 0) });
  });
  return [...counts].map(([m, c]) => `${m} ×${String(c.n)} (${String(Math.round(c.ms))} ms)`).join(", ");
}
