// Counting HTTP requests on the wire: HttpRequestCounter parses a client → server HTTP/1.1 byte
// stream (keep-alive, Content-Length and chunked bodies) and reports each request; routeOf names a
// request's route for the per-route breakdown of the bench figures.

/**
 * Counts HTTP/1.1 requests in a client → server byte stream. Keep-alive connections carry many
 * requests, and bodies may contain anything, so the stream is parsed: a header block up to the
 * blank line, then a body of Content-Length bytes or chunked transfer coding; a request is a
 * header block whose first line is `METHOD target HTTP/x.y`.
 */
export class HttpRequestCounter {
  private state: "head" | "body" | "chunk-size" | "chunk-data" | "chunk-end" | "trailers" = "head";
  private head = "";
  private line = "";
  private remaining = 0;
  /** Set when the stream is not HTTP/1.x as expected (then counting stops rather than guessing). */
  broken = false;

  constructor(private readonly onRequest: (method: string, target: string, headers: ReadonlyMap<string, string>) => void) {}

  feed(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length && !this.broken) {
      switch (this.state) {
        case "head": {
          const previous = this.head.length;
          const text = this.head + chunk.toString("latin1", i);
          // Blank lines between messages are allowed (RFC 9112 §2.2).
          const start = /^(?:\r\n)*/.exec(text)?.[0].length ?? 0;
          const end = text.indexOf("\r\n\r\n", start);
          if (end < 0) {
            this.head = text.slice(start);
            if (this.head.length > 256 * 1024) this.broken = true;
            i = chunk.length;
            break;
          }
          i += end + 4 - previous;
          this.head = "";
          this.startMessage(text.slice(start, end));
          break;
        }
        case "body":
        case "chunk-data": {
          const take = Math.min(this.remaining, chunk.length - i);
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) {
            if (this.state === "body") this.state = "head";
            else {
              this.state = "chunk-end";
              this.line = "";
            }
          }
          break;
        }
        case "chunk-size":
        case "chunk-end":
        case "trailers": {
          const newline = chunk.indexOf(0x0a, i);
          const stop = newline < 0 ? chunk.length : newline + 1;
          this.line += chunk.toString("latin1", i, stop);
          i = stop;
          if (newline < 0) {
            if (this.line.length > 8192) this.broken = true;
            break;
          }
          const line = this.line.replace(/\r?\n$/, "");
          this.line = "";
          if (this.state === "chunk-end") {
            // The CRLF after a chunk's data.
            if (line !== "") this.broken = true;
            this.state = "chunk-size";
          } else if (this.state === "chunk-size") {
            const size = Number.parseInt(line.split(";")[0]?.trim() ?? "", 16);
            if (!Number.isFinite(size) || size < 0) this.broken = true;
            else if (size === 0) this.state = "trailers";
            else {
              this.remaining = size;
              this.state = "chunk-data";
            }
          } else if (line === "") {
            this.state = "head";
          }
          break;
        }
      }
    }
  }

  private startMessage(head: string): void {
    const [requestLine = "", ...fields] = head.split("\r\n");
    const match = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(requestLine);
    if (match?.[1] === undefined || match[2] === undefined) {
      this.broken = true;
      return;
    }
    const headers = new Map<string, string>();
    for (const field of fields) {
      const colon = field.indexOf(":");
      if (colon >= 0) headers.set(field.slice(0, colon).trim().toLowerCase(), field.slice(colon + 1).trim());
    }
    this.onRequest(match[1], match[2], headers);
    const length = Number.parseInt(headers.get("content-length") ?? "0", 10);
    const chunked = /chunked\s*$/i.test(headers.get("transfer-encoding") ?? "");
    if (chunked) {
      this.state = "chunk-size";
      this.line = "";
    } else if (Number.isFinite(length) && length > 0) {
      this.state = "body";
      this.remaining = length;
    } else {
      this.state = "head";
    }
  }
}

/**
 * A request's route, for the breakdown: Cosmos `POST /dbs/{db}/colls/messages/docs (query)`, Blob
 * `GET /{container}/{blob}` or `GET /{container}?restype=container&comp=list`.
 */
export function routeOf(method: string, target: string, headers: ReadonlyMap<string, string>): string {
  const url = new URL(target, "http://x");
  if (url.pathname.startsWith("/dbs")) {
    // Database names are per namespace; container names stay (they say what was asked); item ids go.
    const segments = url.pathname.split("/").map((segment, i, all) => (all[i - 1] === "dbs" ? "{db}" : all[i - 1] === "docs" || all[i - 1] === "pkranges" ? "{id}" : segment));
    const path = segments.join("/");
    const flag = (name: string) => (headers.get(name) ?? "").toLowerCase() === "true";
    const kind = flag("x-ms-cosmos-is-query-plan-request") ? " (query plan)" : flag("x-ms-documentdb-isquery") ? " (query)" : flag("x-ms-cosmos-is-batch-request") ? " (batch)" : "";
    return `${method} ${path}${kind}`;
  }
  const [, , container, ...blob] = url.pathname.split("/");
  const params = ["restype", "comp"].flatMap((p) => (url.searchParams.has(p) ? [`${p}=${url.searchParams.get(p) ?? ""}`] : []));
  const path = container === undefined || container === "" ? "/" : `/{container}${blob.length > 0 ? "/{blob}" : ""}`;
  return `${method} ${path}${params.length > 0 ? `?${params.join("&")}` : ""}`;
}
