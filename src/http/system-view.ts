import { z } from "zod";
import { DataMapSchema } from "../domain/data-map.js";

// The system routes' bodies as the API shows them: health, the data map, the OpenAPI document.

export const StoreHealthView = z.object({ ok: z.boolean(), error: z.enum(["not answering", "unavailable"]).optional() });

export const HealthView = z
  .object({
    status: z.enum(["ok", "degraded"]),
    version: z.string(),
    stores: z.record(z.string(), StoreHealthView).describe("per store: whether it answered within 5 s"),
  })
  .meta({ id: "Health" });
export type HealthView = z.infer<typeof HealthView>;

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
