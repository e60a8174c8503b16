import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { TEST_CERTIFICATE_KEY, TEST_SUBJECT_KEY_SECRET } from "./secrets.js";

/**
 * A short unique lowercase name (`t<label><random>`, 3-40 characters of [a-z0-9]) that is a
 * valid Cosmos database id, blob container name and queue name, also with a one- or
 * two-letter prefix.
 */
export function testNamespace(label: string): string {
  const cleanLabel = label.toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, 16);
  const random = randomBytes(6).toString("hex");
  return `t${cleanLabel}${random}`;
}

export { TEST_SUBJECT_KEY_SECRET } from "./secrets.js";

/**
 * The engine's settings for ONE test file: the run's emulators and a fresh namespace for its
 * databases, queue and container, so test files never see each other's data.
 */
export function testEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  const emulators = inject("emulators");
  const ns = testNamespace("");
  return {
    COSMOS_ENDPOINT: emulators.cosmosEndpoint,
    COSMOS_KEY: emulators.cosmosKey,
    AzureWebJobsStorage: emulators.storageConnectionString,
    PRIVACY_DATABASE: `p${ns}`,
    PLATFORM_DATABASE: `pl${ns}`,
    PRIVACY_WORK_QUEUE: `w${ns}`,
    PRIVACY_ASSETS_CONTAINER: `a${ns}`,
    PRIVACY_SUBJECT_KEY_SECRET: TEST_SUBJECT_KEY_SECRET,
    PRIVACY_CERTIFICATE_KEY: TEST_CERTIFICATE_KEY,
    ...overrides,
  };
}
