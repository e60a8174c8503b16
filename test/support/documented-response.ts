import type { z } from "zod";
import type { FunctionDefinition, HttpFunctionDefinition } from "../../src/hosting/definition.js";
import { buildOpenApi, openApiPath } from "../../src/http/openapi.js";

// Checks a response against what the OpenAPI document says of its route: the status must be one
// the route documents, the content type the documented one, and the body must match the schema
// the document shows, strictly: a property the schema does not name is an error. The check reads
// the JSON Schema of the generated document itself (what a client sees), then parses the body
// with the route's zod schema too (refinements the JSON Schema cannot show). A media type the
// document shows without a schema (the console's files) is a body of that type, not checked further.

type Json = Record<string, unknown>;
type Handler = HttpFunctionDefinition["handler"];

interface Issue {
  readonly path: string;
  readonly message: string;
}

interface DocumentedResponse {
  /** Each documented media type and its schema (undefined: a body not described further); empty: no body. */
  readonly media: ReadonlyMap<string, Json | undefined>;
  readonly zod: z.ZodType | undefined;
}

interface Documented {
  readonly components: Readonly<Record<string, Json>>;
  readonly responses: ReadonlyMap<number, DocumentedResponse>;
}

const documents = new WeakMap<HttpFunctionDefinition, Documented>();

const isObject = (value: unknown): value is Json => value !== null && typeof value === "object" && !Array.isArray(value);

/** The route's documented responses, read from the OpenAPI document generated for it alone. */
function documentedOf(definition: HttpFunctionDefinition): Documented {
  const known = documents.get(definition);
  if (known !== undefined) return known;
  const doc = buildOpenApi([definition], { title: definition.name, version: "check" }, { everyRoute: true });
  const operation = Object.values(Object.values(doc.paths)[0] ?? {})[0];
  const documentedResponses = isObject(operation?.responses) ? operation.responses : {};
  const responses = new Map<number, DocumentedResponse>();
  for (const [status, response] of Object.entries(documentedResponses)) {
    const content = isObject(response) && isObject(response.content) ? response.content : {};
    const media = new Map(Object.entries(content).map(([type, shown]) => [type, isObject(shown) && isObject(shown.schema) ? shown.schema : undefined] as const));
    responses.set(Number(status), { media, zod: definition.doc.responses[Number(status)]?.body });
  }
  const documented = { components: doc.components.schemas as Record<string, Json>, responses };
  documents.set(definition, documented);
  return documented;
}

// --- A strict JSON Schema check, for the keywords zod emits -------------------------------------

/** Keywords that describe and do not constrain. `format` is an annotation in 2020-12; zod emits a `pattern` beside it. */
const ANNOTATIONS = new Set(["description", "title", "default", "examples", "deprecated", "readOnly", "writeOnly", "$comment", "id", "format", "contentEncoding", "contentMediaType"]);
const KEYWORDS = new Set([
  "$ref", "type", "enum", "const", "properties", "required", "additionalProperties", "propertyNames", "items", "prefixItems",
  "minItems", "maxItems", "minLength", "maxLength", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
  "multipleOf", "anyOf", "oneOf", "allOf", "not", "minProperties", "maxProperties",
]);

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

const patterns = new Map<string, RegExp>();

/** JSON Schema patterns are ECMA-262 regular expressions; some of zod's are not valid in unicode mode. */
function pattern(source: string): RegExp {
  let compiled = patterns.get(source);
  if (compiled === undefined) {
    try {
      compiled = new RegExp(source, "u");
    } catch {
      compiled = new RegExp(source);
    }
    patterns.set(source, compiled);
  }
  return compiled;
}

