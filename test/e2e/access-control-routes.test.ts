import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mayPerform, type Action } from "../../src/domain/access.js";
import type { Role } from "../../src/config/settings.js";
import { hostRoute, type HttpFunctionDefinition } from "../../src/hosting/definition.js";
import { call, invocationContext, issuedCode, ORG_A, ORG_B, ORG_UNKNOWN, setupEngine, type KeyName, teardownEngines, type TestEngine, DESCRIBED_HTTP, liveHttp } from "../support/engine.js";
import { engineFingerprint } from "../support/state-fingerprint.js";

// Every HTTP route of functions/all.ts × every role × the caller's own org, another org and an
// unknown one. The expected answer follows from the permission table (src/domain/access.ts):
// a role without the route's action gets 403; with it, its own org succeeds, another org's
// object is a 404 (lists show nothing of it) unless the key acts on every org, and an unknown
// org or id is a 404; a route that also needs an attesting role (PRIVACY_ATTESTING_ROLES) is a
// 403 for the others on what they may see. No key or a bad key is a 401. A refused call changes
// nothing stored.
//
// A route missing from RULES fails the first test: a new route states its action here (one line).

type Target = "own" | "other" | "unknown";
type Scope =
  /** Acts on nothing org-specific (the data map, a certificate check, the API description). */
  | "none"
  /** `?orgId=` names the org; a list answers with what the caller may see. */
  | "query-org"
  /** The JSON body's `orgId` names the org. */
  | "body-org"
  /** `{id}` is a request of the org. */
  | "request"
  /** `{orgId}/{holdId}` is a legal hold of the org. */
  | "hold";

interface Rule {
  /** The action of src/domain/access.ts; "anonymous": no caller at all; "any-caller": any valid key. */
  readonly action: Action | "anonymous" | "any-caller";
  readonly scope: Scope;
  readonly success: number;
  /** A list: another org's items are hidden (an empty page), not refused. */
  readonly list?: boolean;
  /** What the request must be like for the call to succeed. */
  readonly request?: "awaiting-verification" | "restricted" | "erased" | "exported";
  /** Also needs a role of PRIVACY_ATTESTING_ROLES: another role gets a 403 on what it may see. */
  readonly attesting?: true;
  readonly body?: (ctx: { orgId: string; code: string }) => unknown;
  readonly query?: (orgId: string) => Record<string, string>;
  /** Route parameters that name no org (`{kind}`). */
  readonly params?: Readonly<Record<string, string>>;
}

const RULES: Readonly<Record<string, Rule>> = {
  health: { action: "anonymous", scope: "none", success: 200 },
  me: { action: "any-caller", scope: "none", success: 200 },
  "reports-requests": { action: "request:read", scope: "query-org", success: 200 },
  openapi: { action: "any-caller", scope: "none", success: 200 },
  // The console's files (not the API): anyone, from a fake build (PRIVACY_CONSOLE_DIR).
  console: { action: "anonymous", scope: "none", success: 200 },
  "data-map": { action: "request:read", scope: "none", success: 200 },
  "requests-submit": { action: "request:open", scope: "body-org", success: 201, body: ({ orgId }) => ({ type: "erasure", orgId, subject: { contactId: "c-acl" } }) },
  "requests-list": { action: "request:read", scope: "query-org", success: 200, list: true },
  "requests-get": { action: "request:read", scope: "request", success: 200 },
  "requests-issue-verification": { action: "request:verify", scope: "request", success: 202, body: () => ({}) },
  "requests-verify": { action: "request:verify", scope: "request", success: 200, body: ({ code }) => ({ code }) },
  "requests-attest": { action: "request:verify", scope: "request", success: 200, attesting: true, body: () => ({ by: "desk" }) },
  "requests-extend": { action: "request:extend", scope: "request", success: 200, body: () => ({ reason: "needs more time" }) },
  "requests-reject": { action: "request:reject", scope: "request", success: 200, body: () => ({ reason: "other", detail: "acl" }) },
  "requests-cancel": { action: "request:cancel", scope: "request", success: 200, body: () => ({}) },
  "requests-lift": { action: "request:lift", scope: "request", success: 202, request: "restricted", body: () => ({ reason: "ground ended" }) },
  "requests-certificate": { action: "request:read", scope: "request", success: 200, request: "erased" },
  "requests-audit": { action: "audit:read", scope: "request", success: 200 },
  "requests-package": { action: "package:link", scope: "request", success: 200, request: "exported" },
  "certificates-verify": { action: "request:read", scope: "none", success: 200, body: () => certificate },
  "subjects-status": { action: "status:read", scope: "query-org", success: 200, query: (orgId) => ({ orgId, phone: "+49 30 5550123" }) },
  "legal-holds-place": { action: "registry:write", scope: "body-org", success: 201, body: ({ orgId }) => ({ orgId, category: "sales", reason: "tax audit" }) },
  "legal-holds-list": { action: "request:read", scope: "query-org", success: 200, list: true },
  "legal-holds-lift": { action: "registry:write", scope: "hold", success: 204 },
  "sweeps-retention-preview": { action: "sweep:read", scope: "query-org", success: 200 },
  "sweeps-list": { action: "sweep:read", scope: "none", success: 200 },
  "sweeps-run": { action: "sweep:run", scope: "query-org", success: 202, params: { kind: "children" } },
};

