import { describe, expect, it } from "vitest";
import { parseSettings, SettingsError } from "../../src/config/settings.js";

const base = {
  COSMOS_ENDPOINT: "http://127.0.0.1:8081",
  COSMOS_KEY: "k",
  AzureWebJobsStorage: "UseDevelopmentStorage=true",
  PRIVACY_SUBJECT_KEY_SECRET: "s".repeat(40),
  PRIVACY_CERTIFICATE_KEY: "c".repeat(40),
};
const easyAuth = {
  PRIVACY_EASYAUTH_ENABLED: "true",
  WEBSITE_SITE_NAME: "prod-app",
  WEBSITE_AUTH_ENABLED: "True",
  PRIVACY_EASYAUTH_TENANT_ID: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  PRIVACY_EASYAUTH_AUDIENCE: "api://privacy-engine",
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    parseSettings(env);
    return [];
  } catch (error) {
    if (error instanceof SettingsError) return [...error.problems];
    throw error;
  }
}

describe("Easy Auth settings", () => {
  it("accept Easy Auth on the platform, behind App Service Authentication, with a tenant and an audience", () => {
    const settings = parseSettings({ ...base, ...easyAuth });
    expect(settings).toMatchObject({
      PRIVACY_EASYAUTH_ENABLED: true,
      PRIVACY_EASYAUTH_TENANT_ID: easyAuth.PRIVACY_EASYAUTH_TENANT_ID,
      PRIVACY_EASYAUTH_AUDIENCE: easyAuth.PRIVACY_EASYAUTH_AUDIENCE,
    });
  });

  it("refuse Easy Auth off the platform (no WEBSITE_SITE_NAME), where anyone can send the principal header", () => {
    // Everything else in place, even WEBSITE_AUTH_ENABLED: a laptop or a container can set that too.
    const problems = problemsOf({ ...base, ...easyAuth, WEBSITE_SITE_NAME: undefined });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/PRIVACY_EASYAUTH_ENABLED/);
    expect(problems[0]).toMatch(/WEBSITE_SITE_NAME/);
  });

  it("refuse Easy Auth without a tenant id or an audience, naming each missing setting", () => {
    expect(problemsOf({ ...base, ...easyAuth, PRIVACY_EASYAUTH_TENANT_ID: undefined })).toEqual([
      expect.stringMatching(/^PRIVACY_EASYAUTH_TENANT_ID .*PRIVACY_EASYAUTH_ENABLED/),
    ]);
    expect(problemsOf({ ...base, ...easyAuth, PRIVACY_EASYAUTH_AUDIENCE: undefined })).toEqual([
      expect.stringMatching(/^PRIVACY_EASYAUTH_AUDIENCE .*PRIVACY_EASYAUTH_ENABLED/),
    ]);
    const all = problemsOf({ ...base, PRIVACY_EASYAUTH_ENABLED: "true" });
    expect(all.join("\n")).toMatch(/WEBSITE_SITE_NAME/);
    expect(all.join("\n")).toMatch(/PRIVACY_EASYAUTH_TENANT_ID/);
    expect(all.join("\n")).toMatch(/PRIVACY_EASYAUTH_AUDIENCE/);
  });

  it("refuse Easy Auth on the platform unless App Service Authentication is on", () => {
    expect(problemsOf({ ...base, ...easyAuth, WEBSITE_AUTH_ENABLED: undefined })).toEqual([expect.stringMatching(/WEBSITE_AUTH_ENABLED=True/)]);
    expect(problemsOf({ ...base, ...easyAuth, WEBSITE_AUTH_ENABLED: "False" })).toEqual([expect.stringMatching(/WEBSITE_AUTH_ENABLED=True/)]);
  });

  it("refuse a tenant id that is not a GUID, naming the setting", () => {
    expect(problemsOf({ ...base, ...easyAuth, PRIVACY_EASYAUTH_TENANT_ID: "contoso.onmicrosoft.com" })).toEqual([
      expect.stringMatching(/^PRIVACY_EASYAUTH_TENANT_ID: /),
    ]);
  });

  it("leave Easy Auth off by default; the tenant and audience are then not required", () => {
    expect(parseSettings(base)).toMatchObject({ PRIVACY_EASYAUTH_ENABLED: false });
    expect(parseSettings(base).PRIVACY_EASYAUTH_TENANT_ID).toBeUndefined();
  });
});

describe("PRIVACY_LOCAL_ALLOW_AZURE", () => {
  it("is false unless set to true", () => {
    expect(parseSettings(base).PRIVACY_LOCAL_ALLOW_AZURE).toBe(false);
    expect(parseSettings({ ...base, PRIVACY_LOCAL_ALLOW_AZURE: "true" }).PRIVACY_LOCAL_ALLOW_AZURE).toBe(true);
    expect(problemsOf({ ...base, PRIVACY_LOCAL_ALLOW_AZURE: "yes" })).toEqual([expect.stringMatching(/^PRIVACY_LOCAL_ALLOW_AZURE: /)]);
  });
});
