import { z } from "zod";

// The data map: where the platform keeps data about people, how to recognise a subject's items, and
// what each category means for export and erasure. A JSON document, validated here; the default
// (src/config/platform-data-map.json) describes the platform's data model, a deployment points a
// setting at its own.
//
// Discovery works with typed keys: `contactId`, `userId`, `phone`, `email` (the identifiers a
// request can name) and any entity key a map declares (`conversationId`, ...). A container's
// `matches` say which fields make an item the subject's (a field equal to a known key of that
// kind); its `keys` say which fields of a found item become new keys (references).

export const IDENTIFIER_KIND_VALUES = ["contactId", "userId", "phone", "email"] as const;

const slug = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, "must be lowercase letters, digits and '-'");
const keyKind = z.string().regex(/^[a-z][A-Za-z0-9]{0,62}$/, "must be a camelCase key kind, e.g. contactId");
/** `a.b.c`, with `[]` after a segment for an array (`tags[]`, `participants[].phone`). */
export const FieldPath = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(?:\[\])?(?:\.[A-Za-z_][A-Za-z0-9_]*(?:\[\])?)*$/, "must be a field path like customer.phone or tags[]");

export const LAWFUL_BASES = ["consent", "contract", "legal-obligation", "legitimate-interests", "vital-interests", "public-task"] as const;

export const Category = z.strictObject({
  id: slug,
  description: z.string().min(1),
  purposes: z.array(z.string().min(1)).min(1),
  recipients: z.array(z.string().min(1)),
  retention: z.string().min(1),
  source: z.string().min(1),
  lawfulBasis: z.enum(LAWFUL_BASES),
});
export type Category = z.infer<typeof Category>;

const FieldKey = z.strictObject({ path: FieldPath, kind: keyKind });
export type FieldKey = z.infer<typeof FieldKey>;

/** `redact` writes a fixed marker, `null` clears the value; both are idempotent patches. */
export const ANONYMISATION_STRATEGIES = ["redact", "null"] as const;

export const ItemErasure = z.discriminatedUnion("action", [
  z.strictObject({ action: z.literal("delete") }),
  z.strictObject({
    action: z.literal("anonymise"),
    reason: z.string().min(1),
    fields: z.array(z.strictObject({ path: FieldPath, strategy: z.enum(ANONYMISATION_STRATEGIES) })).min(1),
  }),
  z.strictObject({ action: z.literal("keep"), reason: z.string().min(1) }),
]);
export type ItemErasure = z.infer<typeof ItemErasure>;

export const ContainerMapping = z.strictObject({
  name: slug,
  /** `platform` means the PLATFORM_DATABASE setting; anything else is a database id. */
  database: z.string().min(1),
  container: z.string().min(1),
  partitionKey: z.string().regex(/^\/[A-Za-z_][A-Za-z0-9_]*$/, "must be a top-level path like /orgId"),
  /** The field holding the org id; every query filters on it. */
  orgField: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default("orgId"),
  category: slug,
  matches: z.array(FieldKey),
  keys: z.array(FieldKey).default([]),
  personalFields: z.array(FieldPath),
  erasure: ItemErasure,
  activityField: FieldPath.optional(),
  /** Which inactivity period of the org's policy the retention sweep applies; `org`: the item is the org itself (offboarded). */
  retentionPeriod: z.enum(["contact", "account", "org"]).optional(),
  /** An ISO date (YYYY-MM-DD) of birth: the children's-data sweep reads it. */
  birthDateField: FieldPath.optional(),
  /** `{ verified: boolean }` when a parent consented; a verified consent keeps a child's record. */
  parentalConsentField: FieldPath.optional(),
  providedBySubject: z.boolean(),
  /** Also exported as CSV (flat enough to read as a table). */
  tabular: z.boolean().default(true),
});
export type ContainerMapping = z.infer<typeof ContainerMapping>;

export const BlobLayout = z.strictObject({
  name: slug,
  /** `assets` means the PRIVACY_ASSETS_CONTAINER setting; anything else is a container name. */
  container: z.string().min(1),
  /** A path prefix with `{orgId}` and at most one key placeholder, e.g. `{orgId}/chat-media/{contactId}/`. */
  pathTemplate: z.string().regex(/^\{orgId\}\/[^{}]*(?:\{[a-z][A-Za-z0-9]*\}[^{}]*)?$/, "must start with {orgId}/ and hold at most one other {placeholder}"),
  category: slug,
  content: z.discriminatedUnion("type", [
    z.strictObject({ type: z.literal("file") }),
    z.strictObject({
      type: z.literal("csv-rows"),
      /** Column name → the identifier kind it holds. */
      columns: z.record(z.string().min(1), z.enum(IDENTIFIER_KIND_VALUES)).refine((c) => Object.keys(c).length > 0, "needs at least one column"),
    }),
  ]),
  providedBySubject: z.boolean(),
});
export type BlobLayout = z.infer<typeof BlobLayout>;

/** How a rectified value is checked and normalised; `phone` and `email` are identifiers too. */
export const RECTIFIABLE_TYPES = ["text", "phone", "email", "date"] as const;

/**
 * A field a subject may have corrected (Art. 16) and every place it lives: `record` places are
 * the subject's own record (set always), copies are set only where the item already holds the
 * field (an order's customer name, a campaign send's phone).
 */