const ROLES: Readonly<Record<"admin" | "operator" | "auditor" | "service", Role>> = {
  admin: "privacy-admin",
  operator: "privacy-operator",
  auditor: "auditor",
  service: "service",
};
const TARGETS: readonly Target[] = ["own", "other", "unknown"];
const orgOf = (target: Target) => (target === "own" ? ORG_A : target === "other" ? ORG_B : ORG_UNKNOWN);

const httpRoutes = DESCRIBED_HTTP;

let rt: TestEngine;
let certificate: unknown;
const consoleDir = mkdtempSync(path.join(tmpdir(), "acl-console-"));
writeFileSync(path.join(consoleDir, "index.html"), "<!doctype html><title>console</title>");

beforeAll(async () => {
  rt = await setupEngine({ PRIVACY_CONSOLE_DIR: consoleDir });
  // An erasure completed in ORG_A gives a real certificate to check.
  certificate = await call(rt.fn.submitRequestHandler, { path: "/x", body: { type: "erasure", orgId: ORG_A, subject: { contactId: "c-cert" }, verification: { method: "attested", by: "desk" } } })
    .then(async (r) => {
      const id = (r.body as { id: string }).id;
      await rt.fn.workQueueHandler({ requestId: id }, invocationContext("work-queue", { dequeueCount: 1 }));
      return id;
    })
    .then(async (id) => (await rt.requests.get(id))?.value.certificate);
});
afterAll(() => {
  teardownEngines();
  rmSync(consoleDir, { recursive: true, force: true });
});

async function openRequest(orgId: string, kind: NonNullable<Rule["request"]>): Promise<{ id: string; code: string }> {
  const attested = { verification: { method: "attested", by: "desk" } };
  const body =
    kind === "restricted"
      ? { type: "restriction", orgId, subject: { contactId: "c-acl" }, ground: "accuracy-contested", ...attested }
      : kind === "erased"
        ? { type: "erasure", orgId, subject: { contactId: "c-acl" }, ...attested }
        : kind === "exported"
          ? { type: "access", orgId, subject: { contactId: "c-acl" }, ...attested }
          : { type: "access", orgId, subject: { contactId: "c-acl" } };
  const opened = await call(rt.fn.submitRequestHandler, { path: "/api/requests", body });
  const id = (opened.body as { id: string }).id;
  if (kind === "awaiting-verification") {
    await call(rt.fn.issueVerificationHandler, { path: "/x", params: { id } });
    return { id, code: (await issuedCode(rt, id)).code };
  }
  await rt.fn.workQueueHandler({ requestId: id }, invocationContext("work-queue", { dequeueCount: 1 }));
  return { id, code: "000000" };
}

