import { Readable } from "node:stream";
import { DefaultAzureCredential } from "@azure/identity";
import {
  BlobSASPermissions,
  BlobServiceClient,
  BlockBlobClient,
  ContainerClient,
  SASProtocol,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
} from "@azure/storage-blob";
import { EngineError } from "../domain/errors.js";
import { blobStatus, mapBlobError } from "./blob-errors.js";

// Access and portability packages in Blob Storage: upload a ZIP stream as a block blob, hand out
// a read-only link to exactly that blob, send it on to another controller, delete it.

export interface PackageStoreOptions {
  /** The assets container (org-assets). */
  readonly container: ContainerClient;
  /**
   * How download links are signed: with the account key (StorageSharedKeyCredential from the
   * connection string), or with a user delegation key when the client runs with a TokenCredential
   * (an Entra identity; the key itself lives at most 7 days, so links do too).
   */
  readonly signing:
    | { readonly kind: "account-key"; readonly credential: StorageSharedKeyCredential }
    | { readonly kind: "user-delegation"; readonly service: BlobServiceClient };
  /**
   * Origins (`http://127.0.0.1:10000`) that `sendTo` accepts besides https Azure Blob endpoints.
   * Default: none. The factory adds the store's own endpoint when it is plain http (an emulator).
   */
  readonly extraDestinationOrigins?: readonly string[];
  /** Block size for uploads and transfers (default 4 MiB); at most `uploadConcurrency` + 1 blocks are held. */
  readonly blockBytes?: number;
  /** Blocks in flight at once (default 2). */
  readonly uploadConcurrency?: number;
}

/** Host suffixes of Azure Blob endpoints (public and sovereign clouds, DNS-zone endpoints). */
const AZURE_BLOB_HOST_SUFFIXES = [
  ".blob.core.windows.net",
  ".blob.core.usgovcloudapi.net",
  ".blob.core.chinacloudapi.cn",
  ".blob.storage.azure.net",
];
/** Links start this far in the past, so a client whose clock runs behind can use them at once. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
/** A user delegation key, and so a link signed with it, lives at most 7 days. */
const USER_DELEGATION_MAX_MS = 7 * 24 * 60 * 60 * 1000;
const MIB = 1024 * 1024;

export class BlobPackageStore {
  private readonly container: ContainerClient;
  private readonly signing: PackageStoreOptions["signing"];
  private readonly extraOrigins: ReadonlySet<string>;
  private readonly blockBytes: number;
  private readonly concurrency: number;

  constructor(options: PackageStoreOptions) {
    this.container = options.container;
    this.signing = options.signing;
    this.extraOrigins = new Set((options.extraDestinationOrigins ?? []).map((origin) => new URL(origin).origin));
    this.blockBytes = options.blockBytes ?? 4 * MIB;
    this.concurrency = options.uploadConcurrency ?? 2;
  }

  /**
   * Uploads a stream as a block blob (staged blocks, committed only when the stream ends cleanly:
   * a stream that fails leaves no blob), content type application/zip, with `metadata`.
   */
  async upload(blobName: string, stream: NodeJS.ReadableStream, metadata: Record<string, string>): Promise<void> {
    const blob = this.container.getBlockBlobClient(blobName);
    const source = stream instanceof Readable ? stream : new Readable().wrap(stream);
    try {
      await uploadUntilSourceFails(source, (abortSignal) =>
        blob.uploadStream(source, this.blockBytes, this.concurrency, {
          abortSignal,
          metadata,
          blobHTTPHeaders: { blobContentType: "application/zip", blobContentDisposition: attachment(blobName) },
        }),
      );
    } catch (cause) {
      // The stream's own failure (the package build's error) is not a storage error: pass it on.
      if (cause instanceof SourceStreamError) throw cause.cause;
      throw mapBlobError(cause, "package upload");
    }
  }

  /** Replaces the package's metadata (e.g. to record its SHA-256 once the upload is done). */
  async setMetadata(blobName: string, metadata: Record<string, string>): Promise<void> {
    try {
      await this.container.getBlockBlobClient(blobName).setMetadata(metadata);
    } catch (cause) {
      throw mapBlobError(cause, "package metadata");
    }
  }

