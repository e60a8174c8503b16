import { BlobServiceClient } from "@azure/storage-blob";

/** What one Blob Storage request does. */
export type BlobRequestKind = "list" | "batch" | "download" | "upload" | "delete" | "properties" | "other";

export function blobRequestKind(method: string, url: string): BlobRequestKind {
  const params = new URL(url).searchParams;
  const comp = params.get("comp");
  if (comp === "list") return "list";
  if (comp === "batch") return "batch";
  switch (method.toUpperCase()) {
    case "GET":
      return comp === null && params.get("restype") === null ? "download" : "properties";
    case "HEAD":
      return "properties";
    case "PUT":
      return "upload";
    case "DELETE":
      return "delete";
    default:
      return "other";
  }
}

/** The @azure/core-rest-pipeline shapes this file needs (structural: that package is not a direct dependency). */
interface CorePolicy {
  readonly name: string;
  sendRequest(request: { readonly method: string; readonly url: string }, next: (request: never) => Promise<unknown>): Promise<unknown>;
}
interface CorePipeline {
  addPolicy(policy: CorePolicy, options?: { readonly afterPhase?: "Retry" }): void;
}

/**
 * A Blob service client from a connection string. With `onRequest` (opt-in, the benchmark), a
 * policy in the client's HTTP pipeline reports every request it sends with its kind, retries
 * included; batch sub-requests travel inside their batch request and count as that one.
 */
export function createBlobServiceClient(connectionString: string, onRequest?: (kind: BlobRequestKind) => void): BlobServiceClient {
  const client = BlobServiceClient.fromConnectionString(connectionString);
  if (onRequest !== undefined) {
    addPipelinePolicy(client, {
      name: "privacyEngineRequestCount",
      sendRequest: (request, next) => {
        onRequest(blobRequestKind(request.method, request.url));
        return next(request as never);
      },
    });
  }
  return client;
}

/**
 * SDK internal: @azure/storage-blob 12.x offers no public way to add a core pipeline policy (its
 * StoragePipelineOptions have no `additionalPolicies`, and a legacy RequestPolicyFactory wrapped
 * into the pipeline broke SharedKey signing on Azurite). The client keeps its core pipeline on
 * `pipeline._corePipeline`, shared by every container, blob and batch client derived from it.
 * test/integration/cosmos-query-plan.test.ts checks the counts; if a version moves the field,
 * this throws rather than counting nothing.
 */
function addPipelinePolicy(client: BlobServiceClient, policy: CorePolicy): void {
  const core = (client as unknown as { pipeline?: { _corePipeline?: CorePipeline } }).pipeline?._corePipeline;
  if (core === undefined) throw new Error("@azure/storage-blob keeps no core pipeline where expected: request counting is unavailable");
  core.addPolicy(policy, { afterPhase: "Retry" });
}