/** Calls the route as `key` against the target; returns "status" (lists: "status:seen" or "status:empty"). */
async function attempt(definition: HttpFunctionDefinition, rule: Rule, key: KeyName | null, target: Target, authorization?: string): Promise<string> {
  const orgId = orgOf(target);
  const params: Record<string, string> = { ...rule.params };
  let code = "000000";
  if (rule.scope === "request") {
    if (target === "unknown") params.id = randomUUID();
    else ({ id: params.id, code } = await openRequest(orgId, rule.request ?? "awaiting-verification"));
  }
  if (rule.scope === "hold") {
    params.orgId = orgId;
    params.holdId = randomUUID();
    if (target !== "unknown") {
      const placed = await call(rt.fn.placeHoldHandler, { path: "/api/legal-holds", body: { orgId, category: "sales", reason: "acl hold" } });
      params.holdId = (placed.body as { id: string }).id;
    }
  }
  if (rule.list === true && target !== "unknown") {
    // Something to see: a request and a hold in the target org.
    await call(rt.fn.submitRequestHandler, { path: "/api/requests", body: { type: "access", orgId, subject: { contactId: "c-list" } } });
    await call(rt.fn.placeHoldHandler, { path: "/api/legal-holds", body: { orgId, category: "sales", reason: "acl list" } });
  }
  const query = rule.query?.(orgId) ?? (rule.scope === "query-org" ? { orgId } : {});
  const search = new URLSearchParams(query).toString();
  const body = rule.body?.({ orgId, code });
  const before = await engineFingerprint(rt);
  const response = await call(liveHttp(rt, definition.name).handler, {
    method: definition.methods[0] ?? "GET",
    path: `/${hostRoute(definition).replace(/\{\*?(\w+)\}/g, (_m, p: string) => params[p] ?? "")}${search === "" ? "" : `?${search}`}`,
    params,
    key,
    ...(authorization === undefined ? {} : { headers: { authorization } }),
    ...(body === undefined ? {} : { body }),
  });
  if (response.status >= 400) {
    expect(response.headers["content-type"], definition.name).toBe("application/problem+json");
    expect(await engineFingerprint(rt), `${definition.name}: a refused call changed the stores`).toBe(before);
  }
  if (rule.list === true && response.status === 200) {
    const items = (response.body as { items: { orgId: string }[] }).items;
    expect(items.every((i) => i.orgId === orgId)).toBe(true);
    return `${String(response.status)}:${items.length === 0 ? "empty" : "seen"}`;
  }
  return String(response.status);
}

function expected(rule: Rule, role: keyof typeof ROLES, target: Target): string {
  const ok = (seen: boolean) => (rule.list === true ? `${String(rule.success)}:${seen ? "seen" : "empty"}` : String(rule.success));
  if (rule.action === "anonymous" || rule.action === "any-caller") return ok(true);
  if (!mayPerform({ id: role, kind: "api-key", role: ROLES[role], orgs: "*" }, rule.action)) return "403";
  if (rule.scope === "none") return ok(true);
  const mine = target === "own" || (target === "other" && role === "admin");
  if (!mine) return rule.list === true ? ok(false) : "404";
  if (rule.attesting === true && !rt.config.PRIVACY_ATTESTING_ROLES.includes(ROLES[role])) return "403";
  return ok(true);
}

describe("access control: every route × role × org", () => {
  it("knows every HTTP route of functions/all.ts", () => {
    const unknown = httpRoutes.map((d) => d.name).filter((name) => !(name in RULES));
    expect(unknown, "add these routes to RULES with their action").toEqual([]);
  });

  for (const definition of httpRoutes) {
    const rule = RULES[definition.name];
    if (rule === undefined) continue;
    it(`${definition.methods.join(",")} /${hostRoute(definition)}`, async () => {
      const seen: string[] = [];
      const want: string[] = [];
      for (const role of Object.keys(ROLES) as (keyof typeof ROLES)[]) {
        for (const target of rule.scope === "none" ? (["own"] as const) : TARGETS) {
          seen.push(`${role}/${target}=${await attempt(definition, rule, role, target)}`);
          want.push(`${role}/${target}=${expected(rule, role, target)}`);
        }
      }
      const anonymousOk = rule.action === "anonymous";
      seen.push(`none=${await attempt(definition, rule, null, "own")}`);
      want.push(`none=${anonymousOk ? expected(rule, "admin", "own") : "401"}`);
      seen.push(`bad=${await attempt(definition, rule, null, "own", "Bearer not-a-key-at-all")}`);
      want.push(`bad=${anonymousOk ? expected(rule, "admin", "own") : "401"}`);
      expect(seen).toEqual(want);
    });
  }
});
