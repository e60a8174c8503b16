import { z } from "zod";
import { Role } from "../config/settings.js";
import { ACTIONS, mayPerform, type Caller } from "../domain/access.js";
import { DataMapSchema } from "../domain/data-map.js";

// The system routes' bodies as the API shows them: health, the caller, the data map, the OpenAPI document.

export const StoreHealthView = z.object({ ok: z.boolean(), error: z.enum(["not answering", "unavailable"]).optional() });

export const HealthView = z
  .object({
    status: z.enum(["ok", "degraded"]),
    version: z.string(),
    stores: z.record(z.string(), StoreHealthView).describe("per store: whether it answered within 5 s"),
  })
  .meta({ id: "Health" });
export type HealthView = z.infer<typeof HealthView>;

/** The caller as the engine sees it, and what its role may do (the console shows only those actions). */
export const MeView = z
  .object({
    id: z.string().describe("the key id or principal id"),
    kind: z.enum(["api-key", "principal"]),
    role: Role,
    orgs: z.union([z.literal("*"), z.array(z.string())]).describe('"*": every org; else the orgs the caller acts on'),
    actions: z.array(z.enum(ACTIONS)).describe("the actions the role may perform, in the order of the permission table's list"),
  })
  .meta({ id: "Me" });
export type MeView = z.infer<typeof MeView>;

export function toMeView(caller: Caller): MeView {
  return {
    id: caller.id,
    kind: caller.kind,
    role: caller.role,
    orgs: caller.orgs === "*" ? "*" : [...caller.orgs],
    actions: ACTIONS.filter((action) => mayPerform(caller, action)),
  };
}

/** The active data map, as loaded (defaults filled in). */
export const DataMapView = DataMapSchema.meta({ id: "DataMap" });
export type DataMapView = z.infer<typeof DataMapView>;

const JsonObject = z.record(z.string(), z.unknown());

/** The OpenAPI 3.1 document `buildOpenApi` writes; its schemas are JSON Schema 2020-12, shown here only as objects. */
export const OpenApiDocumentView = z
  .object({
    openapi: z.literal("3.1.0"),
    info: z.object({ title: z.string(), version: z.string() }),
    jsonSchemaDialect: z.string(),
    servers: z.array(z.object({ url: z.string() })),
    paths: z.record(z.string(), z.record(z.string(), JsonObject)).describe("per path, per method: the operation"),
    components: z.object({
      schemas: z.record(z.string(), JsonObject),
      securitySchemes: z.record(z.string(), JsonObject),
    }),
  })
  .meta({ id: "OpenApiDocument" });
export type OpenApiDocumentView = z.infer<typeof OpenApiDocumentView>;
