// The console's files (functions/console.ts), served from a tiny fake build in a temp folder
// (PRIVACY_CONSOLE_DIR), so nothing here depends on the Vite build: the redirect, history
// routing, content types, cache headers, the CSP on every answer, each way a path could leave
// the folder, the not-built answer; through call() (every answer checked against the documented
// ones) and through the local host (raw paths, bytes). And GET /api/me for every role.

import { mkdtempSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTIONS, mayPerform } from "../../src/domain/access.js";
import type { Role } from "../../src/config/settings.js";
import { hostRoute, type HttpFunctionDefinition } from "../../src/hosting/definition.js";
import { consolePath } from "../../functions/console.js";
import { startLocalHost, type LocalHost } from "../../src/local/host.js";
import { call, KEYS, ORG_A, ORG_B, setupEngine, teardownEngines, type KeyName, type TestEngine } from "../support/engine.js";

const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
const IMMUTABLE = "public, max-age=31536000, immutable";
/** Next to the console's folder: no path may reach it. */
const SECRET = "secret-outside-the-console-0f3c";
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0x10]);

const FILES: Readonly<Record<string, string | Buffer>> = {
  "index.html": '<!doctype html><title>console</title><script type="module" src="/console/assets/app-3f9a.js"></script>',
  "favicon.ico": Buffer.from([0, 0, 1, 0, 0xfe]),
  "manifest.json": '{"name":"console"}',
  "notes.txt": "a file of a type the console is not made of",
  ".env": "HIDDEN=1",
  ".hidden.json": '{"hidden":true}',
  // A backslash is a name character here but a separator on Windows: an encoded one is refused anyway.
  "a\\b.js": "console.log('behind a backslash');",
  "assets/app-3f9a.js": "console.log('app');",
  "assets/app-3f9a.js.map": '{"version":3}',
  "assets/app-77c1.css": "body{margin:0}",
  "assets/logo-1a2b.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>',
  "assets/logo-9c8d.png": PNG,
  "assets/font-5e6f.woff2": Buffer.from([0x77, 0x4f, 0x46, 0x32, 0x00, 0x80]),
};

const root = mkdtempSync(path.join(tmpdir(), "console-serving-"));
const consoleDir = path.join(root, "console");
writeFileSync(path.join(root, "secret.json"), JSON.stringify({ secret: SECRET }));
writeFileSync(path.join(root, "secret"), SECRET);
for (const [name, content] of Object.entries(FILES)) {
  mkdirSync(path.dirname(path.join(consoleDir, name)), { recursive: true });
  writeFileSync(path.join(consoleDir, name), content);
}

let rt: TestEngine;
let host: LocalHost;

beforeAll(async () => {
  rt = await setupEngine({ PRIVACY_CONSOLE_DIR: consoleDir });
  host = await startLocalHost({ definitions: rt.functions, env: process.env, port: 0, enableTimers: false, queuePollIntervalMs: 60_000, log: () => undefined });
});
afterAll(async () => {
  await host.stop();
  teardownEngines();
  rmSync(root, { recursive: true, force: true });
});

const get = (urlPath: string, headers: Record<string, string> = {}) => call(rt.fn.consoleHandler, { path: urlPath, key: null, headers });

/** A GET with the path sent exactly as written (fetch would normalise it). */
function raw(urlPath: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port: host.port, path: urlPath, method: "GET" }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

function expectSecurityHeaders(headers: Readonly<Record<string, string | string[] | undefined>>, label: string): void {
  expect(headers["content-security-policy"], label).toBe(CSP);
  expect(headers["x-content-type-options"], label).toBe("nosniff");
  expect(headers["referrer-policy"], label).toBe("no-referrer");
}