  /**
   * A read-only SAS URL for exactly this blob (sr=b, sp=r), https-only when the endpoint is https,
   * valid from a few minutes ago until `expiresOn`. With a user delegation key the expiry is
   * capped at the key's 7-day limit.
   */
  async downloadLink(blobName: string, expiresOn: Date): Promise<string> {
    const now = Date.now();
    if (!(expiresOn.getTime() > now)) {
      throw new EngineError("validation", "a download link must expire in the future", { reason: "expiry-not-in-future" });
    }
    const blob = this.container.getBlobClient(blobName);
    const startsOn = new Date(now - CLOCK_SKEW_MS);
    const values = {
      containerName: this.container.containerName,
      blobName,
      permissions: BlobSASPermissions.parse("r"),
      protocol: new URL(blob.url).protocol === "https:" ? SASProtocol.Https : SASProtocol.HttpsAndHttp,
      startsOn,
      expiresOn,
    };
    let query: string;
    if (this.signing.kind === "account-key") {
      query = generateBlobSASQueryParameters(values, this.signing.credential).toString();
    } else {
      const capped = new Date(Math.min(expiresOn.getTime(), startsOn.getTime() + USER_DELEGATION_MAX_MS));
      let key;
      try {
        key = await this.signing.service.getUserDelegationKey(startsOn, capped);
      } catch (cause) {
        throw mapBlobError(cause, "user delegation key");
      }
      query = generateBlobSASQueryParameters({ ...values, expiresOn: capped }, key, this.signing.service.accountName).toString();
    }
    return `${blob.url}?${query}`;
  }

  /**
   * Sends the package to another controller: `destinationUrl` is an https Azure Blob URL carrying a
   * SAS with write permission, naming a blob, or a container (the package keeps its file name).
   * The bytes are streamed through the engine (download → upload, bounded blocks), so the
   * destination never needs to reach this account. A destination the service refuses (no or bad
   * signature, no such container) is a validation error with reason `destination-refused`.
   */
  async sendTo(blobName: string, destinationUrl: string): Promise<void> {
    const destination = this.destinationClient(blobName, destinationUrl);
    const source = this.container.getBlobClient(blobName);
    let download;
    try {
      download = await source.download(0);
    } catch (cause) {
      throw mapBlobError(cause, "package");
    }
    const body = download.readableStreamBody;
    if (body === undefined) throw new EngineError("internal", "package download returned no body", { reason: "no-body" });
    const bytes = body instanceof Readable ? body : new Readable().wrap(body);
    const sha256 = download.metadata?.sha256;
    try {
      await uploadUntilSourceFails(bytes, (abortSignal) =>
        destination.uploadStream(bytes, this.blockBytes, this.concurrency, {
          abortSignal,
          blobHTTPHeaders: { blobContentType: "application/zip", blobContentDisposition: attachment(destination.name) },
          ...(sha256 === undefined ? {} : { metadata: { sha256 } }),
        }),
      );
    } catch (cause) {
      bytes.destroy();
      if (cause instanceof SourceStreamError) throw mapBlobError(cause.cause, "package");
      throw mapDestinationError(cause);
    }
  }

  /** Deletes the package and its snapshots; false when it was already gone. */
  async delete(blobName: string): Promise<boolean> {
    try {
      const result = await this.container.getBlobClient(blobName).deleteIfExists({ deleteSnapshots: "include" });
      return result.succeeded;
    } catch (cause) {
      throw mapBlobError(cause, "package delete");
    }
  }

  /** Checks the destination before any byte leaves: a SAS-signed URL of an Azure Blob endpoint. */
  private destinationClient(blobName: string, destinationUrl: string): BlockBlobClient {
    const refuse = (why: string): EngineError =>
      new EngineError("validation", `destination refused: ${why}`, {
        reason: "destination-refused",
        fields: [{ path: "destination", message: why }],
      });
    let url: URL;
    try {
      url = new URL(destinationUrl);
    } catch {
      throw refuse("not a URL");
    }
    const azure = url.protocol === "https:" && AZURE_BLOB_HOST_SUFFIXES.some((suffix) => url.hostname.toLowerCase().endsWith(suffix));
    if (!azure && !this.extraOrigins.has(url.origin)) throw refuse("must be an https Azure Blob Storage URL");
    if (url.username !== "" || url.password !== "") throw refuse("must not carry user credentials");
    if (!url.searchParams.has("sig")) throw refuse("must carry a shared access signature");
    // Azure endpoints name the account in the host; an emulator (IP or localhost) in the first path segment.
    const segments = url.pathname.split("/").slice(1);
    if (!azure && /^(?:localhost|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\])$/i.test(url.hostname)) segments.shift();
    const [containerName = "", ...blobPath] = segments;
    if (containerName === "") throw refuse("must name a container or a blob");
    const client =
      blobPath.join("") === ""
        ? new ContainerClient(url.toString()).getBlockBlobClient(fileName(blobName))
        : new BlockBlobClient(url.toString());
    return client;
  }
}

/** The stream being uploaded failed (as opposed to the upload itself); `cause` is its error. */
class SourceStreamError extends Error {
  override readonly cause: unknown;
  constructor(cause: unknown) {
    super("the stream being uploaded failed");
    this.name = "SourceStreamError";
    this.cause = cause;
  }
}

/**
 * Runs an upload that reads `source`, and rejects as soon as the source fails or closes early:
 * the SDK's uploadStream only listens for errors once it starts reading and never for an early
 * close, so without this a source that fails first would leave it waiting for ever. Aborting
 * stops blocks in flight; blocks already staged are never committed (the service drops them).
 */