const show = (value: unknown): string => {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

const child = (path: string, key: string | number): string => (typeof key === "number" ? `${path}[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`);

class StrictCheck {
  constructor(
    private readonly components: Readonly<Record<string, Json>>,
    private readonly root: Json,
  ) {}

  check(value: unknown, schema: unknown, path: string): Issue[] {
    if (schema === true || (isObject(schema) && Object.keys(schema).every((k) => ANNOTATIONS.has(k)))) return [];
    if (schema === false) return [{ path, message: "is not documented" }];
    if (!isObject(schema)) return [{ path, message: `has a schema the checker cannot read: ${show(schema)}` }];
    const unknown = Object.keys(schema).filter((k) => !KEYWORDS.has(k) && !ANNOTATIONS.has(k));
    if (unknown.length > 0) return [{ path, message: `has a schema with keywords the checker does not know (${unknown.join(", ")}): it cannot check it` }];
    if (typeof schema.$ref === "string") {
      const issues = this.check(value, this.resolve(schema.$ref, path), path);
      if (issues.length > 0) return issues;
    }
    const typed = this.type(value, schema, path);
    if (typed.length > 0) return typed;
    return [...this.values(value, schema, path), ...this.objects(value, schema, path), ...this.arrays(value, schema, path), ...this.combined(value, schema, path)];
  }

  private resolve(ref: string, path: string): unknown {
    if (ref === "#") return this.root;
    const name = /^#\/(?:components\/schemas|\$defs)\/(.+)$/.exec(ref)?.[1];
    const target = name === undefined ? undefined : this.components[name];
    if (target === undefined) throw new Error(`${path}: the document refers to ${ref}, which it does not hold`);
    return target;
  }

  private type(value: unknown, schema: Json, path: string): Issue[] {
    if (schema.type === undefined) return [];
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const actual = jsonType(value);
    const fits = types.some((t) => t === actual || (t === "number" && actual === "integer"));
    return fits ? [] : [{ path, message: `is ${actual} ${show(value)}, documented as ${types.join(" or ")}` }];
  }

  private values(value: unknown, schema: Json, path: string): Issue[] {
    const issues: Issue[] = [];
    const equal = (a: unknown) => JSON.stringify(a) === JSON.stringify(value);
    if (Array.isArray(schema.enum) && !schema.enum.some(equal)) issues.push({ path, message: `is ${show(value)}, documented as one of ${show(schema.enum)}` });
    if ("const" in schema && !equal(schema.const)) issues.push({ path, message: `is ${show(value)}, documented as ${show(schema.const)}` });
    if (typeof value === "string") {
      // JSON Schema counts code points.
      const length = Array.from(value).length;
      if (typeof schema.minLength === "number" && length < schema.minLength) issues.push({ path, message: `is shorter than ${schema.minLength}` });
      if (typeof schema.maxLength === "number" && length > schema.maxLength) issues.push({ path, message: `is longer than ${schema.maxLength}` });
      if (typeof schema.pattern === "string" && !pattern(schema.pattern).test(value)) issues.push({ path, message: `${show(value)} does not match ${schema.pattern}` });
    }
    if (typeof value === "number") {
      if (typeof schema.minimum === "number" && value < schema.minimum) issues.push({ path, message: `is below ${schema.minimum}` });
      if (typeof schema.maximum === "number" && value > schema.maximum) issues.push({ path, message: `is above ${schema.maximum}` });
      if (typeof schema.exclusiveMinimum === "number" && value <= schema.exclusiveMinimum) issues.push({ path, message: `is not above ${schema.exclusiveMinimum}` });
      if (typeof schema.exclusiveMaximum === "number" && value >= schema.exclusiveMaximum) issues.push({ path, message: `is not below ${schema.exclusiveMaximum}` });
      if (typeof schema.multipleOf === "number" && !Number.isInteger(value / schema.multipleOf)) issues.push({ path, message: `is not a multiple of ${schema.multipleOf}` });
    }
    return issues;
  }

  /**
   * Properties: the documented ones are checked, and any other is an error unless the schema
   * says what else the object may hold (`additionalProperties`: a record's values, or `{}`). An
   * object schema that names its properties and says nothing of others documents only those.
   */
  private objects(value: unknown, schema: Json, path: string): Issue[] {
    if (!isObject(value)) return [];
    const issues: Issue[] = [];
    const properties = isObject(schema.properties) ? schema.properties : {};
    const required = Array.isArray(schema.required) ? schema.required : [];
    for (const name of required) if (typeof name === "string" && !(name in value)) issues.push({ path: child(path, name), message: "is required and missing" });
    const count = Object.keys(value).length;
    if (typeof schema.minProperties === "number" && count < schema.minProperties) issues.push({ path, message: `has fewer than ${schema.minProperties} properties` });
    if (typeof schema.maxProperties === "number" && count > schema.maxProperties) issues.push({ path, message: `has more than ${schema.maxProperties} properties` });
    const others = "additionalProperties" in schema ? schema.additionalProperties : isObject(schema.properties) ? false : true;
    for (const [name, member] of Object.entries(value)) {
      const at = child(path, name);
      if (schema.propertyNames !== undefined) issues.push(...this.check(name, schema.propertyNames, `${at} (its name)`));
      issues.push(...(name in properties ? this.check(member, properties[name], at) : this.check(member, others, at)));
    }
    return issues;
  }

  private arrays(value: unknown, schema: Json, path: string): Issue[] {
    if (!Array.isArray(value)) return [];
    const issues: Issue[] = [];
    if (typeof schema.minItems === "number" && value.length < schema.minItems) issues.push({ path, message: `has fewer than ${schema.minItems} items` });
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems) issues.push({ path, message: `has more than ${schema.maxItems} items` });
    const prefix: readonly unknown[] = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
    value.forEach((item, index) => {
      const itemSchema = index < prefix.length ? prefix[index] : (schema.items ?? true);
      issues.push(...this.check(item, itemSchema, child(path, index)));
    });
    return issues;
  }

  private combined(value: unknown, schema: Json, path: string): Issue[] {
    const issues: Issue[] = [];
    if (Array.isArray(schema.allOf)) for (const part of schema.allOf) issues.push(...this.check(value, part, path));
    for (const keyword of ["anyOf", "oneOf"] as const) {
      const options = schema[keyword];
      if (!Array.isArray(options)) continue;
      const results = options.map((option) => this.check(value, option, path));
      const passing = results.filter((r) => r.length === 0).length;
      if (passing === 0) {
        // The alternative it came closest to says best what is wrong.
        const closest = [...results].sort((a, b) => a.length - b.length)[0] ?? [];
        issues.push({ path, message: `matches none of the ${options.length} documented alternatives` }, ...closest);
      } else if (keyword === "oneOf" && passing > 1) {
        issues.push({ path, message: `matches ${passing} of the alternatives documented as exclusive (oneOf)` });
      }
    }
    if (schema.not !== undefined && this.check(value, schema.not, path).length === 0) issues.push({ path, message: "matches a schema it is documented not to match" });
    return issues;
  }
}