describe("the console's files", () => {
  it("redirects /console to /console/, keeping the query", async () => {
    const bare = await get("/console");
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe("/console/");
    expectSecurityHeaders(bare.headers, "301");
    expect((await get("/console?status=open")).headers.location).toBe("/console/?status=open");
  });

  it("answers index.html, not cached, for /console/ and for any path without a file extension", async () => {
    for (const asked of ["/console/", "/console/queue", "/console/requests/3c1e0a52-6d5e-4b7a-9d8c-2f1e4a6b7c8d", "/console/requests/x/", "/CONSOLE/holds?orgId=org-alpha"]) {
      const response = await get(asked);
      expect(response.status, asked).toBe(200);
      expect(response.headers["content-type"], asked).toBe("text/html; charset=utf-8");
      expect(response.headers["cache-control"], asked).toBe("no-cache");
      expect(response.text, asked).toBe(FILES["index.html"]);
      expectSecurityHeaders(response.headers, asked);
    }
  });

  it("answers each file with its content type; hashed assets are cached for good, other files revalidated", async () => {
    const cases: [string, string, string][] = [
      ["/console/index.html", "text/html; charset=utf-8", "no-cache"],
      ["/console/assets/app-3f9a.js", "text/javascript; charset=utf-8", IMMUTABLE],
      ["/console/assets/app-3f9a.js.map", "application/json", IMMUTABLE],
      ["/console/assets/app-77c1.css", "text/css; charset=utf-8", IMMUTABLE],
      ["/console/assets/logo-1a2b.svg", "image/svg+xml", IMMUTABLE],
      ["/console/assets/logo-9c8d.png", "image/png", IMMUTABLE],
      ["/console/assets/font-5e6f.woff2", "font/woff2", IMMUTABLE],
      ["/console/manifest.json", "application/json", "no-cache"],
      ["/console/favicon.ico", "image/x-icon", "no-cache"],
    ];
    for (const [asked, type, cache] of cases) {
      const response = await get(asked);
      expect(response.status, asked).toBe(200);
      expect(response.headers["content-type"], asked).toBe(type);
      expect(response.headers["cache-control"], asked).toBe(cache);
      expectSecurityHeaders(response.headers, asked);
    }
    expect((await get("/console/assets/app-3f9a.js")).text).toBe(FILES["assets/app-3f9a.js"]);
  });

  it("answers a missing file, or a file of another type, with a 404 problem, never index.html", async () => {
    for (const asked of ["/console/assets/app-0000.js", "/console/nothing.png", "/console/notes.txt", "/console/assets.css"]) {
      const response = await get(asked);
      expect(response.status, asked).toBe(404);
      expect(response.headers["content-type"], asked).toBe("application/problem+json");
      expect((response.body as { detail: string }).detail, asked).toBe("no such file");
      expectSecurityHeaders(response.headers, asked);
    }
  });

  it("answers 304 to a revalidation of an unchanged file", async () => {
    const first = await get("/console/");
    const etag = first.headers.etag ?? "";
    expect(etag).toMatch(/^".+"$/);
    const again = await get("/console/queue", { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(again.text).toBe("");
    expectSecurityHeaders(again.headers, "304");
    expect((await get("/console/", { "if-none-match": '"other"' })).status).toBe(200);
  });
});

describe("paths that could leave the console's folder", () => {
  // Each is refused before the file system is asked: a 404 problem, never the secret next to the folder.
  const REFUSED: Readonly<Record<string, readonly string[]>> = {
    "a .. segment behind an encoded slash": ["/console/..%2Fsecret.json", "/console/assets/..%2F..%2Fsecret.json", "/console/%2e%2e%2fsecret.json", "/console/%2E%2E%2Fsecret"],
    "an encoded slash": ["/console/assets%2Fapp-3f9a.js", "/console/assets%2fapp-3f9a.js"],
    "an encoded backslash": ["/console/..%5Csecret.json", "/console/a%5Cb.js"],
    "an absolute path": ["/console/%2Fetc%2Fpasswd", `/console/${encodeURIComponent(path.join(root, "secret.json"))}`, `/console/${path.join(root, "secret.json").split("/").slice(1).join("//")}`, "/console//secret.json", "/console/C:%5Csecret.json", "/console/C:/secret.json"],
    NUL: ["/console/index.html%00.png", "/console/secret%00.json", "/console/assets/app-3f9a.js%00"],
    "a dot file": ["/console/.env", "/console/.hidden.json", "/console/assets/.hidden.js"],
    "a malformed escape": ["/console/%E0%A4%A.js", "/console/%ZZ.js"],
  };

  for (const [what, paths] of Object.entries(REFUSED)) {
    it(`refuses ${what}`, async () => {
      for (const asked of paths) {
        const response = await get(asked);
        expect(response.status, asked).toBe(404);
        expect(response.headers["content-type"], asked).toBe("application/problem+json");
        expect(response.text, asked).not.toContain(SECRET);
        expectSecurityHeaders(response.headers, asked);
        const served = await raw(asked);
        expect(served.status, `local host: ${asked}`).toBe(404);
        expect(served.body.toString("utf8"), asked).not.toContain(SECRET);
      }
    });
  }

  it("refuses a .. segment (URLs normalise them away, so the path reader is asked directly; the host's answer stays inside)", async () => {
    for (const asked of ["/console/../secret.json", "/console/assets/../../secret.json", "/console/./index.html", "/console/assets/.."]) {
      expect(consolePath(asked), asked).toEqual({ kind: "refused" });
    }
    for (const asked of ["/console/../secret.json", "/console/assets/../../secret", "/console/%2e%2e/secret.json", "/console/.%2e/.%2e/secret"]) {
      const served = await raw(asked);
      expect(served.status, asked).toBe(404);
      expect(served.body.toString("utf8"), asked).not.toContain(SECRET);
    }
  });
});

describe("the console through the local host", () => {
  it("serves the same answers at /console, bytes and headers included, beside the API under /api", async () => {
    const bare = await raw("/console");
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe("/console/");
    const index = await raw("/console/");
    expect(index.status).toBe(200);
    expect(index.body.toString("utf8")).toBe(FILES["index.html"]);
    expectSecurityHeaders(index.headers, "index");
    const png = await raw("/console/assets/logo-9c8d.png");
    expect(png.status).toBe(200);
    expect(png.headers["content-type"]).toBe("image/png");
    expect(png.headers["cache-control"]).toBe(IMMUTABLE);
    expect(png.body.equals(PNG)).toBe(true);
    expect((await raw("/console/requests/abc")).body.toString("utf8")).toBe(FILES["index.html"]);
    // The API moved nowhere: /api/health answers, the bare route does not.
    expect((await raw("/api/health")).status).toBe(200);
    expect((await raw("/health")).status).toBe(404);
    expect((await raw("/api/console/")).status).toBe(404);
  });

  it("answers 404 'not built' while the folder holds no index.html", async () => {
    renameSync(path.join(consoleDir, "index.html"), path.join(consoleDir, "index.html.away"));
    try {
      for (const asked of ["/console/", "/console/queue", "/console/assets/app-3f9a.js"]) {
        const response = await get(asked);
        expect(response.status, asked).toBe(404);
        expect(response.headers["content-type"], asked).toBe("application/problem+json");
        expect((response.body as { detail: string }).detail, asked).toBe("the console is not built: run npm run build");
        expectSecurityHeaders(response.headers, asked);
      }
      expect((await raw("/console/")).status).toBe(404);
    } finally {
      renameSync(path.join(consoleDir, "index.html.away"), path.join(consoleDir, "index.html"));
    }
    expect((await get("/console/")).status).toBe(200);
  });

  it("is registered at the site's root and left out of the OpenAPI document", async () => {
    const definition = rt.functions.find((f): f is HttpFunctionDefinition => f.kind === "http" && f.name === "console");
    expect(definition && hostRoute(definition)).toBe("console/{*path}");
    const doc = (await call(rt.fn.openApiHandler, { path: "/api/openapi.json" })).body as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => !p.startsWith("/api/"))).toEqual([]);
    expect(doc.paths).toHaveProperty("/api/me");
  });
});