export const RectifiableField = z.strictObject({
  field: z.string().regex(/^[a-z][A-Za-z0-9]{0,62}$/, "must be a camelCase field name, e.g. name"),
  type: z.enum(RECTIFIABLE_TYPES),
  places: z
    .array(
      z.strictObject({
        container: slug,
        path: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/, "must be a field path without arrays, like customer.name"),
        copy: z.boolean().default(false),
      }),
    )
    .min(1),
});
export type RectifiableField = z.infer<typeof RectifiableField>;

export const DataMapSchema = z
  .strictObject({
    version: z.literal(1),
    categories: z.array(Category).min(1),
    containers: z.array(ContainerMapping).min(1),
    blobs: z.array(BlobLayout),
    rectification: z.array(RectifiableField).default([]),
  })
  .superRefine((map, ctx) => {
    const categories = new Set(map.categories.map((c) => c.id));
    const produced = new Set<string>(IDENTIFIER_KIND_VALUES);
    for (const container of map.containers) for (const key of container.keys) produced.add(key.kind);
    const unique = (names: string[], path: string) => {
      const seen = new Set<string>();
      names.forEach((name, i) => {
        if (seen.has(name)) ctx.addIssue({ code: "custom", path: [path, i, "name"], message: `duplicate name ${name}` });
        seen.add(name);
      });
    };
    unique(map.containers.map((c) => c.name), "containers");
    unique(map.blobs.map((b) => b.name), "blobs");
    unique(map.categories.map((c) => c.id), "categories");
    map.containers.forEach((container, i) => {
      if (!categories.has(container.category)) {
        ctx.addIssue({ code: "custom", path: ["containers", i, "category"], message: `unknown category ${container.category}` });
      }
      if (container.partitionKey !== `/${container.orgField}`) {
        ctx.addIssue({ code: "custom", path: ["containers", i, "partitionKey"], message: `must be /${container.orgField}: discovery stays inside the org's partition` });
      }
      container.matches.forEach((match, j) => {
        if (!produced.has(match.kind)) {
          ctx.addIssue({ code: "custom", path: ["containers", i, "matches", j, "kind"], message: `no container produces keys of kind ${match.kind}` });
        }
      });
    });
    const containerNames = new Set(map.containers.map((c) => c.name));
    unique(map.rectification.map((f) => f.field), "rectification");
    map.rectification.forEach((field, i) => {
      field.places.forEach((place, j) => {
        if (!containerNames.has(place.container)) {
          ctx.addIssue({ code: "custom", path: ["rectification", i, "places", j, "container"], message: `unknown container ${place.container}` });
        }
      });
    });
    map.blobs.forEach((layout, i) => {
      if (!categories.has(layout.category)) {
        ctx.addIssue({ code: "custom", path: ["blobs", i, "category"], message: `unknown category ${layout.category}` });
      }
      const bound = boundKind(layout);
      if (bound !== undefined && !produced.has(bound)) {
        ctx.addIssue({ code: "custom", path: ["blobs", i, "pathTemplate"], message: `no container produces keys of kind ${bound}` });
      }
      if (bound === undefined && layout.content.type === "file") {
        ctx.addIssue({ code: "custom", path: ["blobs", i, "pathTemplate"], message: "a file layout must bind a key, e.g. {contactId}" });
      }
    });
  });
export type DataMap = z.infer<typeof DataMapSchema>;

/** The key kind a layout's path template binds, if any. */
export function boundKind(layout: Pick<BlobLayout, "pathTemplate">): string | undefined {
  return /\{([a-z][A-Za-z0-9]*)\}/.exec(layout.pathTemplate.replace("{orgId}", ""))?.[1];
}

/** The listing prefix of a layout for one org and, where it binds one, one key value. */
export function layoutPrefix(layout: Pick<BlobLayout, "pathTemplate">, orgId: string, keyValue?: string): string {
  const kind = boundKind(layout);
  const withOrg = layout.pathTemplate.replace("{orgId}", orgId);
  if (kind === undefined) return withOrg;
  if (keyValue === undefined) throw new Error(`layout binds {${kind}} but no value was given`);
  const at = withOrg.indexOf(`{${kind}}`);
  // Listing stops at the placeholder's value: nothing after it is known in advance.
  return `${withOrg.slice(0, at)}${keyValue}${withOrg.slice(at + kind.length + 2)}`;
}

export class DataMapError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid data map:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "DataMapError";
  }
}

/** Parses a data map, naming the place of every problem (`containers[3].matches[0].kind: ...`). */
export function parseDataMap(input: unknown): DataMap {
  const parsed = DataMapSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new DataMapError(
    parsed.error.issues.map((issue) => {
      const where = issue.path.reduce<string>((acc, seg) => (typeof seg === "number" ? `${acc}[${seg}]` : acc === "" ? String(seg) : `${acc}.${String(seg)}`), "");
      return `${where === "" ? "(root)" : where}: ${issue.message}`;
    }),
  );
}

export function categoryOf(map: DataMap, id: string): Category {
  const category = map.categories.find((c) => c.id === id);
  if (category === undefined) throw new Error(`unknown category ${id}`);
  return category;
}
