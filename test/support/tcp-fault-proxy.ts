import net from "node:net";

/**
 * A TCP proxy between the engine and an emulator, to break the network the way it breaks in
 * production: `cut()` resets every live connection and every new one until `restore()`;
 * `delay(ms)` holds each chunk that long in both directions (order kept); `cutAfterClientChunks(n)`
 * cuts by itself once the engine has sent n more chunks, so a fault lands mid-operation
 * deterministically. Nothing inside the SDKs is touched: they see real ECONNRESETs.
 */
export class TcpFaultProxy {
  /** Connections accepted since start, including refused ones. */
  connections = 0;
  /** Connections reset by a cut. */
  resets = 0;
  /** Chunks the engine sent through the proxy. */
  clientChunks = 0;
  private readonly live = new Set<net.Socket>();
  private isCut = false;
  private delayMs = 0;
  private cutAt: number | undefined;
  private onCut: (() => void) | undefined;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpFaultProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("proxy has no port");
    const proxy = new TcpFaultProxy(server, address.port);
    server.on("connection", (client) => {
      proxy.accept(client, targetPort, targetHost);
    });
    return proxy;
  }

  get cutNow(): boolean {
    return this.isCut;
  }

  /** Resets every live connection and refuses new ones until restore(). */
  cut(): void {
    this.isCut = true;
    this.cutAt = undefined;
    for (const socket of this.live) this.reset(socket);
    this.onCut?.();
  }

  restore(): void {
    this.isCut = false;
    this.cutAt = undefined;
  }

  /** Holds every chunk `ms` milliseconds in each direction (0: none). */
  delay(ms: number): void {
    this.delayMs = ms;
  }

  /** Cuts when the engine has sent `chunks` more chunks; resolves at the cut. */
  cutAfterClientChunks(chunks: number): Promise<void> {
    this.cutAt = this.clientChunks + chunks;
    return new Promise((resolve) => {
      this.onCut = () => {
        this.onCut = undefined;
        resolve();
      };
    });
  }

  async close(): Promise<void> {
    for (const socket of this.live) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => {
      resolve();
    }));
  }

  private reset(socket: net.Socket): void {
    this.resets += 1;
    socket.resetAndDestroy();
  }

  private accept(client: net.Socket, targetPort: number, targetHost: string): void {
    this.connections += 1;
    client.on("error", () => undefined);
    if (this.isCut) {
      this.reset(client);
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    upstream.on("error", () => undefined);
    this.live.add(client);
    this.live.add(upstream);
    client.on("close", () => this.live.delete(client));
    upstream.on("close", () => this.live.delete(upstream));

    // Data, end and close travel in order, each held `delayMs` (timers of one duration fire in order).
    const later = (action: () => void) => {
      if (this.delayMs > 0) setTimeout(action, this.delayMs);
      else action();
    };
    const forward = (from: net.Socket, to: net.Socket, fromClient: boolean) => {
      from.on("data", (chunk: Buffer) => {
        if (fromClient) {
          this.clientChunks += 1;
          if (this.cutAt !== undefined && this.clientChunks >= this.cutAt) {
            this.cut();
            return;
          }
        }
        if (this.isCut) return;
        later(() => {
          if (!to.destroyed) to.write(chunk);
        });
      });
      from.on("end", () => {
        later(() => {
          if (!to.destroyed) to.end();
        });
      });
      from.on("close", () => {
        later(() => to.destroy());
      });
    };
    forward(client, upstream, true);
    forward(upstream, client, false);
  }
}

/** The storage connection string with its blob and queue endpoints moved to the proxies' ports. */
export function proxiedStorage(connectionString: string, ports: { blob?: number; queue?: number }): string {
  return connectionString
    .split(";")
    .map((part) => {
      const [name = "", ...rest] = part.split("=");
      const value = rest.join("=");
      const port = name === "BlobEndpoint" ? ports.blob : name === "QueueEndpoint" ? ports.queue : undefined;
      return port === undefined ? part : `${name}=${value.replace(/:\d+\//, `:${String(port)}/`)}`;
    })
    .join(";");
}

export function portOf(url: string): number {
  return Number(new URL(url).port);
}
