// Global setup of the browser tests (vitest.browser.config.ts): the whole stack `npm start` runs,
// on free ports and a fresh namespace. Embedded emulators; the stores provisioned and seeded with
// the demo data; deps from the composition root; every function (the console included) served by
// the local host, with queue polling on (so work completes) and timers off. Callers: the
// development key (privacy-admin, every org), an admin key and an auditor key, each random per
// run. A few requests are opened so the queue has rows. Test files read all of it through
// `inject("browserStack")`; the host's log lines go to test/browser/results/host.log.

import { createHash, randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { allFunctions } from "../../../functions/all.js";
import { parseSettings, withSettingDefaults } from "../../../src/config/settings.js";
import { createRuntime, disposeRuntime } from "../../../src/hosting/composition.js";
import { freePort, startEmbeddedEmulators } from "../../../src/local/emulators.js";
import { startLocalHost } from "../../../src/local/host.js";
import { HARD_CASES, seedPlatform } from "../../../src/local/seed.js";
import { provision } from "../../../src/stores/provision.js";

export const RESULTS_DIR = join(import.meta.dirname, "..", "results");
export const CONSOLE_DIST = join(import.meta.dirname, "..", "..", "..", "dist", "console");

/** The seeded subjects the tests act on (demo data, see src/local/seed/hard-cases.ts). */
export const SUBJECTS = {
  /** Access by the UI: the duplicated contact, found by phone. */
  access: { orgId: HARD_CASES.duplicateContact.orgId, phone: HARD_CASES.duplicateContact.phone },
  /** Erasure by the UI: the contact whose name needs CSV quoting, by email. */
  erasure: { orgId: HARD_CASES.importWithSubject.orgId, email: HARD_CASES.importWithSubject.quotedContact.email },
} as const;

export interface BrowserStack {
  /** `http://127.0.0.1:PORT` of the local host. */
  url: string;
  /** `${url}/console/`. */
  consoleUrl: string;
  keys: { dev: string; admin: string; auditor: string };
  /** The demo org, the one every key acts on. */
  orgId: string;
  /** Requests opened by the setup: an objection (completes) and an access awaiting its code. */
  openedIds: string[];
}

declare module "vitest" {
  export interface ProvidedContext {
    browserStack: BrowserStack;
  }
}

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");
const key = (label: string) => `browser-${label}-${randomBytes(12).toString("base64url")}`;

async function openRequest(url: string, apiKey: string, body: object): Promise<string> {
  const response = await fetch(`${url}/api/requests`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", "idempotency-key": randomBytes(8).toString("hex") },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`opening a request for the queue failed: ${response.status} ${text}`);
  return (JSON.parse(text) as { id: string }).id;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  if (!existsSync(join(CONSOLE_DIST, "index.html"))) {
    throw new Error(`${CONSOLE_DIST}/index.html is missing: run \`npm run build\` before the browser tests (npm run test:browser does)`);
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  const hostLog = createWriteStream(join(RESULTS_DIR, "host.log"), { flags: "w" });
  const log = (line: string) => hostLog.write(`${new Date().toISOString()} ${line}\n`);

  const ports = { cosmos: await freePort(), blob: await freePort(), queue: await freePort(), table: await freePort() };
  const emulators = await startEmbeddedEmulators(ports, { log });
  const stops: (() => Promise<void>)[] = [() => emulators.stop()];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch((error: unknown) => log(`stop failed: ${String(error)}`));
    await new Promise<void>((resolve) => hostLog.end(resolve));
  };

  try {
    const keys = { dev: key("dev"), admin: key("admin"), auditor: key("auditor") };
    const ns = randomBytes(5).toString("hex");
    const orgId = SUBJECTS.access.orgId;
    const env = {
      ...process.env,
      COSMOS_ENDPOINT: emulators.cosmosEndpoint,
      COSMOS_KEY: emulators.cosmosKey,
      AzureWebJobsStorage: emulators.storageConnectionString,
      PRIVACY_DATABASE: `pb${ns}`,
      PLATFORM_DATABASE: `plb${ns}`,
      PRIVACY_WORK_QUEUE: `wb${ns}`,
      PRIVACY_ASSETS_CONTAINER: `ab${ns}`,
      PRIVACY_SUBJECT_KEY_SECRET: randomBytes(24).toString("hex"),
      PRIVACY_CERTIFICATE_KEY: randomBytes(24).toString("hex"),
      PRIVACY_DEV_API_KEY: keys.dev,
      PRIVACY_API_KEYS: JSON.stringify([
        { id: "browser-admin", sha256: sha256(keys.admin), role: "privacy-admin", orgs: "*" },
        { id: "browser-auditor", sha256: sha256(keys.auditor), role: "auditor", orgs: [orgId] },
      ]),
    };
    const settings = parseSettings(env);
    const rt = createRuntime(settings);
    stops.push(() => {
      disposeRuntime(rt);
      return Promise.resolve();
    });
    await provision(rt.clients, settings);
    const seeded = await seedPlatform({
      cosmos: rt.clients.cosmos,
      platformDatabase: settings.PLATFORM_DATABASE,
      blobService: rt.clients.blobs,
      assetsContainer: settings.PRIVACY_ASSETS_CONTAINER,
    });
    log(`seeded orgs ${seeded.orgIds.join(", ")}`);

    const host = await startLocalHost({
      definitions: allFunctions(rt),
      env: withSettingDefaults(env, settings),
      port: 0,
      queuePollIntervalMs: 200,
      enableTimers: false,
      adminKey: keys.dev,
      log,
    });
    stops.push(() => host.stop());

    // Rows for the queue: one that completes, one that waits for its verification code.
    const openedIds = [
      await openRequest(host.url, keys.admin, {
        type: "objection",
        orgId,
        subject: { phone: HARD_CASES.crossOrgPhone.phone },
        purposes: ["marketing"],
        verification: { method: "attested", by: "browser-test setup" },
      }),
      await openRequest(host.url, keys.admin, { type: "access", orgId, subject: { email: HARD_CASES.crossOrgPhone.contacts[0].email } }),
    ];

    project.provide("browserStack", { url: host.url, consoleUrl: `${host.url}/console/`, keys, orgId, openedIds });
    console.log(`[browser-stack] up at ${host.url} in ${Date.now() - started} ms`);
  } catch (error) {
    await stopAll();
    throw error;
  }
  return stopAll;
}
