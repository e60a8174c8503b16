import type { QueueClient } from "@azure/storage-queue";
import { EngineError } from "../domain/errors.js";
import type { WorkMessage, WorkQueue } from "../engine/ports.js";

/**
 * The engine's work queue on Storage Queues. Messages are base64 of UTF-8 JSON, the encoding the
 * Functions host's queue trigger expects by default (host.json `extensions.queues.messageEncoding`).
 */
export class StorageWorkQueue implements WorkQueue {
  constructor(private readonly queue: QueueClient) {}

  async enqueue(message: WorkMessage, options?: { readonly delaySeconds?: number }): Promise<void> {
    try {
      await this.queue.sendMessage(
        Buffer.from(JSON.stringify(message), "utf8").toString("base64"),
        options?.delaySeconds === undefined ? undefined : { visibilityTimeout: options.delaySeconds },
      );
    } catch (cause) {
      throw new EngineError("unavailable", "work queue: the queue service is not answering", { cause });
    }
  }
}
