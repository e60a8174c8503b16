// The local host (src/local/host/) on Azurite: routes, the HTTP trigger, the queue trigger with
// leases and a poison queue, timers, the admin API. Over 400 lines on purpose: it plays the
// Functions host's contract end to end, one describe per trigger, on one set of queues.

import type { InvocationContext, Timer } from "@azure/functions";
import { QueueServiceClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import type { FunctionDefinition, HttpFunctionDefinition } from "../../src/hosting/definition.js";
import { SettingsError } from "../../src/config/settings.js";
import { azureEndpointProblems, portAnswers, refuseAzureEndpoints } from "../../src/local/emulators.js";
import { startLocalHost, type LocalHost } from "../../src/local/host.js";
import { testNamespace } from "../support/env.js";

const emulators = inject("emulators");
const queues = QueueServiceClient.fromConnectionString(emulators.storageConnectionString);
const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

/** The development key `npm start` prints; the admin API requires it. */
const ADMIN_KEY = "dev-local-host-test-key-0123456789";
const withKey = { authorization: `Bearer ${ADMIN_KEY}` };
const jsonWithKey = { ...withKey, "content-type": "application/json" };

const doc = { summary: "test", responses: { 200: { description: "ok" } } };

function http(
  name: string,
  route: string,
  methods: HttpFunctionDefinition["methods"],
  handler: HttpFunctionDefinition["handler"],
  prefix?: HttpFunctionDefinition["prefix"],
): HttpFunctionDefinition {
  return { kind: "http", name, route, methods, doc, handler, ...(prefix === undefined ? {} : { prefix }) };
}

interface Delivery {
  message: unknown;
  metadata: InvocationContext["triggerMetadata"];
}

describe("local Functions host", () => {
  const workQueue = testNamespace("work");
  const poisonQueue = testNamespace("poison");
  const env: NodeJS.ProcessEnv = {
    AzureWebJobsStorage: emulators.storageConnectionString,
    WORK_QUEUE: workQueue,
    POISON_QUEUE: poisonQueue,
    TICK_SCHEDULE: "0 0 0 1 1 *",
  };
  const deliveries: Delivery[] = [];
  const poisonAttempts: number[] = [];
  const ticks: Timer[] = [];
  const lines: string[] = [];
  let echoCalls = 0;
  let host: LocalHost;

  const definitions: FunctionDefinition[] = [
    http("echo", "items/{id}/echo", ["GET", "POST"], async (request, context) => {
      echoCalls++;
      context.log("echo called for", request.params.id);
      const text = await request.text();
      return {
        status: 201,
        headers: { "x-echo": "yes", "cache-control": "no-store" },
        jsonBody: {
          id: request.params.id,
          method: request.method,
          query: Object.fromEntries(request.query),
          tags: request.query.getAll("tag"),
          header: request.headers.get("x-test"),
          body: text === "" ? null : (JSON.parse(text) as unknown),
        },
      };
    }),
    http("itemByNumber", "items/{n:int}", ["GET"], () => Promise.resolve({ body: "number" })),
    http("itemLiteral", "items/special", ["GET"], () => Promise.resolve({ body: "literal" })),
    http("file", "files/{name?}", ["GET"], (request) => Promise.resolve({ body: `file:${request.params.name ?? "(none)"}` })),
    http("bytes", "bytes", ["GET"], () =>
      Promise.resolve({ body: Buffer.from([0, 1, 2, 255]), headers: { "content-type": "application/octet-stream" } }),
    ),
    http("empty", "empty", ["DELETE"], () => Promise.resolve({ status: 204 })),
    http("boom", "boom", ["GET"], () => Promise.reject(new Error("handler exploded"))),
    // Prefix "": at the site's root (as the console is), beside the API under /api.
    http("site", "site/{*path}", ["GET"], (request) => Promise.resolve({ body: `site:${request.params.path ?? "(none)"}:${new URL(request.url).pathname}` }), ""),
    http("items-at-root", "items/special", ["GET"], () => Promise.resolve({ body: "root literal" }), ""),
    {
      kind: "timer",
      name: "tick",
      schedule: "%TICK_SCHEDULE%",
      handler: (timer, context) => {
        ticks.push(timer);
        context.warn("tick ran");
        return Promise.resolve();
      },
    },
    {
      kind: "storageQueue",
      name: "work",
      queueName: "%WORK_QUEUE%",
      connection: "AzureWebJobsStorage",
      handler: (message, context) => {
        deliveries.push({ message, metadata: context.triggerMetadata });
        return Promise.resolve();
      },
    },
    {
      kind: "storageQueue",
      name: "alwaysFails",
      queueName: "%POISON_QUEUE%",
      connection: "AzureWebJobsStorage",
      handler: (_message, context) => {
        poisonAttempts.push(Number(context.triggerMetadata?.dequeueCount));
        return Promise.reject(new Error("cannot process"));
      },
    },
  ];

  beforeAll(async () => {
    host = await startLocalHost({ definitions, env, port: 0, queuePollIntervalMs: 100, adminKey: ADMIN_KEY, log: (line) => lines.push(line) });
  });
  afterAll(async () => {
    await host.stop();
  });

  const api = (path: string, init?: RequestInit) => fetch(`${host.url}${path}`, init);

  it("routes with params, query and JSON body and round-trips status, headers and body", async () => {
    const response = await api("/api/items/a%20b/echo?x=1&tag=p&tag=q", {
      method: "POST",
      headers: { "content-type": "application/json", "x-test": "hello" },
      body: JSON.stringify({ secret: "do-not-log-me" }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("x-echo")).toBe("yes");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({
      id: "a b",
      method: "POST",
      query: { x: "1", tag: "q" },
      tags: ["p", "q"],
      header: "hello",
      body: { secret: "do-not-log-me" },
    });
    expect(lines).toContain("[echo] echo called for a b");
    expect(lines.join("\n")).not.toContain("do-not-log-me");
    expect(lines.join("\n")).not.toContain("hello");

    const get = await api("/api/ITEMS/42/echo/");
    expect(get.status).toBe(201);
    expect(await get.json()).toMatchObject({ id: "42", method: "GET", body: null });
  });

  it("prefers literal segments, applies constraints and optional params", async () => {
    expect(await (await api("/api/items/special")).text()).toBe("literal");
    expect(await (await api("/api/items/7")).text()).toBe("number");
    expect((await api("/api/items/seven")).status).toBe(404);
    expect(await (await api("/api/files/a.txt")).text()).toBe("file:a.txt");
    expect(await (await api("/api/files")).text()).toBe("file:(none)");
  });

  it("matches each route in full: the API's under /api, a prefix-\"\" route at the root, catch-alls matching nothing too", async () => {
    expect(await (await api("/api/items/special")).text()).toBe("literal");
    expect(await (await api("/items/special")).text()).toBe("root literal");
    expect(await (await api("/site")).text()).toBe("site:(none):/site");
    expect(await (await api("/site/")).text()).toBe("site:(none):/site/");
    expect(await (await api("/SITE/a/b%20c/d.js")).text()).toBe("site:a/b c/d.js:/SITE/a/b%20c/d.js");
    // No route is served at a prefix it was not given.
    expect((await api("/items/7")).status).toBe(404);
    expect((await api("/api/site/x")).status).toBe(404);
    expect((await api("/")).status).toBe(404);
    expect((await api("/admin/elsewhere")).status).toBe(404);
  });

  it("answers 404 and 405 as problem+json and passes binary and empty bodies", async () => {
    const missing = await api("/api/nowhere");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toBe("application/problem+json");
    expect(await missing.json()).toEqual({ type: "about:blank", title: "Not Found", status: 404 });
    expect((await api("/elsewhere")).status).toBe(404);

    const wrongMethod = await api("/api/items/1/echo", { method: "DELETE" });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("GET, POST");
    expect(wrongMethod.headers.get("content-type")).toBe("application/problem+json");

    const bytes = await api("/api/bytes");
    expect(bytes.headers.get("content-type")).toBe("application/octet-stream");
    expect([...new Uint8Array(await bytes.arrayBuffer())]).toEqual([0, 1, 2, 255]);

    const empty = await api("/api/empty", { method: "DELETE" });
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe("");
  });

  it("turns a thrown handler into 500 problem+json and refuses bodies over the cap", async () => {
    const boom = await api("/api/boom");
    expect(boom.status).toBe(500);
    expect(await boom.json()).toEqual({ type: "about:blank", title: "Internal Server Error", status: 500 });
    expect(lines.some((line) => line.startsWith("[boom] failed: Error: handler exploded"))).toBe(true);

    const before = echoCalls;
    const tooLarge = await api("/api/items/1/echo", { method: "POST", body: "x".repeat(1024 * 1024 + 1) });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers.get("content-type")).toBe("application/problem+json");
    expect(echoCalls).toBe(before);
  });

  it("runs non-HTTP functions through the admin API", async () => {
    const tick = await api("/admin/functions/tick", { method: "POST", headers: jsonWithKey, body: "{}" });
    expect(tick.status).toBe(202);
    await vi.waitFor(() => {
      expect(ticks).toHaveLength(1);
    });
    expect(ticks[0]).toMatchObject({ isPastDue: false, schedule: { adjustForDST: false } });
    expect(ticks[0]?.scheduleStatus.next).toMatch(/^\d{4}-01-01T00:00:00\.000Z$/);
    expect(lines).toContain("[tick] warning: tick ran");

    // x-functions-key, as the Functions host's admin API takes its master key, works too.
    const queued = await api("/admin/functions/WORK", {
      method: "POST",
      headers: { "x-functions-key": ADMIN_KEY, "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ input: '{"kind":"admin"}' }),
    });
    expect(queued.status).toBe(202);
    await vi.waitFor(() => {
      expect(deliveries.map((d) => d.message)).toContainEqual({ kind: "admin" });
    });

    expect((await api("/admin/functions/nope", { method: "POST", headers: withKey })).status).toBe(404);
    expect((await api("/admin/functions/echo", { method: "POST", headers: withKey })).status).toBe(400);
  });

  it("keeps the admin API shut without the development key, from other origins and for bodies that are not JSON", async () => {
    const before = ticks.length;
    const invoke = (headers: Record<string, string>, body?: string) => api("/admin/functions/tick", { method: "POST", headers, ...(body === undefined ? {} : { body }) });

    // No key, a wrong key, a key in another scheme: 401 problem+json; the function does not run.
    const wrongKeys: Record<string, string>[] = [{}, { authorization: "Bearer wrong-key-0000000000" }, { "x-functions-key": "wrong" }, { authorization: `Basic ${ADMIN_KEY}` }];
    for (const headers of wrongKeys) {
      const refused = await invoke({ "content-type": "application/json", ...headers }, "{}");
      expect(refused.status).toBe(401);
      expect(refused.headers.get("content-type")).toBe("application/problem+json");
      expect(refused.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(await refused.json()).toMatchObject({ title: "Unauthorized", status: 401 });
    }
    // Without the key, function names are not revealed: an unknown one is a 401 too.
    expect((await api("/admin/functions/nope", { method: "POST" })).status).toBe(401);

    // A page in a browser: its Origin is foreign, even with the key (403), and even a look-alike.
    for (const origin of ["http://evil.example", "null", `${host.url}.evil.example`, host.url.replace("http:", "https:")]) {
      const foreign = await invoke({ ...jsonWithKey, origin }, "{}");
      expect(foreign.status).toBe(403);
      expect(foreign.headers.get("content-type")).toBe("application/problem+json");
    }
    // Bodies that are not application/json, as an HTML form or a no-cors fetch sends them: 415.
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonp"]) {
      const wrongType = await invoke({ ...withKey, "content-type": type }, '{"input":""}');
      expect(wrongType.status).toBe(415);
      expect(wrongType.headers.get("content-type")).toBe("application/problem+json");
    }
    expect(ticks).toHaveLength(before);

    // The host's own origin, and an empty body without a content type (treated as {}), are fine.
    expect((await invoke({ ...jsonWithKey, origin: host.url }, "{}")).status).toBe(202);
    expect((await invoke({ ...withKey, origin: host.url.replace("127.0.0.1", "localhost") })).status).toBe(202);
    await vi.waitFor(() => {
      expect(ticks).toHaveLength(before + 2);
    });
    expect(lines.join("\n")).not.toContain(ADMIN_KEY);
  });

  it("delivers base64 queue messages, parsed when JSON, with trigger metadata, and deletes them", async () => {
    const queue = queues.getQueueClient(workQueue);
    const sent = await queue.sendMessage(base64(JSON.stringify({ kind: "export", requestId: "r-1" })));
    await queue.sendMessage(base64("plain text"));
    await vi.waitFor(
      () => {
        expect(deliveries.map((d) => d.message)).toEqual(expect.arrayContaining([{ kind: "export", requestId: "r-1" }, "plain text"]));
      },
      { timeout: 5000 },
    );
    const delivery = deliveries.find((d) => d.metadata?.id === sent.messageId);
    expect(delivery?.metadata).toMatchObject({ id: sent.messageId, dequeueCount: 1 });
    expect(Date.parse(String(delivery?.metadata?.insertionTime))).toBeGreaterThan(Date.now() - 60_000);
    expect(String(delivery?.metadata?.popReceipt)).not.toBe("");
    await vi.waitFor(async () => {
      expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
    });
  });

  it("moves a message that fails 5 times to {queue}-poison with the same body", async () => {
    const body = base64(JSON.stringify({ kind: "erase", requestId: "r-2" }));
    await queues.getQueueClient(poisonQueue).sendMessage(body);
    const poison = queues.getQueueClient(`${poisonQueue}-poison`);
    await vi.waitFor(
      async () => {
        expect((await poison.exists()) && (await poison.peekMessages()).peekedMessageItems.length).toBe(1);
      },
      { timeout: 10_000, interval: 100 },
    );
    const [moved] = (await poison.peekMessages()).peekedMessageItems;
    expect(moved?.messageText).toBe(body);
    expect(poisonAttempts).toEqual([1, 2, 3, 4, 5]);
    expect((await queues.getQueueClient(poisonQueue).getProperties()).approximateMessagesCount).toBe(0);
    expect(lines.some((line) => line.includes(`moved to ${poisonQueue}-poison after 5 attempts`))).toBe(true);
  });
});

describe("local Functions host timers and stop", () => {
  it("fires a %SETTING% schedule and skips ticks while the previous run is in progress", async () => {
    const started: number[] = [];
    const lines: string[] = [];
    const host = await startLocalHost({
      definitions: [
        {
          kind: "timer",
          name: "slow",
          schedule: "%SLOW_SCHEDULE%",
          handler: async () => {
            started.push(Date.now());
            await new Promise((resolve) => setTimeout(resolve, 1500));
          },
        },
      ],
      env: { SLOW_SCHEDULE: "* * * * * *" },
      port: 0,
      log: (line) => lines.push(line),
    });
    try {
      await vi.waitFor(
        () => {
          expect(lines).toContain("[slow] skipped: the previous run is still in progress");
        },
        { timeout: 4000 },
      );
      expect(started.length).toBeGreaterThanOrEqual(1);
    } finally {
      await host.stop();
    }
  });

  it("refuses a route under /admin, which the host keeps for itself", async () => {
    const noop = () => Promise.resolve({});
    await expect(startLocalHost({ definitions: [http("a", "admin/x", ["GET"], noop, "")], env: {}, port: 0, log: () => undefined })).rejects.toThrow(/keeps \/admin/);
    await expect(startLocalHost({ definitions: [http("a", "Admin/{*rest}", ["GET"], noop, "")], env: {}, port: 0, log: () => undefined })).rejects.toThrow(/keeps \/admin/);
  });

  it("refuses a schedule that is not six-field NCRONTAB and a missing setting", async () => {
    const timer = (schedule: string): FunctionDefinition => ({ kind: "timer", name: "t", schedule, handler: () => Promise.resolve() });
    await expect(startLocalHost({ definitions: [timer("0 5 * * *")], env: {}, port: 0, log: () => undefined })).rejects.toThrow(/six-field/);
    await expect(startLocalHost({ definitions: [timer("61 * * * * *")], env: {}, port: 0, log: () => undefined })).rejects.toThrow(/six-field/);
    await expect(startLocalHost({ definitions: [timer("%MISSING%")], env: {}, port: 0, log: () => undefined })).rejects.toThrow(/MISSING/);
  });

  it("stop() waits for in-flight invocations, stops polling and closes the port", async () => {
    const queueName = testNamespace("stop");
    let finished = false;
    const consumed: unknown[] = [];
    const host = await startLocalHost({
      definitions: [
        {
          kind: "timer",
          name: "long",
          schedule: "0 0 0 1 1 *",
          handler: async () => {
            await new Promise((resolve) => setTimeout(resolve, 400));
            finished = true;
          },
        },
        {
          kind: "storageQueue",
          name: "consumer",
          queueName,
          connection: "Storage",
          handler: (message) => {
            consumed.push(message);
            return Promise.resolve();
          },
        },
      ],
      env: { Storage: emulators.storageConnectionString },
      port: 0,
      queuePollIntervalMs: 100,
      adminKey: ADMIN_KEY,
      log: () => undefined,
    });
    expect((await fetch(`${host.url}/admin/functions/long`, { method: "POST", headers: withKey })).status).toBe(202);
    await host.stop();
    expect(finished).toBe(true);
    expect(await portAnswers(host.port)).toBe(false);

    await queues.getQueueClient(queueName).sendMessage(base64('"late"'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(consumed).toEqual([]);
    expect((await queues.getQueueClient(queueName).getProperties()).approximateMessagesCount).toBe(1);
    await host.stop();
  });
});

describe("local Functions host without an admin key", () => {
  it("answers every admin invocation with 401", async () => {
    let ran = false;
    const host = await startLocalHost({
      definitions: [{ kind: "timer", name: "t", schedule: "0 0 0 1 1 *", handler: () => Promise.resolve(void (ran = true)) }],
      env: {},
      port: 0,
      enableTimers: false,
      log: () => undefined,
    });
    try {
      const attempts: Record<string, string>[] = [{}, withKey, { authorization: "Bearer " }, { "x-functions-key": "" }];
      for (const headers of attempts) {
        expect((await fetch(`${host.url}/admin/functions/t`, { method: "POST", headers })).status).toBe(401);
      }
      expect(ran).toBe(false);
    } finally {
      await host.stop();
    }
  });
});

describe("npm start against Azure endpoints", () => {
  const local = {
    COSMOS_ENDPOINT: "http://127.0.0.1:8081",
    AzureWebJobsStorage: "UseDevelopmentStorage=true",
  };

  it("finds nothing in the emulators' settings", () => {
    expect(azureEndpointProblems({})).toEqual([]);
    expect(azureEndpointProblems(local)).toEqual([]);
    expect(
      azureEndpointProblems({
        COSMOS_ENDPOINT: "http://localhost:8081/",
        AzureWebJobsStorage: emulators.storageConnectionString,
        ServiceBusConnection: "Endpoint=sb://localhost;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;",
        PRIVACY_STORAGE_ACCOUNT_URL: "http://127.0.0.1:10000/devstoreaccount1",
        ServiceBusConnection__fullyQualifiedNamespace: "[::1]:5672",
      }),
    ).toEqual([]);
  });

  it("names each setting that points at Azure (or any other machine), never its value", () => {
    const secret = "AccountKey=c2VjcmV0LXN0b3JhZ2Uta2V5LXZhbHVl";
    const cases: [Record<string, string>, string][] = [
      [{ COSMOS_ENDPOINT: "https://acct.documents.azure.com:443/" }, "COSMOS_ENDPOINT"],
      [{ COSMOS_ENDPOINT: "https://localhost.evil.example:8081/" }, "COSMOS_ENDPOINT"],
      [{ COSMOS_ENDPOINT: "https://10.0.0.4:8081/" }, "COSMOS_ENDPOINT"],
      [{ AzureWebJobsStorage: `DefaultEndpointsProtocol=https;AccountName=prodacct;${secret};EndpointSuffix=core.windows.net` }, "AzureWebJobsStorage"],
      [{ AzureWebJobsStorage: `DefaultEndpointsProtocol=https;AccountName=prodacct;${secret}` }, "AzureWebJobsStorage"],
      // The development account's name in front of an Azure endpoint is still Azure.
      [{ AzureWebJobsStorage: `AccountName=devstoreaccount1;${secret};QueueEndpoint=https://prodacct.queue.core.windows.net` }, "AzureWebJobsStorage"],
      [{ AzureWebJobsStorage: "BlobEndpoint=https://prodacct.blob.core.windows.net/;SharedAccessSignature=sv=2022&sig=abc" }, "AzureWebJobsStorage"],
      [{ AzureWebJobsStorage__accountName: "prodacct" }, "AzureWebJobsStorage__accountName"],
      [{ AzureWebJobsStorage__queueServiceUri: "https://prodacct.queue.core.windows.net" }, "AzureWebJobsStorage__queueServiceUri"],
      [{ PRIVACY_STORAGE_ACCOUNT_URL: "https://prodacct.blob.core.windows.net" }, "PRIVACY_STORAGE_ACCOUNT_URL"],
      [{ ServiceBusConnection: "Endpoint=sb://prod-ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=c2VjcmV0" }, "ServiceBusConnection"],
      [{ ServiceBusConnection__fullyQualifiedNamespace: "prod-ns.servicebus.windows.net" }, "ServiceBusConnection__fullyQualifiedNamespace"],
    ];
    for (const [env, setting] of cases) {
      const problems = azureEndpointProblems({ ...local, ...env });
      expect(problems, setting).toEqual([expect.stringContaining(setting)]);
      for (const value of Object.values(env)) expect(problems.join("\n")).not.toContain(value);
      expect(problems.join("\n")).not.toContain("c2VjcmV0");
    }
  });

  it("refuses to start unless PRIVACY_LOCAL_ALLOW_AZURE=true", () => {
    const azure = { ...local, COSMOS_ENDPOINT: "https://acct.documents.azure.com:443/", ServiceBusConnection__fullyQualifiedNamespace: "prod-ns.servicebus.windows.net" };
    let refused: unknown;
    try {
      refuseAzureEndpoints(azure);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(SettingsError);
    const message = (refused as Error).message;
    expect(message).toContain("COSMOS_ENDPOINT");
    expect(message).toContain("ServiceBusConnection__fullyQualifiedNamespace");
    expect(message).toContain("PRIVACY_LOCAL_ALLOW_AZURE=true");
    expect(() => refuseAzureEndpoints({ ...azure, PRIVACY_LOCAL_ALLOW_AZURE: "false" })).toThrow(SettingsError);
    expect(() => refuseAzureEndpoints({ ...azure, PRIVACY_LOCAL_ALLOW_AZURE: "yes" })).toThrow(/PRIVACY_LOCAL_ALLOW_AZURE/);
    expect(refuseAzureEndpoints({ ...azure, PRIVACY_LOCAL_ALLOW_AZURE: "true" })).toEqual([expect.stringContaining("COSMOS_ENDPOINT"), expect.stringContaining("ServiceBusConnection__fullyQualifiedNamespace")]);
    expect(refuseAzureEndpoints(local)).toEqual([]);
  });
});
