import { toEngineError } from "../src/domain/errors.js";
import type { EngineDeps } from "../src/engine/deps.js";
import type { HttpFunctionDefinition } from "../src/hosting/definition.js";
import { endpoint, json } from "../src/http/endpoint.js";
import { buildOpenApi } from "../src/http/openapi.js";
import { ENGINE_VERSION } from "../src/version.js";
import { problemDoc, SERVER_FAULTS } from "../src/http/problem.js";
import { DataMapView, HealthView, MeView, OpenApiDocumentView, toMeView } from "../src/http/system-view.js";

// Health (anonymous), the caller (`me`), the data map and the OpenAPI document.

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(new Error("timed out"));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function systemHandlers(deps: EngineDeps) {
  const healthHandler = endpoint(deps, {
    anonymous: true,
    handle: async ({ deps }) => {
      const results = await Promise.all(
        deps.health.map(async (probe): Promise<[string, HealthView["stores"][string]]> => {
          try {
            await withTimeout(probe.check(), 5000);
            return [probe.name, { ok: true }];
          } catch (thrown) {
            return [probe.name, { ok: false, error: toEngineError(thrown).code === "internal" ? "not answering" : "unavailable" }];
          }
        }),
      );
      const ok = results.every(([, r]) => r.ok);
      const health: HealthView = { status: ok ? "ok" : "degraded", version: ENGINE_VERSION, stores: Object.fromEntries(results) };
      return json(ok ? 200 : 503, health);
    },
  });

  let openApiDocument: string | undefined;

  /** Any caller may read the API description (every route but health needs a caller). */
  const openApiHandler = endpoint(deps, {
    handle: async () => {
      if (openApiDocument === undefined) {
        // Imported at call time: the list of all functions includes this one. Only the
        // descriptions are read; the handlers built alongside them are never called.
        const { allFunctions } = await import("./all.js");
        const http = allFunctions(deps).filter((f): f is HttpFunctionDefinition => f.kind === "http");
        openApiDocument = JSON.stringify(buildOpenApi(http, { title: "privacy-engine", version: ENGINE_VERSION }));
      }
      return { status: 200, headers: { "content-type": "application/json" }, body: openApiDocument };
    },
  });

  /** The caller as the engine sees it: any authenticated caller may ask who it is and what its role may do. */
  const meHandler = endpoint(deps, {
    handle: ({ caller }) => Promise.resolve(json(200, toMeView(caller))),
  });

  /** The active data map (privacy roles and auditors). */
  const dataMapHandler = endpoint(deps, {
    action: "request:read",
    handle: ({ deps }) => {
      const shown: DataMapView = deps.dataMap;
      return Promise.resolve(json(200, shown));
    },
  });

  return { healthHandler, meHandler, openApiHandler, dataMapHandler };
}

export type SystemHandlers = ReturnType<typeof systemHandlers>;

export function systemFunctions(deps: EngineDeps, h: SystemHandlers = systemHandlers(deps)): readonly HttpFunctionDefinition[] {
  return [
    {
      kind: "http",
      name: "data-map",
      methods: ["GET"],
      route: "data-map",
      handler: h.dataMapHandler,
      doc: {
        summary: "The active data map: containers, blob layouts, categories",
        tags: ["system"],
        responses: { 200: { description: "The data map", body: DataMapView }, 401: problemDoc("No or bad credentials"), 403: problemDoc("Role may not read"), ...SERVER_FAULTS },
      },
    },
    {
      kind: "http",
      name: "health",
      methods: ["GET"],
      route: "health",
      handler: h.healthHandler,
      doc: {
        summary: "Whether each store answers",
        tags: ["system"],
        anonymous: true,
        responses: { 200: { description: "All stores answer", body: HealthView }, 500: SERVER_FAULTS[500], 503: { description: "A store does not answer", body: HealthView } },
      },
    },
    {
      kind: "http",
      name: "me",
      methods: ["GET"],
      route: "me",
      handler: h.meHandler,
      doc: {
        summary: "The caller as the engine sees it: id, role, orgs and the actions its role may perform",
        tags: ["system"],
        responses: { 200: { description: "The caller", body: MeView }, 401: problemDoc("No or bad credentials"), ...SERVER_FAULTS },
      },
    },
    {
      kind: "http",
      name: "openapi",
      methods: ["GET"],
      route: "openapi.json",
      handler: h.openApiHandler,
      doc: { summary: "This API's OpenAPI 3.1 document", tags: ["system"], responses: { 200: { description: "OpenAPI 3.1 document", body: OpenApiDocumentView }, 401: problemDoc("No or bad credentials"), ...SERVER_FAULTS } },
    },
  ];
}
