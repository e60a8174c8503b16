// Service Bus triggers on a laptop: there is no local Service Bus emulator, so nothing is
// received or polled. The host announces each such function at start, and the admin API
// delivers a message to it by hand, with the trigger metadata the host sets for one message
// (a fresh messageId, deliveryCount 1, and the application properties the caller passes).

import { randomUUID } from "node:crypto";
import { resolveBindingExpression, type FunctionDefinition, type ServiceBusQueueFunctionDefinition } from "../../hosting/definition.js";
import { describeError, type Invoker } from "./invocation.js";

export interface ServiceBusTriggers {
  /** Logs, for each Service Bus function, that it is not served and how to invoke it. */
  announce(): void;
  /**
   * Delivers one message to the function; never rejects (a failure is logged, where the host
   * would abandon the message for the broker to redeliver).
   */
  invokeByHand(definition: ServiceBusQueueFunctionDefinition, message: unknown, applicationProperties?: Record<string, unknown>): Promise<void>;
}

export function serviceBusTriggers(definitions: readonly FunctionDefinition[], env: NodeJS.ProcessEnv, invoker: Invoker): ServiceBusTriggers {
  const triggers = definitions.filter((d): d is ServiceBusQueueFunctionDefinition => d.kind === "serviceBusQueue");

  const invoke = async (definition: ServiceBusQueueFunctionDefinition, message: unknown, applicationProperties?: Record<string, unknown>) => {
    let queueName = definition.queueName;
    try {
      queueName = resolveBindingExpression(definition.queueName, env);
    } catch {
      // Shown unresolved; the handler reads its own settings.
    }
    const context = invoker.createContext(definition.name, {
      // As the host sets it for one message; the body itself is never logged.
      triggerMetadata: { messageId: randomUUID(), deliveryCount: 1, ...(applicationProperties === undefined ? {} : { applicationProperties }) },
      options: { trigger: { type: "serviceBusTrigger", name: "message", queueName, connection: definition.connection } },
    });
    await definition.handler(message, context);
  };

  return {
    announce() {
      for (const definition of triggers) {
        invoker.log(
          `host: ${definition.name} (serviceBusQueue ${definition.queueName}) is not served locally (no Service Bus); invoke it with POST /admin/functions/${definition.name} {"input": …}`,
        );
      }
    },
    invokeByHand(definition, message, applicationProperties) {
      return invoke(definition, message, applicationProperties).catch((error: unknown) => {
        invoker.log(`[${definition.name}] failed: ${describeError(error)}`);
      });
    },
  };
}
