import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { EngineError } from "./errors.js";

// Short-lived secrets that must travel through stored documents (a verification code on its way
// to the messaging service) are sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the
// engine's secret, and bound to their context (the request id) as associated data. Cosmos then
// holds only ciphertext; the dispatcher opens it when it hands the event to the messaging service.

const VERSION = "v1";
/** GCM's full tag: a shorter one given to the decipher would be checked only as far as it goes. */
const TAG_BYTES = 16;

/**
 * What a sealed secret is for: the outbox's own copy (opened by the dispatcher) or the copy on its
 * way to the messaging service (opened there, under a key the engine shares with that service
 * alone). Each purpose derives its own key, so one never opens the other.
 */
export type SealPurpose = "outbox-sealed-secret" | "verification-delivery";

function keyOf(secret: string, purpose: SealPurpose): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "privacy-engine", purpose, 32));
}

export function sealSecret(secret: string, context: string, plaintext: string, purpose: SealPurpose = "outbox-sealed-secret"): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyOf(secret, purpose), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [VERSION, iv.toString("base64url"), body.toString("base64url"), cipher.getAuthTag().toString("base64url")].join(".");
}

export function openSecret(secret: string, context: string, sealed: string, purpose: SealPurpose = "outbox-sealed-secret"): string {
  const [version, iv, body, tag] = sealed.split(".");
  if (version !== VERSION || iv === undefined || body === undefined || tag === undefined) {
    throw new EngineError("internal", "Sealed secret has an unknown format", { reason: "sealed-secret-format" });
  }
  const authTag = Buffer.from(tag, "base64url");
  if (authTag.length !== TAG_BYTES) {
    throw new EngineError("internal", "Sealed secret does not open under this key and context", { reason: "sealed-secret-open" });
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", keyOf(secret, purpose), Buffer.from(iv, "base64url"), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(authTag);
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  } catch (cause) {
    throw new EngineError("internal", "Sealed secret does not open under this key and context", { reason: "sealed-secret-open", cause });
  }
}

/**
 * For the messaging service: the code of a `verification.code-issued` message from the
 * verification delivery queue, opened with the key it shares with the engine
 * (`PRIVACY_VERIFICATION_DELIVERY_KEY`). The message id (the event id) is the context, so a
 * sealed code moved to another message does not open.
 */
export function openDeliveredCode(deliveryKey: string, message: { readonly messageId: string; readonly sealedCode: string }): string {
  return openSecret(deliveryKey, message.messageId, message.sealedCode, "verification-delivery");
}