async function uploadUntilSourceFails(source: Readable, upload: (abortSignal: AbortSignal) => Promise<unknown>): Promise<void> {
  const abort = new AbortController();
  let onError: ((error: Error) => void) | undefined;
  let onClose: (() => void) | undefined;
  const sourceFailed = new Promise<never>((_resolve, reject) => {
    onError = (error) => {
      reject(new SourceStreamError(error));
    };
    onClose = () => {
      if (!source.readableEnded) reject(new SourceStreamError(source.errored ?? new Error("stream closed before its end")));
    };
    source.once("error", onError);
    source.once("close", onClose);
  });
  // Checked here, and again by whoever gets it through the race below.
  sourceFailed.catch(() => undefined);
  if (source.errored !== null) throw new SourceStreamError(source.errored);
  try {
    await Promise.race([upload(abort.signal), sourceFailed]);
  } catch (error) {
    abort.abort();
    // The SDK reports a source error as its own rejection too: name the source either way.
    const sourceError = erroredOf(source);
    throw sourceError !== null && !(error instanceof SourceStreamError) ? new SourceStreamError(sourceError) : error;
  } finally {
    if (onError !== undefined) source.off("error", onError);
    if (onClose !== undefined) source.off("close", onClose);
  }
}

/** Read through a function: an earlier check would otherwise narrow it for good. */
function erroredOf(stream: Readable): Error | null {
  return stream.errored;
}

function fileName(blobName: string): string {
  return blobName.split("/").filter((part) => part !== "").at(-1) ?? "package.zip";
}

/** `attachment` with an ASCII-only file name, so a browser saves the package instead of showing it. */
function attachment(blobName: string): string {
  const safe = fileName(blobName).replace(/[^A-Za-z0-9._-]/g, "_");
  return `attachment; filename="${safe}"`;
}

/** A destination's refusal is the caller's to fix (their URL); its outage is ours to retry. */
function mapDestinationError(error: unknown): EngineError {
  if (error instanceof EngineError) return error;
  const status = blobStatus(error);
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return new EngineError("validation", `destination refused the package (${status})`, {
      reason: "destination-refused",
      fields: [{ path: "destination", message: `the destination answered ${status}` }],
      cause: error,
    });
  }
  return mapBlobError(error, "destination");
}

/** Azurite's development account, as documented for `UseDevelopmentStorage=true`. */
const DEVELOPMENT_ACCOUNT = "devstoreaccount1";
const DEVELOPMENT_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/** The account name and key of a storage connection string, or undefined when it carries no key (a SAS-only string). */
export function sharedKeyFromConnectionString(connectionString: string): StorageSharedKeyCredential | undefined {
  const parts = new Map<string, string>();
  for (const pair of connectionString.split(";")) {
    const at = pair.indexOf("=");
    if (at > 0) parts.set(pair.slice(0, at).trim().toLowerCase(), pair.slice(at + 1).trim());
  }
  if (parts.get("usedevelopmentstorage")?.toLowerCase() === "true") {
    return new StorageSharedKeyCredential(DEVELOPMENT_ACCOUNT, DEVELOPMENT_ACCOUNT_KEY);
  }
  const name = parts.get("accountname");
  const key = parts.get("accountkey");
  return name !== undefined && name !== "" && key !== undefined && key !== "" ? new StorageSharedKeyCredential(name, key) : undefined;
}

/**
 * Builds the store from a storage connection string (account-key links) or, when `accountUrl`
 * is given (https://<account>.blob.core.windows.net), from DefaultAzureCredential
 * (user-delegation links). No I/O happens here.
 */
export function createBlobPackageStore(config: { connectionString: string; containerName: string; accountUrl?: string }): BlobPackageStore {
  if (config.accountUrl !== undefined && config.accountUrl !== "") {
    const service = new BlobServiceClient(config.accountUrl, new DefaultAzureCredential());
    return new BlobPackageStore({ container: service.getContainerClient(config.containerName), signing: { kind: "user-delegation", service } });
  }
  const credential = sharedKeyFromConnectionString(config.connectionString);
  if (credential === undefined) {
    throw new EngineError("internal", "the storage connection string has no AccountName/AccountKey to sign download links; configure an account URL to sign with an Entra identity", {
      reason: "no-signing-key",
    });
  }
  const service = BlobServiceClient.fromConnectionString(config.connectionString);
  const container = service.getContainerClient(config.containerName);
  const endpoint = new URL(service.url);
  return new BlobPackageStore({
    container,
    signing: { kind: "account-key", credential },
    // Only an emulator serves plain http; there, destinations on the same emulator are allowed.
    ...(endpoint.protocol === "http:" ? { extraDestinationOrigins: [endpoint.origin] } : {}),
  });
}
