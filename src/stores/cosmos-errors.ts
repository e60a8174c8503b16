import { EngineError } from "../domain/errors.js";

interface CosmosLikeError {
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
}

/** The HTTP status of a Cosmos SDK error, or undefined for a network-level failure. */
export function cosmosStatus(error: unknown): number | undefined {
  if (error === null || typeof error !== "object") return undefined;
  const { code, statusCode } = error as CosmosLikeError;
  if (typeof statusCode === "number") return statusCode;
  if (typeof code === "number") return code;
  return undefined;
}

/** Maps a Cosmos SDK error to the engine's error family. This is the only place that knows them. */
export function mapCosmosError(error: unknown, what: string): EngineError {
  if (error instanceof EngineError) return error;
  const status = cosmosStatus(error);
  switch (status) {
    case 404:
      return new EngineError("not-found", `${what}: not found`, { cause: error });
    case 409:
      return new EngineError("conflict", `${what}: already exists`, { reason: "exists", cause: error });
    case 412:
      return new EngineError("conflict", `${what}: changed by someone else`, { reason: "stale", cause: error });
    case 408:
    case 429:
    case 449:
    case 500:
    case 503:
    case undefined:
      return new EngineError("unavailable", `${what}: the database is not answering`, { cause: error });
    default:
      return new EngineError("internal", `${what}: unexpected database error (${status})`, { cause: error });
  }
}
