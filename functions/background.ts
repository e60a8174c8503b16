import type { InvocationContext, Timer } from "@azure/functions";
import { z } from "zod";
import { checkDeadlines } from "../src/engine/deadline-check.js";
import { processWorkItem, type Executor } from "../src/engine/work.js";
import { runExport } from "../src/engine/export.js";
import { runErasure } from "../src/engine/erasure.js";
import { runOrgOffboarding } from "../src/engine/offboarding.js";
import { runRectification } from "../src/engine/rectification.js";
import { runRestriction } from "../src/engine/restriction.js";
import { runSuppression } from "../src/engine/suppression.js";
import { deleteExpiredPackages } from "../src/engine/package-expiry.js";
import type { RequestType } from "../src/domain/request.js";
import type { StorageQueueFunctionDefinition, TimerFunctionDefinition } from "../src/hosting/definition.js";
import { contextLogger } from "../src/http/endpoint.js";
import { runtime } from "../src/runtime.js";

/** Timers and queue triggers: the deadline check and the engine's work queue. */
export async function deadlineCheckHandler(_timer: Timer, context: InvocationContext): Promise<void> {
  await checkDeadlines(runtime(), contextLogger(context));
}

const WorkMessage = z.object({ requestId: z.uuid() });

/** Executors by request type. Until one exists for a type, its requests stay queued and say why. */
export const executors: Partial<Record<RequestType, Executor>> = {
  access: runExport,
  portability: runExport,
  erasure: runErasure,
  "child-data": runErasure,
  "org-offboarding": runOrgOffboarding,
  rectification: runRectification,
  restriction: runRestriction,
  objection: runSuppression,
  "consent-withdrawal": runSuppression,
};

/**
 * One work item. A malformed message is logged (its shape, not its content) and completed: it
 * cannot succeed on retry. A transient failure throws, so the host redelivers it and, after
 * five tries, moves it to the poison queue.
 */
export async function workQueueHandler(message: unknown, context: InvocationContext): Promise<void> {
  const log = contextLogger(context);
  const parsed = WorkMessage.safeParse(message);
  if (!parsed.success) {
    log.warn("malformed work item completed without action", { kind: typeof message });
    return;
  }
  // The host counts deliveries; the executor fails the request on the last one.
  const attempt = z.coerce.number().int().min(1).catch(1).parse(context.triggerMetadata?.dequeueCount);
  await processWorkItem(runtime(), parsed.data.requestId, executors, { attempt }, log);
}

export async function packageExpiryHandler(_timer: Timer, context: InvocationContext): Promise<void> {
  await deleteExpiredPackages(runtime(), contextLogger(context));
}

export const backgroundFunctions: readonly (TimerFunctionDefinition | StorageQueueFunctionDefinition)[] = [
  { kind: "timer", name: "deadline-check", schedule: "%PRIVACY_DEADLINE_SCHEDULE%", handler: deadlineCheckHandler },
  { kind: "timer", name: "package-expiry", schedule: "%PRIVACY_PACKAGE_SWEEP_SCHEDULE%", handler: packageExpiryHandler },
  {
    kind: "storageQueue",
    name: "work-queue",
    queueName: "%PRIVACY_WORK_QUEUE%",
    connection: "AzureWebJobsStorage",
    handler: workQueueHandler,
  },
];
