import { isRestError } from "@azure/storage-blob";
import { EngineError } from "../domain/errors.js";

// Storage SDK errors mapped to the engine's error family, as cosmos-errors.ts does for Cosmos: the
// only place that knows them.

interface BlobLikeError {
  statusCode?: unknown;
  code?: unknown;
  name?: unknown;
}

/** The HTTP status of a storage SDK error, or undefined for a failure below HTTP (network, abort). */
export function blobStatus(error: unknown): number | undefined {
  if (error === null || typeof error !== "object") return undefined;
  const { statusCode } = error as BlobLikeError;
  return typeof statusCode === "number" ? statusCode : undefined;
}

/** A failure below HTTP: the SDK's RestError without a status (request not sent, timed out), a socket error, an abort. */
function isTransportFailure(error: unknown): boolean {
  if (isRestError(error)) return true;
  if (error === null || typeof error !== "object") return false;
  const { code, name } = error as BlobLikeError;
  return name === "AbortError" || (typeof code === "string" && /^(?:E[A-Z]+|REQUEST_SEND_ERROR|PARSE_ERROR)$/.test(code));
}

/** Maps a storage SDK error to the engine's error family. */
export function mapBlobError(error: unknown, what: string): EngineError {
  if (error instanceof EngineError) return error;
  const status = blobStatus(error);
  if (status === 404) return new EngineError("not-found", `${what}: not found`, { cause: error });
  if (status === 409) return new EngineError("conflict", `${what}: conflicts with the blob's state`, { cause: error });
  if (status === 412) return new EngineError("conflict", `${what}: changed by someone else`, { reason: "stale", cause: error });
  if (status === undefined ? isTransportFailure(error) : status === 408 || status === 429 || status >= 500) {
    return new EngineError("unavailable", `${what}: blob storage is not answering`, { cause: error });
  }
  if (status === undefined) return new EngineError("internal", `${what}: unexpected failure`, { cause: error });
  return new EngineError("internal", `${what}: unexpected blob storage error (${status})`, { cause: error });
}