describe("GET /api/me", () => {
  const WHO: Readonly<Record<KeyName, { id: string; role: Role; orgs: "*" | string[] }>> = {
    admin: { id: "admin", role: "privacy-admin", orgs: "*" },
    operator: { id: "operator", role: "privacy-operator", orgs: [ORG_A] },
    auditor: { id: "auditor", role: "auditor", orgs: [ORG_A] },
    service: { id: "service", role: "service", orgs: [ORG_A] },
    operatorB: { id: "operator-b", role: "privacy-operator", orgs: [ORG_B] },
  };

  it("answers every role with who it is and exactly the actions its role may perform", async () => {
    for (const key of Object.keys(WHO) as KeyName[]) {
      const who = WHO[key];
      const response = await call(rt.fn.meHandler, { path: "/api/me", key });
      expect(response.status, key).toBe(200);
      const actions = ACTIONS.filter((action) => mayPerform({ ...who, kind: "api-key" }, action));
      expect(response.body, key).toEqual({ ...who, kind: "api-key", actions });
    }
    const admin = (await call(rt.fn.meHandler, { path: "/api/me", key: "admin" })).body as { actions: string[] };
    expect(admin.actions).toEqual([...ACTIONS]);
    const service = (await call(rt.fn.meHandler, { path: "/api/me", key: "service" })).body as { actions: string[] };
    expect(service.actions).toEqual(["request:open", "status:read"]);
  });

  it("refuses no key and a bad key with 401, and answers through the local host", async () => {
    expect((await call(rt.fn.meHandler, { path: "/api/me", key: null })).status).toBe(401);
    expect((await call(rt.fn.meHandler, { path: "/api/me", key: null, headers: { authorization: "Bearer not-a-key-at-all" } })).status).toBe(401);
    const served = await fetch(`${host.url}/api/me`, { headers: { authorization: `Bearer ${KEYS.auditor}` } });
    expect(served.status).toBe(200);
    expect(((await served.json()) as { role: string }).role).toBe("auditor");
  });
});
