import { createHmac } from "node:crypto";
import { z } from "zod";
import { canonicalJson } from "./canonical-json.js";
import { digestsEqual } from "./subject-key.js";

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
