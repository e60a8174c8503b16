import { readFileSync } from "node:fs";
import functions from "@azure/functions";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { allFunctions } from "../../functions/all.js";
import { startLocalHost, type LocalHost } from "../../src/local/host.js";
import { KEYS, ORG_A, setupEngine, teardownEngines, type TestEngine } from "../support/engine.js";

let host: LocalHost;
let rt: TestEngine;
const lines: string[] = [];
/** The admin API's key, as `npm start` passes its development key. */
const ADMIN_KEY = "dev-local-engine-admin-key-0123";

beforeAll(async () => {
  rt = await setupEngine();
  host = await startLocalHost({ definitions: rt.functions, env: process.env, port: 0, queuePollIntervalMs: 100, enableTimers: false, adminKey: ADMIN_KEY, log: (l) => lines.push(l) });
});
afterAll(async () => {
  await host.stop();
  teardownEngines();
});

const auth = { authorization: `Bearer ${KEYS.admin}` };

describe("the engine through the local host", () => {
  it("serves the request API at /api with the same routes as in Azure", async () => {
    // Under /api only: host.json's routePrefix is "", each API route is registered as api/<route>.
    expect((await fetch(`${host.url}/requests`, { headers: auth })).status).toBe(404);
    const created = await fetch(`${host.url}/api/requests`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json", "idempotency-key": "local-1" },
      body: JSON.stringify({ type: "objection", orgId: ORG_A, subject: { phone: "+49 30 5550100" }, purposes: ["marketing"], verification: { method: "attested", by: "desk" } }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const read = await fetch(`${host.url}/api/requests/${id}`, { headers: auth });
    expect(read.status).toBe(200);
    const problem = await fetch(`${host.url}/api/requests/${id}/verify`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: "{" });
    expect(problem.status).toBe(400);
    expect(problem.headers.get("content-type")).toBe("application/problem+json");
    expect((await fetch(`${host.url}/api/requests/${id}`, { method: "DELETE", headers: auth })).status).toBe(405);
    expect((await fetch(`${host.url}/api/health`)).status).toBe(200);

    // The work queue is polled: the queued objection is picked up and its executor completes it.
    await vi.waitFor(
      async () => {
        const after = (await (await fetch(`${host.url}/api/requests/${id}`, { headers: auth })).json()) as { status?: string };
        expect(after.status).toBe("completed");
      },
      { timeout: 10_000, interval: 100 },
    );
  });

  it("runs a non-HTTP function on demand through the admin endpoint", async () => {
    const before = lines.filter((l) => l.includes("deadline check done")).length;
    const admin = { authorization: `Bearer ${ADMIN_KEY}` };
    // Without the key the admin API is shut; the API keys of /api do not open it either.
    expect((await fetch(`${host.url}/admin/functions/deadline-check`, { method: "POST" })).status).toBe(401);
    expect((await fetch(`${host.url}/admin/functions/deadline-check`, { method: "POST", headers: auth })).status).toBe(401);
    expect((await fetch(`${host.url}/admin/functions/deadline-check`, { method: "POST", headers: admin })).status).toBe(202);
    await vi.waitFor(
      () => {
        expect(lines.filter((l) => l.includes("deadline check done")).length).toBe(before + 1);
      },
      { timeout: 10_000, interval: 100 },
    );
    expect((await fetch(`${host.url}/admin/functions/requests-get`, { method: "POST", headers: admin })).status).toBe(400);
  });
});

describe("the Azure entry point", () => {
  it("registers every function description with app.*", async () => {
    const http = vi.spyOn(functions.app, "http").mockImplementation(() => undefined);
    const timer = vi.spyOn(functions.app, "timer").mockImplementation(() => undefined);
    const queue = vi.spyOn(functions.app, "storageQueue").mockImplementation(() => undefined);
    const { registerWithAzure } = await import("../../functions/index.js");
    http.mockClear();
    timer.mockClear();
    queue.mockClear();
    for (const definition of allFunctions(rt)) registerWithAzure(definition);
    const httpCount = allFunctions(rt).filter((f) => f.kind === "http").length;
    expect(http).toHaveBeenCalledTimes(httpCount);
    // host.json's routePrefix is "": the API's routes are registered under api/, the console's at the root.
    expect(http).toHaveBeenCalledWith("requests-verify", expect.objectContaining({ route: "api/requests/{id}/verify", methods: ["POST"], authLevel: "anonymous" }));
    expect(http).toHaveBeenCalledWith("me", expect.objectContaining({ route: "api/me", methods: ["GET"] }));
    expect(http).toHaveBeenCalledWith("console", expect.objectContaining({ route: "console/{*path}", methods: ["GET"], authLevel: "anonymous" }));
    const routes = http.mock.calls.map(([, options]) => options.route ?? "");
    expect(routes.filter((route) => !route.startsWith("api/"))).toEqual(["console/{*path}"]);
    const hostJson = JSON.parse(readFileSync(new URL("../../host.json", import.meta.url), "utf8")) as { extensions: { http: { routePrefix: string } } };
    expect(hostJson.extensions.http.routePrefix).toBe("");
    expect(timer).toHaveBeenCalledWith("deadline-check", expect.objectContaining({ schedule: "%PRIVACY_DEADLINE_SCHEDULE%" }));
    expect(queue).toHaveBeenCalledWith("work-queue", expect.objectContaining({ queueName: "%PRIVACY_WORK_QUEUE%", connection: "AzureWebJobsStorage" }));
  });
});