function headerOf(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  return Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
}

const mediaType = (value: string | undefined) => value?.split(";")[0]?.trim().toLowerCase();

/**
 * Throws, naming the route and what is wrong, unless the response is one its definition
 * documents: a documented status, the documented content type, and a body matching the
 * documented schema exactly (or no body where none is documented). `body` is the parsed JSON,
 * `undefined` for an empty body.
 */
export function checkDocumented(definition: HttpFunctionDefinition, status: number, headers: Readonly<Record<string, string>>, body: unknown): void {
  const { components, responses } = documentedOf(definition);
  const where = `${definition.name} (${definition.methods.join("/")} ${openApiPath(definition)}) answered ${status}`;
  const documented = responses.get(status);
  if (documented === undefined) {
    throw new Error(`${where}, a status it does not document (it documents ${[...responses.keys()].join(", ")}); body: ${show(body)}`);
  }
  if (documented.media.size === 0) {
    if (body !== undefined) throw new Error(`${where} with a body, but documents none for ${status}: ${show(body)}`);
    return;
  }
  const sent = mediaType(headerOf(headers, "content-type"));
  if (sent === undefined || !documented.media.has(sent)) throw new Error(`${where} as ${sent ?? "no content type"}, documented as ${[...documented.media.keys()].join(" or ")}`);
  if (body === undefined) throw new Error(`${where} without a body, but documents one for ${status}`);
  const schema = documented.media.get(sent);
  // A file of a documented type: its bytes are not the API's to describe.
  if (schema === undefined) return;
  const issues = new StrictCheck(components, schema).check(body, schema, "body");
  if (issues.length === 0 && documented.zod !== undefined) {
    const parsed = documented.zod.safeParse(body);
    if (!parsed.success) issues.push(...parsed.error.issues.map((i) => ({ path: ["body", ...i.path.map(String)].join("."), message: `${i.message} (zod)` })));
  }
  if (issues.length > 0) {
    const shown = issues.slice(0, 12).map((i) => `  ${i.path} ${i.message}`);
    if (issues.length > shown.length) shown.push(`  ... and ${issues.length - shown.length} more`);
    throw new Error(`${where} with a body its documented schema does not allow:\n${shown.join("\n")}`);
  }
}

/** Finds the definition of a handler (by identity) among the given functions; `undefined` for one not among them. */
export function documentedLookup(definitions: readonly FunctionDefinition[]): (handler: Handler) => HttpFunctionDefinition | undefined {
  const byHandler = new Map<Handler, HttpFunctionDefinition>();
  for (const definition of definitions) {
    if (definition.kind !== "http") continue;
    const known = byHandler.get(definition.handler);
    if (known !== undefined) throw new Error(`${known.name} and ${definition.name} share one handler: a response could not be told apart`);
    byHandler.set(definition.handler, definition);
  }
  return (handler) => byHandler.get(handler);
}
