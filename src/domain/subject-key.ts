import { createHmac, timingSafeEqual, createHash } from "node:crypto";
import type { IdentifierKind } from "./identifiers.js";

/**
 * Subjects are named in audit entries, events and logs by a keyed hash: HMAC-SHA256 of the
 * org, the identifier's kind and its normalised value, under a secret from settings. Without
 * the secret the key cannot be reversed or recomputed from a guessed phone number.
 */
export function subjectKey(secret: string, orgId: string, kind: IdentifierKind, normalizedValue: string): string {
  const mac = createHmac("sha256", secret).update(`subject\u0000${orgId}\u0000${kind}\u0000${normalizedValue}`);
  return `sk_${mac.digest("hex")}`;
}

/** The key naming a whole org in audit and events (org-offboarding). */
export function orgKey(secret: string, orgId: string): string {
  return `ok_${createHmac("sha256", secret).update(`org\u0000${orgId}`).digest("hex")}`;
}

/** Keyed hash for short-lived secrets (verification codes), bound to their request. */
export function codeHash(secret: string, requestId: string, code: string): string {
  return createHmac("sha256", secret).update(`code\u0000${requestId}\u0000${code}`).digest("hex");
}

export function sha256Hex(value: string | Uint8Array): string {
  return createHash("sha256").update(value).digest("hex");
}

/** Constant-time comparison of two hex digests of any length. */
export function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  // Compare against itself when lengths differ so timing does not reveal the length check.
  return left.length === right.length ? timingSafeEqual(left, right) : !timingSafeEqual(left, left);
}
