import { createHmac } from "node:crypto";
import { z } from "zod";
import { canonicalJson } from "./canonical-json.js";
import { digestsEqual } from "./subject-key.js";
import { EngineError, type ProblemField } from "./errors.js";

// The erasure certificate: what was deleted, anonymised and kept in each place (counts and keyed
// hashes of the ids, never the ids), the exceptions and their reasons, when, by which engine
// version, signed with HMAC-SHA256 under a key from settings. It holds no personal data.

export const PlaceOutcome = z.strictObject({
  deleted: z.number().int().min(0),
  anonymised: z.number().int().min(0),
  kept: z.number().int().min(0),
  /** SHA-256 over the sorted keyed hashes of every id handled here. */
  idsDigest: z.string(),
  /** The keyed hashes themselves, when there are at most 1 000. */
  hashedIds: z.array(z.string()).optional(),
});

export const CertificateSchema = z
  .strictObject({
    version: z.literal(1),
    requestId: z.string(),
    orgId: z.string(),
    subjectKey: z.string(),
    reason: z.string(),
    outcome: z.enum(["erased", "partially-erased"]),
    /** An erasure limited to these categories (a consent withdrawal's); absent: every category. */
    categories: z.array(z.string()).optional(),
    places: z.record(z.string(), PlaceOutcome),
    exceptions: z.array(z.strictObject({ place: z.string(), count: z.number().int(), reason: z.string() })),
    verification: z.strictObject({ remaining: z.number().int().min(0), checkedAt: z.string() }),
    startedAt: z.string(),
    finishedAt: z.string(),
    engineVersion: z.string(),
    signature: z.string(),
  })
  .meta({ id: "ErasureCertificate" });
export type Certificate = z.infer<typeof CertificateSchema>;
export type UnsignedCertificate = Omit<Certificate, "signature">;

const MAX_LISTED_PATHS = 20;

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let at: unknown = value;
  for (const segment of path) {
    if (at === null || typeof at !== "object") return undefined;
    at = (at as Record<PropertyKey, unknown>)[segment];
  }
  return at;
}

/**
 * Parses a body meant to be a certificate. One that does not parse is a 400 whose detail says the
 * body is the certificate exactly as `GET /api/requests/{id}/certificate` returns it, and lists the
 * paths of the missing fields (paths only, never values).
 */
export function parseCertificateBody(value: unknown): Certificate {
  const parsed = CertificateSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const pathOf = (segments: readonly PropertyKey[]) => (segments.length === 0 ? "body" : segments.map((s) => String(s).slice(0, 64)).join("."));
  const missing: string[] = [];
  const fields: ProblemField[] = parsed.error.issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") return issue.keys.map((key) => ({ path: pathOf([...issue.path, key]), message: "is not a known field" }));
    if (issue.path.length > 0 && valueAt(value, issue.path) === undefined) {
      missing.push(pathOf(issue.path));
      return [{ path: pathOf(issue.path), message: "is missing" }];
    }
    return [{ path: pathOf(issue.path), message: issue.message }];
  });
  const listed = missing.slice(0, MAX_LISTED_PATHS).join(", ");
  const more = missing.length > MAX_LISTED_PATHS ? ` and ${missing.length - MAX_LISTED_PATHS} more` : "";
  const detail =
    "The body must be the certificate as GET /api/requests/{id}/certificate returns it" +
    (missing.length > 0 ? `; missing: ${listed}${more}` : "; see fields for what does not match");
  throw new EngineError("validation", detail, { reason: "invalid-input", fields });
}

function mac(key: string, certificate: UnsignedCertificate): string {
  return createHmac("sha256", key).update(`certificate\u0000${canonicalJson(certificate)}`).digest("hex");
}

export function signCertificate(key: string, certificate: UnsignedCertificate): Certificate {
  return { ...certificate, signature: mac(key, certificate) };
}

export function verifyCertificate(key: string, certificate: Certificate): boolean {
  const { signature, ...unsigned } = certificate;
  return digestsEqual(mac(key, unsigned), signature);
}

/** Keyed hash of an item id or blob name for the certificate (not reversible without the key). */
export function hashedId(key: string, place: string, id: string): string {
  return createHmac("sha256", key).update(`id\u0000${place}\u0000${id}`).digest("hex").slice(0, 32);
}
