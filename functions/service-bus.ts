import type { InvocationContext, Timer } from "@azure/functions";
import { receiveErasureMessage } from "../src/engine/erasure-intake.js";
import { dispatchOutbox } from "../src/engine/outbox-dispatch.js";
import type { ServiceBusQueueFunctionDefinition, TimerFunctionDefinition } from "../src/hosting/definition.js";
import { contextLogger } from "../src/hosting/logger.js";
import type { EngineDeps } from "../src/engine/deps.js";

// Service Bus: the erasure intake queue, and the timer that drains the outbox to the events topic
// (and verification codes to their own delivery queue).

/**
 * The body as the use case reads it. The host hands over parsed JSON for a JSON body; a body that
 * arrives as text or bytes (a sender that set no content type) is parsed here the same way.
 */
export function messageBody(message: unknown): unknown {
  const text = message instanceof Uint8Array ? Buffer.from(message).toString("utf8") : message;
  if (typeof text !== "string") return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function serviceBusHandlers(deps: EngineDeps) {
  /**
   * One erasure message. Returning completes it (a request opened, or found already opened, or the
   * message rejected and audited); throwing abandons it, so the broker redelivers it and, after its
   * max delivery count, dead-letters it.
   */
  async function erasureIntakeHandler(message: unknown, context: InvocationContext): Promise<void> {
    const metadata = context.triggerMetadata ?? {};
    await receiveErasureMessage(
      deps,
      messageBody(message),
      {
        messageId: metadata.messageId,
        deliveryCount: metadata.deliveryCount,
        // The message's application properties, where the producer names itself (`privacyProducer`);
        // older hosts call the bag `userProperties`.
        applicationProperties: metadata.applicationProperties ?? metadata.userProperties,
      },
      contextLogger(context),
    );
  }

  async function outboxDispatchHandler(_timer: Timer, context: InvocationContext): Promise<void> {
    await dispatchOutbox(deps, contextLogger(context));
  }

  return { erasureIntakeHandler, outboxDispatchHandler };
}

export type ServiceBusHandlers = ReturnType<typeof serviceBusHandlers>;

export function serviceBusFunctions(deps: EngineDeps, h: ServiceBusHandlers = serviceBusHandlers(deps)): readonly (ServiceBusQueueFunctionDefinition | TimerFunctionDefinition)[] {
    return [
    {
      kind: "serviceBusQueue",
      name: "erasure-intake",
      queueName: "%PRIVACY_SERVICE_BUS_QUEUE%",
      connection: "ServiceBusConnection",
      handler: h.erasureIntakeHandler,
    },
    { kind: "timer", name: "outbox-dispatch", schedule: "%PRIVACY_OUTBOX_SCHEDULE%", handler: h.outboxDispatchHandler },
  ];
}
