import { z } from "zod";
import { hostRoute, type HttpFunctionDefinition } from "../hosting/definition.js";
import type { OpenApiDocumentView } from "./system-view.js";

type JsonSchema = Record<string, unknown>;

/** The OpenAPI path of a route: `/api/` and the route (as served), parameter constraints, `*` and `?` dropped. */
export function openApiPath(definition: Pick<HttpFunctionDefinition, "prefix" | "route">): string {
  return `/${hostRoute(definition)}`.replace(/\{\*{0,2}([A-Za-z0-9_]+)(?::[^}?]+)?\??\}/g, "{$1}");
}

/** Whether a route is part of the API: served under /api and not marked otherwise (the console is not). */
export function isApiRoute(definition: Pick<HttpFunctionDefinition, "prefix" | "doc">): boolean {
  return (definition.prefix ?? "api") === "api" && definition.doc.api !== false;
}

/** Whether a documented response is a problem (an error status whose body is the Problem schema). */
export function isProblemResponse(status: number, body: z.ZodType | undefined): boolean {
  return status >= 400 && body !== undefined && z.globalRegistry.get(body)?.id === "Problem";
}

/**
 * The OpenAPI 3.1 document, generated from the HTTP function definitions and the same zod
 * schemas that validate requests. OpenAPI 3.1 uses JSON Schema 2020-12, which zod emits.
 * Schemas that carry a `.meta({ id })` become named components. Only the API's routes are
 * described (see isApiRoute) unless `everyRoute` is set (the tests' check of a route's responses
 * reads the console's documented responses the same way).
 */
export function buildOpenApi(
  definitions: readonly HttpFunctionDefinition[],
  info: { title: string; version: string },
  options: { everyRoute?: boolean } = {},
): OpenApiDocumentView {
  const components: Record<string, JsonSchema> = {};
  /** zod emits named schemas as `$defs` with `#/$defs/X` references: hoist them to components. */
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== "object") return value;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      if (key === "$schema" || key === "$defs") continue;
      out[key] = key === "$ref" && typeof child === "string" ? child.replace(/^#\/\$defs\//, "#/components/schemas/") : rewrite(child);
    }
    return out;
  };
  const schemaOf = (schema: z.ZodType, io: "input" | "output"): JsonSchema => {
    const json = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as JsonSchema;
    const defs = (json.$defs ?? {}) as Record<string, JsonSchema>;
    for (const [id, definition] of Object.entries(defs)) {
      const { id: _id, ...body } = definition;
      const shown = rewrite(body) as JsonSchema;
      // One name, one schema: two schemas under one id would show one of them for both.
      const known = components[id];
      if (known !== undefined && JSON.stringify(known) !== JSON.stringify(shown)) throw new Error(`Two different schemas carry the id ${id}`);
      components[id] = shown;
    }
    return rewrite(json) as JsonSchema;
  };

  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const definition of definitions) {
    if (options.everyRoute !== true && !isApiRoute(definition)) continue;
    const { doc } = definition;
    const path = openApiPath(definition);
    const parameters: unknown[] = [];
    for (const [name, schema] of Object.entries(doc.params ?? {})) {
      parameters.push({ name, in: "path", required: true, schema: schemaOf(schema, "input") });
    }
    if (doc.query !== undefined) {
      const query = schemaOf(doc.query, "input") as { properties?: Record<string, JsonSchema>; required?: string[] };
      for (const [name, schema] of Object.entries(query.properties ?? {})) {
        parameters.push({ name, in: "query", required: query.required?.includes(name) ?? false, schema });
      }
    }
    for (const [name, header] of Object.entries(doc.headers ?? {})) {
      parameters.push({ name, in: "header", required: header.required ?? false, description: header.description, schema: { type: "string" } });
    }
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(doc.responses)) {
      const problem = isProblemResponse(Number(status), response.body);
      const content: Record<string, unknown> = {};
      if (response.body !== undefined) content[problem ? "application/problem+json" : "application/json"] = { schema: schemaOf(response.body, "output") };
      // A body that is not JSON (a file): its media types, without a schema.
      for (const media of response.media ?? []) content[media] = {};
      responses[status] = { description: response.description, ...(Object.keys(content).length === 0 ? {} : { content }) };
    }
    for (const method of definition.methods) {
      paths[path] ??= {};
      paths[path][method.toLowerCase()] = {
        operationId: definition.name,
        summary: doc.summary,
        ...(doc.tags === undefined ? {} : { tags: doc.tags }),
        ...(parameters.length === 0 ? {} : { parameters }),
        ...(doc.body === undefined
          ? {}
          : { requestBody: { required: true, content: { "application/json": { schema: schemaOf(doc.body, "input") } } } }),
        responses,
        security: doc.anonymous ? [] : [{ bearerKey: [] }],
      };
    }
  }
  return {
    openapi: "3.1.0",
    info,
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    servers: [{ url: "/" }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearerKey: { type: "http", scheme: "bearer", description: "An API key from PRIVACY_API_KEYS (or PRIVACY_DEV_API_KEY locally)" },
      },
    },
  };
}
