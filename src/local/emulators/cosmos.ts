// The embedded Cosmos server (@vercel/cosmosdb-server) over plain HTTP on 127.0.0.1, in this
// process, in memory. What it lacks is handled in the Cosmos store adapters; the README's
// "Emulator patch" section covers its query engine.

import type { Server } from "node:http";
// A namespace import: a default import means module.exports natively but the `default` export
// (createHttpsServer) under vitest's CJS interop.
import * as cosmosdbServer from "@vercel/cosmosdb-server";
import { LOOPBACK } from "./connection.js";

async function listen(server: Server, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => {
      reject(error);
    };
    server.once("error", onError);
    server.listen(port, LOOPBACK, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

async function closeHttpServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
    // Keep-alive sockets of SDK clients would otherwise hold the server open.
    server.closeAllConnections();
  });
}

/** Starts the embedded Cosmos server on 127.0.0.1:port; resolves, once it listens, to its stop. */
export async function startCosmosServer(port: number): Promise<() => Promise<void>> {
  const server = cosmosdbServer.createHttpServer();
  await listen(server, port);
  return () => closeHttpServer(server);
}
