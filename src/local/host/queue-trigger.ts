// Storage queue triggers as the Functions host runs them (host.json `messageEncoding: base64`):
// each queue is created when missing before the host reports itself started, then polled in
// batches, an empty queue after a pause and a busy one again at once. A received message stays
// invisible while its handler runs (the lease is renewed at half the visibility timeout); its
// body is base64-decoded and handed over as parsed JSON or a string, with the host's trigger
// metadata (id, dequeueCount, popReceipt, ...). Success deletes it; a failure makes it visible
// again after the retry delay, and at the maximum dequeue count moves its original body to
// `{queue}-poison`. A body that is not base64 counts as a failure, as in the host.

import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { QueueServiceClient, type DequeuedMessageItem, type QueueClient } from "@azure/storage-queue";
import { resolveBindingExpression, type FunctionDefinition, type StorageQueueFunctionDefinition } from "../../hosting/definition.js";
import { describeError, parseMessage, type Invoker, type Track } from "./invocation.js";

/** host.json `queues` and the local host's polling, already bounded. */
export interface QueueSettings {
  /** Pause between polls of an empty queue. */
  pollIntervalMs: number;
  /** How long a received message stays invisible while its handler runs (renewed at half time). */
  visibilitySeconds: number;
  /** Delay before a failed message reappears. */
  retryDelaySeconds: number;
  maxDequeueCount: number;
  /** Messages received per poll (at most 32, the service's limit). */
  batchSize: number;
}

interface QueueState {
  definition: StorageQueueFunctionDefinition;
  queueName: string;
  queue: QueueClient;
  poison: QueueClient;
}

type TriggerMetadata = { id: string; dequeueCount: number; insertionTime: string; popReceipt: string; queueTrigger: string } & Record<
  string,
  unknown
>;

export interface QueueTriggers {
  /** Polls every queue until `signal` aborts; each message's invocation is passed to `track`. */
  poll(signal: AbortSignal, track: Track): Promise<void>[];
  /**
   * Delivers `input` (the decoded body) to the function as a first delivery, as the admin API
   * asks; never rejects (a failure is logged). Undefined when it is not one of these functions.
   */
  invokeByHand(definition: FunctionDefinition, input: string): Promise<void> | undefined;
}

/** Base64 as the Functions host decodes it; anything else is a decoding failure. */
function decodeBase64Message(text: string): string {
  const compact = text.replace(/\s/g, "");
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) {
    throw new Error("Message decoding has failed: the body is not base64 (host.json messageEncoding is base64)");
  }
  return Buffer.from(compact, "base64").toString("utf8");
}

