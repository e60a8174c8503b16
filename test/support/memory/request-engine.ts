// The request API's deps in memory, for fast engine tests: the stores a request's intake,
// decisions and audit trail touch, the default data map, the engine's settings and a clock the
// test moves. No emulator.

import { loadDataMap } from "../../../src/config/data-map-loader.js";
import { parseSettings } from "../../../src/config/settings.js";
import type { AttestDeps } from "../../../src/engine/attest.js";
import { engineConfig, type EngineDeps } from "../../../src/engine/deps.js";
import type { Logger, OrgProfile, OutboxStore } from "../../../src/engine/ports.js";
import type { ActDeps, SubmitDeps } from "../../../src/engine/requests.js";
import { MemoryAuditStore } from "./audit-store.js";
import { MemoryOrgDirectory } from "./org-directory.js";
import { MemoryOutboxStore } from "./outbox-store.js";
import { MemoryRequestStore } from "./request-store.js";
import { MemoryWorkQueue } from "./work-queue.js";

/** Settings with test-only keys; the connection settings are never used. */
export const MEMORY_SETTINGS = parseSettings({
  COSMOS_ENDPOINT: "http://127.0.0.1:8081",
  COSMOS_KEY: "k",
  AzureWebJobsStorage: "UseDevelopmentStorage=true",
  PRIVACY_SUBJECT_KEY_SECRET: "s".repeat(40),
  PRIVACY_CERTIFICATE_KEY: "c".repeat(40),
});

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export interface MemoryRequestEngineOptions {
  readonly orgs: readonly OrgProfile[];
  readonly start: Date;
  /** Another outbox in place of the memory one (a test that makes it fail). */
  readonly outbox?: OutboxStore;
}

export function memoryRequestEngine(options: MemoryRequestEngineOptions) {
  const clock = { now: options.start };
  const outbox = new MemoryOutboxStore();
  const deps = {
    requests: new MemoryRequestStore(),
    audit: new MemoryAuditStore(),
    outbox: options.outbox ?? outbox,
    work: new MemoryWorkQueue(() => clock.now.getTime()),
    orgs: new MemoryOrgDirectory(options.orgs),
    dataMap: loadDataMap(),
    config: engineConfig(MEMORY_SETTINGS),
    now: () => clock.now,
  } satisfies SubmitDeps & ActDeps & AttestDeps & Pick<EngineDeps, "requests" | "audit">;
  return { deps, clock, outbox };
}
