import type { DataMap } from "../domain/data-map.js";

// The documented format of portability packages (GDPR Art. 20, Quebec Law 25 Art. 27).

export const PORTABILITY_README = `Portable copy of your personal data

data/<category>.json   A JSON array. Each element is {"source": <where it was kept>, "item": <the record as stored>}.
                       schema.json describes these files (JSON Schema 2020-12).
data/<category>-<source>.csv
                       The same records as CSV (UTF-8, comma-separated, RFC 4180). Nested fields are
                       columns named with dots (customer.phone); lists are JSON text; fields that
                       appear only in later records are in the column _more as JSON.
files/                 Files you provided (for example media you sent in chats).
summary.html           What the data is, why it is used, who receives it and how long it is kept.
`;

export function portabilitySchema(map: DataMap): Record<string, unknown> {
  const sources = map.containers.filter((c) => c.providedBySubject).map((c) => c.name);
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "urn:privacy-engine:portability:v1",
    title: "A data/<category>.json file of a portability package",
    type: "array",
    items: {
      type: "object",
      required: ["source", "item"],
      additionalProperties: false,
      properties: {
        source: { type: "string", enum: sources, description: "The kind of record (where the platform keeps it)" },
        item: { type: "object", description: "The record as stored, without internal metadata", required: ["id"], properties: { id: { type: "string" } } },
      },
    },
  };
}