/** Connects each storage queue function to its queue, creating queues that are missing. */
export async function connectQueues(
  definitions: readonly FunctionDefinition[],
  env: NodeJS.ProcessEnv,
  settings: QueueSettings,
  invoker: Invoker,
): Promise<QueueTriggers> {
  const { log } = invoker;
  const { visibilitySeconds } = settings;
  const queues: QueueState[] = [];
  for (const definition of definitions) {
    if (definition.kind !== "storageQueue") continue;
    const queueName = resolveBindingExpression(definition.queueName, env);
    const connectionString = env[definition.connection];
    if (connectionString === undefined || connectionString === "") {
      throw new Error(`Storage queue function ${definition.name}: app setting ${definition.connection} (its connection) is not set`);
    }
    const service = QueueServiceClient.fromConnectionString(connectionString);
    const queue = service.getQueueClient(queueName);
    await queue.createIfNotExists();
    queues.push({ definition, queueName, queue, poison: service.getQueueClient(`${queueName}-poison`) });
  }

  const invoke = async (state: QueueState, message: unknown, metadata: TriggerMetadata): Promise<void> => {
    const context = invoker.createContext(state.definition.name, {
      triggerMetadata: metadata,
      options: {
        trigger: { type: "queueTrigger", name: "queueItem", queueName: state.queueName, connection: state.definition.connection },
      },
    });
    await state.definition.handler(message, context);
  };

  const processMessage = async (state: QueueState, item: DequeuedMessageItem): Promise<void> => {
    const name = state.definition.name;
    let popReceipt = item.popReceipt;
    // Keep the message invisible while the handler runs, as the host renews its lease.
    let renewal: Promise<void> = Promise.resolve();
    const renewTimer = setInterval(
      () => {
        renewal = renewal.then(async () => {
          try {
            const renewed = await state.queue.updateMessage(item.messageId, popReceipt, undefined, visibilitySeconds);
            if (renewed.popReceipt) popReceipt = renewed.popReceipt;
          } catch (error) {
            log(`[${name}] could not renew the lease of message ${item.messageId}: ${describeError(error)}`);
          }
        });
      },
      (visibilitySeconds * 1000) / 2,
    );
    renewTimer.unref();
    let failure: unknown;
    try {
      const text = decodeBase64Message(item.messageText);
      await invoke(state, parseMessage(text), {
        id: item.messageId,
        queueTrigger: text,
        dequeueCount: item.dequeueCount,
        insertionTime: item.insertedOn.toISOString(),
        expirationTime: item.expiresOn.toISOString(),
        nextVisibleTime: item.nextVisibleOn.toISOString(),
        popReceipt: item.popReceipt,
      });
    } catch (error) {
      failure = error ?? new Error("The handler threw a nullish value");
    } finally {
      clearInterval(renewTimer);
      await renewal;
    }
    try {
      if (failure === undefined) {
        await state.queue.deleteMessage(item.messageId, popReceipt);
        return;
      }
      log(`[${name}] failed on message ${item.messageId} (dequeue count ${item.dequeueCount}): ${describeError(failure)}`);
      if (item.dequeueCount >= settings.maxDequeueCount) {
        // As the host does: copy the original (still base64) body to {queue}-poison, then delete.
        await state.poison.createIfNotExists();
        await state.poison.sendMessage(item.messageText);
        await state.queue.deleteMessage(item.messageId, popReceipt);
        log(`[${name}] warning: message ${item.messageId} moved to ${state.queueName}-poison after ${item.dequeueCount} attempts`);
      } else {
        await state.queue.updateMessage(item.messageId, popReceipt, undefined, settings.retryDelaySeconds);
      }
    } catch (error) {
      log(`[${name}] could not settle message ${item.messageId}: ${describeError(error)}`);
    }
  };

  const pollQueue = async (state: QueueState, signal: AbortSignal, track: Track): Promise<void> => {
    let failing = false;
    // A function, not the property: TypeScript would keep the loop condition's narrowing.
    const aborted = () => signal.aborted;
    while (!aborted()) {
      let found = 0;
      try {
        const received = await state.queue.receiveMessages({
          numberOfMessages: settings.batchSize,
          visibilityTimeout: visibilitySeconds,
          abortSignal: signal,
        });
        found = received.receivedMessageItems.length;
        failing = false;
        await Promise.all(received.receivedMessageItems.map((item) => track(processMessage(state, item))));
      } catch (error) {
        if (aborted()) break;
        if (!failing) log(`[${state.definition.name}] polling ${state.queueName} failed: ${describeError(error)}`);
        failing = true;
      }
      if (found === 0 && !aborted()) {
        await sleep(settings.pollIntervalMs, undefined, { signal }).catch(() => undefined);
      }
    }
  };

  return {
    poll: (signal, track) => queues.map((state) => pollQueue(state, signal, track)),
    invokeByHand(definition, input) {
      const state = queues.find((q) => q.definition === definition);
      if (state === undefined) return undefined;
      const metadata = { id: randomUUID(), queueTrigger: input, dequeueCount: 1, insertionTime: new Date().toISOString(), popReceipt: "" };
      return invoke(state, parseMessage(input), metadata).catch((error: unknown) => {
        log(`[${definition.name}] failed: ${describeError(error)}`);
      });
    },
  };
}
