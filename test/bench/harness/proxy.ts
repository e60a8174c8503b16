// The counting, optionally delaying TCP proxy in front of one emulator port: it counts the HTTP
// requests and bytes the engine sends through it, and with `rttMs` > 0 delays every chunk by half
// the round-trip time each way, with backpressure (pipeDelayed), as between a function and a store
// in its region.

import net from "node:net";
import { HttpRequestCounter, routeOf } from "./http-counter.js";

const LOOPBACK = "127.0.0.1";

export interface ProxyCounts {
  /** HTTP requests sent through the proxy. */
  requests: number;
  byMethod: Record<string, number>;
  /** Requests by route: method and path with names and ids replaced (see `routeOf`). */
  byRoute: Record<string, number>;
  connections: number;
  bytesUp: number;
  bytesDown: number;
  /** True when a connection carried something the counter could not parse (its count is then a floor). */
  unparsed: boolean;
}

const emptyCounts = (): ProxyCounts => ({ requests: 0, byMethod: {}, byRoute: {}, connections: 0, bytesUp: 0, bytesDown: 0, unparsed: false });

/** Bytes held back by a delaying pipe before it pauses its source. */
const DELAY_BUFFER_HIGH = 8 * 1024 * 1024;

/**
 * A TCP proxy on 127.0.0.1 in front of one emulator port: counts HTTP requests and bytes, and,
 * with `rttMs` > 0, delays every chunk by half the round-trip time in each direction, so each
 * request/response exchange costs one extra round trip, as between a function and a store in
 * its region. Ordering is kept (timers of one duration fire in the order they were set).
 */
export class CountingProxy {
  private counts = emptyCounts();
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
    readonly rttMs: number,
  ) {}

  static async start(targetPort: number, rttMs: number): Promise<CountingProxy> {
    const server = net.createServer({ allowHalfOpen: true });
    const port = await new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, LOOPBACK, () => {
        const address = server.address();
        if (typeof address === "object" && address !== null) resolve(address.port);
        else reject(new Error("The proxy got no port"));
      });
    });
    const proxy = new CountingProxy(server, port, rttMs);
    server.on("connection", (client) => {
      proxy.connect(client, targetPort);
    });
    return proxy;
  }

  private connect(client: net.Socket, targetPort: number): void {
    this.counts.connections += 1;
    // Half-open allowed: each side's end is passed on (after the delay) by pipeDelayed, not by Node.
    const upstream = net.connect({ host: LOOPBACK, port: targetPort, allowHalfOpen: true });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    this.sockets.add(client);
    this.sockets.add(upstream);
    const counter = new HttpRequestCounter((method, target, headers) => {
      this.counts.requests += 1;
      this.counts.byMethod[method] = (this.counts.byMethod[method] ?? 0) + 1;
      const route = routeOf(method, target, headers);
      this.counts.byRoute[route] = (this.counts.byRoute[route] ?? 0) + 1;
    });
    const oneWay = this.rttMs / 2;
    pipeDelayed(client, upstream, oneWay, (chunk) => {
      this.counts.bytesUp += chunk.length;
      counter.feed(chunk);
      if (counter.broken) this.counts.unparsed = true;
    });
    pipeDelayed(upstream, client, oneWay, (chunk) => {
      this.counts.bytesDown += chunk.length;
    });
    const forget = (socket: net.Socket) => () => {
      this.sockets.delete(socket);
    };
    client.on("close", forget(client));
    upstream.on("close", forget(upstream));
  }

  snapshot(): ProxyCounts {
    return { ...this.counts, byMethod: { ...this.counts.byMethod }, byRoute: { ...this.counts.byRoute } };
  }

  reset(): void {
    this.counts = emptyCounts();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }
}

/**
 * Copies `from` to `to`, each chunk `delayMs` later, in order, with backpressure. An end is passed
 * on after the data before it; a close without an end (a reset, an error) destroys `to` as well.
 * (The embedded Cosmos server closes a connection right after its response: passing the close on
 * at once would cut the delayed response.)
 */
function pipeDelayed(from: net.Socket, to: net.Socket, delayMs: number, tap: (chunk: Buffer) => void): void {
  const later = (action: () => void) => {
    if (delayMs <= 0) action();
    else setTimeout(action, delayMs);
  };
  let held = 0;
  let ended = false;
  from.on("data", (chunk: Buffer) => {
    tap(chunk);
    if (delayMs <= 0) {
      if (!to.write(chunk) && !from.isPaused()) {
        from.pause();
        to.once("drain", () => from.resume());
      }
      return;
    }
    held += chunk.length;
    if (held > DELAY_BUFFER_HIGH) from.pause();
    setTimeout(() => {
      held -= chunk.length;
      if (!to.destroyed && to.writable) to.write(chunk);
      if (from.isPaused() && held <= DELAY_BUFFER_HIGH / 2) from.resume();
    }, delayMs);
  });
  from.on("end", () => {
    ended = true;
    later(() => to.end());
  });
  // The close that follows an error or a reset; after a clean end the other side closes by itself.
  from.on("error", () => undefined);
  from.on("close", () => {
    if (!ended) later(() => to.destroy());
  });
}
