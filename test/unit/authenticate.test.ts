import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseSettings, SettingsError } from "../../src/config/settings.js";
import { EngineError } from "../../src/domain/errors.js";
import { authenticate } from "../../src/engine/authenticate.js";

const sha = (v: string) => createHash("sha256").update(v).digest("hex");
const base = {
  COSMOS_ENDPOINT: "http://127.0.0.1:8081",
  COSMOS_KEY: "k",
  AzureWebJobsStorage: "UseDevelopmentStorage=true",
  PRIVACY_SUBJECT_KEY_SECRET: "s".repeat(40),
  PRIVACY_CERTIFICATE_KEY: "c".repeat(40),
};
const settings = (extra: Record<string, string> = {}) =>
  parseSettings({
    ...base,
    PRIVACY_API_KEYS: JSON.stringify([
      { id: "ops", sha256: sha("ops-key-0000000000"), role: "privacy-operator", orgs: ["org-a"] },
      { id: "svc", sha256: sha("svc-key-0000000000"), role: "service", orgs: "*" },
    ]),
    ...extra,
  });

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return "none";
  } catch (error) {
    return error instanceof EngineError ? error.code : "other";
  }
}

describe("authenticate", () => {
  it("finds the key's role and orgs from its hash", () => {
    expect(authenticate({ authorization: "Bearer ops-key-0000000000" }, settings())).toEqual({
      id: "ops",
      kind: "api-key",
      role: "privacy-operator",
      orgs: ["org-a"],
    });
    expect(authenticate({ authorization: "bearer svc-key-0000000000" }, settings()).role).toBe("service");
  });

  it("refuses missing, malformed and unknown keys as unauthenticated", () => {
    expect(codeOf(() => authenticate({}, settings()))).toBe("unauthenticated");
    expect(codeOf(() => authenticate({ authorization: "Basic abc" }, settings()))).toBe("unauthenticated");
    expect(codeOf(() => authenticate({ authorization: "Bearer nope" }, settings()))).toBe("unauthenticated");
  });

  it("accepts the development key as a privacy-admin for every org", () => {
    const caller = authenticate({ authorization: "Bearer dev-key-1234567890" }, settings({ PRIVACY_DEV_API_KEY: "dev-key-1234567890" }));
    expect(caller).toMatchObject({ role: "privacy-admin", orgs: "*" });
  });

  it("takes App Service Authentication's principal only when enabled", () => {
    const principal = Buffer.from(
      JSON.stringify({
        auth_typ: "aad",
        claims: [
          { typ: "http://schemas.microsoft.com/identity/claims/objectidentifier", val: "oid-1" },
          { typ: "roles", val: "auditor" },
          { typ: "orgs", val: "org-a, org-b" },
        ],
      }),
    ).toString("base64");
    expect(codeOf(() => authenticate({ clientPrincipal: principal }, settings()))).toBe("unauthenticated");
    const caller = authenticate({ clientPrincipal: principal }, settings({ PRIVACY_EASYAUTH_ENABLED: "true" }));
    expect(caller).toEqual({ id: "principal:oid-1", kind: "principal", role: "auditor", orgs: ["org-a", "org-b"] });
    const noRole = Buffer.from(JSON.stringify({ claims: [{ typ: "oid", val: "x" }] })).toString("base64");
    expect(codeOf(() => authenticate({ clientPrincipal: noRole }, settings({ PRIVACY_EASYAUTH_ENABLED: "true" })))).toBe("forbidden");
    // A name claim (often an e-mail address) never stands in for the object id.
    const nameOnly = Buffer.from(JSON.stringify({ claims: [{ typ: "name", val: "mila@example.com" }, { typ: "roles", val: "auditor" }] })).toString("base64");
    expect(codeOf(() => authenticate({ clientPrincipal: nameOnly }, settings({ PRIVACY_EASYAUTH_ENABLED: "true" })))).toBe("unauthenticated");
  });
});

describe("settings", () => {
  it("names a missing or malformed setting and never echoes its value", () => {
    try {
      parseSettings({ ...base, COSMOS_ENDPOINT: undefined, PRIVACY_SUBJECT_KEY_SECRET: "short-secret-value", PRIVACY_WORK_QUEUE: "Bad_Queue" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SettingsError);
      const message = (error as Error).message;
      expect(message).toContain("COSMOS_ENDPOINT is required but not set");
      expect(message).toContain("PRIVACY_SUBJECT_KEY_SECRET");
      expect(message).toContain("PRIVACY_WORK_QUEUE");
      expect(message).not.toContain("short-secret-value");
    }
  });

  it("refuses malformed API keys and schedules", () => {
    expect(() => parseSettings({ ...base, PRIVACY_API_KEYS: "[{]" })).toThrow(/PRIVACY_API_KEYS: must be a JSON array/);
    expect(() => parseSettings({ ...base, PRIVACY_API_KEYS: JSON.stringify([{ id: "x", sha256: "nothex", role: "root", orgs: "*" }]) })).toThrow(
      /PRIVACY_API_KEYS \(at 0\.sha256\)/,
    );
    expect(() => parseSettings({ ...base, PRIVACY_DEADLINE_SCHEDULE: "every hour" })).toThrow(/PRIVACY_DEADLINE_SCHEDULE/);
  });

  it("refuses Easy Auth in Azure unless App Service Authentication is on", () => {
    const azure = { ...base, WEBSITE_SITE_NAME: "prod-app", PRIVACY_EASYAUTH_ENABLED: "true" };
    expect(() => parseSettings(azure)).toThrow(/WEBSITE_AUTH_ENABLED/);
    expect(parseSettings({ ...azure, WEBSITE_AUTH_ENABLED: "True" }).PRIVACY_EASYAUTH_ENABLED).toBe(true);
  });

  it("refuses the development key in Azure", () => {
    expect(() => parseSettings({ ...base, PRIVACY_DEV_API_KEY: "dev-key-1234567890", WEBSITE_SITE_NAME: "prod-app" })).toThrow(/PRIVACY_DEV_API_KEY/);
  });
});
