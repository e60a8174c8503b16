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

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const OTHER_TENANT = "00000000-1111-2222-3333-444444444444";
const AUDIENCE = "api://privacy-engine";
/** Easy Auth as the settings allow it: on the platform, behind App Service Authentication, for one tenant and audience. */
const easyAuth = {
  WEBSITE_SITE_NAME: "prod-app",
  WEBSITE_AUTH_ENABLED: "True",
  PRIVACY_EASYAUTH_ENABLED: "true",
  PRIVACY_EASYAUTH_TENANT_ID: TENANT,
  PRIVACY_EASYAUTH_AUDIENCE: AUDIENCE,
};
interface Claim {
  typ: string;
  val: string;
}
/** An x-ms-client-principal header: the given claims plus tid, aud and iss of our tenant (null leaves one out). */
function principalOf(claims: Claim[], identity: Partial<Record<"tid" | "aud" | "iss", string | null>> = {}): string {
  const defaults = { tid: TENANT, aud: AUDIENCE, iss: `https://login.microsoftonline.com/${TENANT}/v2.0` };
  const extra = (["tid", "aud", "iss"] as const).flatMap((typ) => {
    const val = identity[typ] === undefined ? defaults[typ] : identity[typ];
    return val === null ? [] : [{ typ, val }];
  });
  return Buffer.from(JSON.stringify({ auth_typ: "aad", claims: [...claims, ...extra] })).toString("base64");
}

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
    const principal = principalOf([
      { typ: "http://schemas.microsoft.com/identity/claims/objectidentifier", val: "oid-1" },
      { typ: "roles", val: "auditor" },
      { typ: "orgs", val: "org-a, org-b" },
    ]);
    expect(codeOf(() => authenticate({ clientPrincipal: principal }, settings()))).toBe("unauthenticated");
    const caller = authenticate({ clientPrincipal: principal }, settings(easyAuth));
    expect(caller).toEqual({ id: "principal:oid-1", kind: "principal", role: "auditor", orgs: ["org-a", "org-b"] });
    const noRole = principalOf([{ typ: "oid", val: "x" }]);
    expect(codeOf(() => authenticate({ clientPrincipal: noRole }, settings(easyAuth)))).toBe("forbidden");
    // A name claim (often an e-mail address) never stands in for the object id.
    const nameOnly = principalOf([{ typ: "name", val: "mila@example.com" }, { typ: "roles", val: "auditor" }]);
    expect(codeOf(() => authenticate({ clientPrincipal: nameOnly }, settings(easyAuth)))).toBe("unauthenticated");
  });

  it("ignores a forged principal header when Easy Auth is disabled", () => {
    const forged = principalOf([{ typ: "oid", val: "attacker" }, { typ: "roles", val: "privacy-admin" }, { typ: "orgs", val: "*" }]);
    expect(codeOf(() => authenticate({ clientPrincipal: forged }, settings()))).toBe("unauthenticated");
    // With a real key next to it, the key decides and the header is not looked at.
    expect(authenticate({ clientPrincipal: forged, authorization: "Bearer ops-key-0000000000" }, settings())).toMatchObject({
      id: "ops",
      kind: "api-key",
      role: "privacy-operator",
    });
  });

  it("accepts a principal only of the configured tenant, audience and issuer", () => {
    const who = [
      { typ: "oid", val: "oid-2" },
      { typ: "roles", val: "privacy-admin" },
      { typ: "orgs", val: "*" },
    ];
    const check = (claims: Claim[], identity: Partial<Record<"tid" | "aud" | "iss", string | null>> = {}) =>
      codeOf(() => authenticate({ clientPrincipal: principalOf(claims, identity) }, settings(easyAuth)));
    expect(check(who)).toBe("none");
    // The v1 issuer form, and the tenant id under its mapped claim type, in upper case.
    expect(check(who, { iss: `https://sts.windows.net/${TENANT}/` })).toBe("none");
    expect(
      check([...who, { typ: "http://schemas.microsoft.com/identity/claims/tenantid", val: TENANT.toUpperCase() }], { tid: null }),
    ).toBe("none");

    // Another tenant, even with an issuer that matches it.
    expect(check(who, { tid: OTHER_TENANT })).toBe("unauthenticated");
    expect(check(who, { tid: OTHER_TENANT, iss: `https://login.microsoftonline.com/${OTHER_TENANT}/v2.0` })).toBe("unauthenticated");
    // Our tenant id, but an issuer of another tenant or another host.
    expect(check(who, { iss: `https://login.microsoftonline.com/${OTHER_TENANT}/v2.0` })).toBe("unauthenticated");
    expect(check(who, { iss: `https://login.example.com/${TENANT}/v2.0` })).toBe("unauthenticated");
    // Another audience: exact comparison, so neither the bare client id nor a prefix passes.
    expect(check(who, { aud: "api://other-app" })).toBe("unauthenticated");
    expect(check(who, { aud: `${AUDIENCE}/extra` })).toBe("unauthenticated");
    // Missing or doubled claims.
    expect(check(who, { tid: null })).toBe("unauthenticated");
    expect(check(who, { aud: null })).toBe("unauthenticated");
    expect(check(who, { iss: null })).toBe("unauthenticated");
    expect(check([...who, { typ: "aud", val: "api://other-app" }])).toBe("unauthenticated");
    // A foreign principal without our roles is unauthenticated, not forbidden.
    expect(check([{ typ: "oid", val: "x" }], { tid: OTHER_TENANT })).toBe("unauthenticated");
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
    const azure = { ...base, ...easyAuth, WEBSITE_AUTH_ENABLED: undefined };
    expect(() => parseSettings(azure)).toThrow(/WEBSITE_AUTH_ENABLED/);
    expect(parseSettings({ ...azure, WEBSITE_AUTH_ENABLED: "True" }).PRIVACY_EASYAUTH_ENABLED).toBe(true);
  });

  it("refuses the development key in Azure", () => {
    expect(() => parseSettings({ ...base, PRIVACY_DEV_API_KEY: "dev-key-1234567890", WEBSITE_SITE_NAME: "prod-app" })).toThrow(/PRIVACY_DEV_API_KEY/);
  });
});
