import { randomUUID } from "node:crypto";
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, issuedCode, ORG_A, ORG_B, setupEngine, type KeyName, teardownEngines, type TestEngine, type HttpHandlerName } from "../support/engine.js";

type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;
type Target = "own" | "other" | "unknown";
type Role = "admin" | "operator" | "auditor" | "service";

let rt: TestEngine;
beforeAll(async () => {
  rt = await setupEngine();
});
afterAll(() => {
  teardownEngines();
});

/** A fresh request in the target's org (awaiting verification, with a code issued), or an unknown id. */
async function requestIn(target: Target): Promise<{ id: string; code?: string }> {
  if (target === "unknown") return { id: randomUUID() };
  const orgId = target === "own" ? ORG_A : ORG_B;
  const opened = await call(rt.fn.submitRequestHandler, { path: "/api/requests", body: { type: "access", orgId, subject: { contactId: "c-acl" } } });
  const id = (opened.body as { id: string }).id;
  await call(rt.fn.issueVerificationHandler, { path: "/x", params: { id } });
  const { code } = await issuedCode(rt, id);
  return { id, code };
}

interface Route {
  name: string;
  handler: HttpHandlerName;
  /** Roles allowed by the access table. */
  allowed: readonly Role[];
  success: number;
  call: (handler: Handler, key: KeyName | null, target: Target) => Promise<number>;
}

const onRequest = (body: (code: string | undefined) => unknown) => async (handler: Handler, key: KeyName | null, target: Target) => {
  const { id, code } = await requestIn(target);
  const before = await rt.requests.get(id);
  const response = await call(handler, { path: `/api/requests/${id}`, params: { id }, key, body: body(code) });
  if (response.status >= 400) {
    // A refused call changes nothing: the document keeps its ETag.
    expect((await rt.requests.get(id))?.etag).toBe(before?.etag);
  }
  return response.status;
};

const routes: Route[] = [
  {
    name: "POST /requests (erasure)",
    handler: "submitRequestHandler",
    allowed: ["admin", "operator", "service"],
    success: 201,
    call: async (handler, key, target) => {
      const orgId = target === "own" ? ORG_A : target === "other" ? ORG_B : "org-does-not-exist";
      return (await call(handler, { path: "/api/requests", key, body: { type: "erasure", orgId, subject: { contactId: "c-1" } } })).status;
    },
  },
  {
    name: "GET /requests/{id}",
    handler: "getRequestHandler",
    allowed: ["admin", "operator", "auditor"],
    success: 200,
    call: onRequest(() => undefined),
  },
  {
    name: "POST /requests/{id}/verification",
    handler: "issueVerificationHandler",
    allowed: ["admin", "operator"],
    success: 202,
    call: onRequest(() => ({})),
  },
  {
    name: "POST /requests/{id}/verify",
    handler: "verifyHandler",
    allowed: ["admin", "operator"],
    success: 200,
    call: onRequest((code) => ({ code: code ?? "000000" })),
  },
  {
    name: "POST /requests/{id}/extend",
    handler: "extendHandler",
    allowed: ["admin", "operator"],
    success: 200,
    call: onRequest(() => ({ reason: "needs more time" })),
  },
  {
    name: "POST /requests/{id}/reject",
    handler: "rejectHandler",
    allowed: ["admin"],
    success: 200,
    call: onRequest(() => ({ reason: "other", detail: "test" })),
  },
  {
    name: "POST /requests/{id}/cancel",
    handler: "cancelHandler",
    allowed: ["admin", "operator"],
    success: 200,
    call: onRequest(() => ({})),
  },
  {
    name: "GET /requests/{id}/audit",
    handler: "auditHandler",
    allowed: ["admin", "auditor"],
    success: 200,
    call: onRequest(() => undefined),
  },
];

const roles: Role[] = ["admin", "operator", "auditor", "service"];
const targets: Target[] = ["own", "other", "unknown"];

function expected(route: Route, role: Role, target: Target): number {
  if (!route.allowed.includes(role)) return 403;
  // The admin key acts on every org, so "other" is its own too.
  if (target === "own" || (target === "other" && role === "admin")) return route.success;
  return 404;
}

describe("access control matrix", () => {
  for (const route of routes) {
    it(`${route.name}: role × own/other/unknown org`, async () => {
      const seen: string[] = [];
      const want: string[] = [];
      for (const role of roles) {
        for (const target of targets) {
          seen.push(`${role}/${target}=${await route.call(rt.fn[route.handler], role, target)}`);
          want.push(`${role}/${target}=${expected(route, role, target)}`);
        }
      }
      for (const [key, label] of [[null, "none"], ["badKey", "bad"]] as const) {
        const status = await (key === null
          ? route.call(rt.fn[route.handler], null, "own")
          : call(rt.fn[route.handler], { path: "/x", params: { id: randomUUID() }, key: null, headers: { authorization: "Bearer not-a-key-at-all" } }).then((r) => r.status));
        seen.push(`${label}=${status}`);
        want.push(`${label}=401`);
      }
      expect(seen).toEqual(want);
    });
  }

  it("the service role opens erasures only", async () => {
    const access = await call(rt.fn.submitRequestHandler, { path: "/api/requests", key: "service", body: { type: "access", orgId: ORG_A, subject: { contactId: "c" } } });
    expect(access.status).toBe(403);
    expect((access.body as { reason: string }).reason).toBe("type-forbidden");
  });

  it("lists only the caller's orgs", async () => {
    await call(rt.fn.submitRequestHandler, { path: "/api/requests", body: { type: "objection", orgId: ORG_B, subject: { contactId: "c-list" }, purposes: ["marketing"] } });
    const listed = await call(rt.fn.listRequestsHandler, { path: "/api/requests?limit=100", key: "operator" });
    const orgs = new Set((listed.body as { items: { orgId: string }[] }).items.map((i) => i.orgId));
    expect([...orgs]).toEqual([ORG_A]);
    expect((await call(rt.fn.listRequestsHandler, { path: "/api/requests", key: "service" })).status).toBe(403);
    expect((await call(rt.fn.listRequestsHandler, { path: "/api/requests", key: null })).status).toBe(401);
  });

  it("health needs no caller; every other route does", async () => {
    expect((await call(rt.fn.healthHandler, { path: "/api/health", key: null })).status).toBe(200);
    expect((await call(rt.fn.openApiHandler, { path: "/api/openapi.json", key: null })).status).toBe(401);
    expect((await call(rt.fn.openApiHandler, { path: "/api/openapi.json", key: "service" })).status).toBe(200);
  });
});
