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
import { runSweepStep, startSweep } from "../src/engine/sweeps.js";
import { OrgId, type RequestType } from "../src/domain/request.js";
import { SWEEP_KINDS } from "../src/domain/sweep-run.js";
import type { StorageQueueFunctionDefinition, TimerFunctionDefinition } from "../src/hosting/definition.js";
import { contextLogger } from "../src/hosting/logger.js";
import type { EngineDeps } from "../src/engine/deps.js";

// Timers and queue triggers: the deadline check, package expiry, the sweeps and the engine's work queue.

/** A request to work on, or one org's step of a sweep run. */
const WorkMessage = z.union([z.object({ requestId: z.uuid() }), z.object({ sweep: z.enum(SWEEP_KINDS), runId: z.string().min(1).max(128), orgId: OrgId })]);

/** Executors by request type: a complete table, so a new request type does not compile without one. */
export const executors: Readonly<Record<RequestType, Executor>> = {
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

export function backgroundHandlers(deps: EngineDeps) {
  async function deadlineCheckHandler(_timer: Timer, context: InvocationContext): Promise<void> {
    await checkDeadlines(deps, contextLogger(context));
  }

  /**
   * One work item. A malformed message is logged (its shape, not its content) and completed: it
   * cannot succeed on retry. A transient failure throws, so the host redelivers it and, after
   * five tries, moves it to the poison queue.
   */
  async function workQueueHandler(message: unknown, context: InvocationContext): Promise<void> {
    const log = contextLogger(context);
    const parsed = WorkMessage.safeParse(message);
    if (!parsed.success) {
      log.warn("malformed work item completed without action", { kind: typeof message });
      return;
    }
    // The host counts deliveries; the executor fails the request on the last one.
    if ("sweep" in parsed.data) {
      await runSweepStep(deps, parsed.data, log);
      return;
    }
    const attempt = z.coerce.number().int().min(1).catch(1).parse(context.triggerMetadata?.dequeueCount);
    await processWorkItem(deps, parsed.data.requestId, executors, { attempt }, log);
  }

  async function packageExpiryHandler(_timer: Timer, context: InvocationContext): Promise<void> {
    await deleteExpiredPackages(deps, contextLogger(context));
  }

  /** The daily retention sweep: a run, fanned out one work message per org. */
  async function retentionSweepHandler(_timer: Timer, context: InvocationContext): Promise<void> {
    await startSweep(deps, "retention", { kind: "timer" }, contextLogger(context));
  }

  /** The hourly children's-data sweep. */
  async function childrenSweepHandler(_timer: Timer, context: InvocationContext): Promise<void> {
    await startSweep(deps, "children", { kind: "timer" }, contextLogger(context));
  }

  return { deadlineCheckHandler, workQueueHandler, packageExpiryHandler, retentionSweepHandler, childrenSweepHandler };
}

export type BackgroundHandlers = ReturnType<typeof backgroundHandlers>;

export function backgroundFunctions(deps: EngineDeps, h: BackgroundHandlers = backgroundHandlers(deps)): readonly (TimerFunctionDefinition | StorageQueueFunctionDefinition)[] {
    return [
    { kind: "timer", name: "deadline-check", schedule: "%PRIVACY_DEADLINE_SCHEDULE%", handler: h.deadlineCheckHandler },
    { kind: "timer", name: "package-expiry", schedule: "%PRIVACY_PACKAGE_SWEEP_SCHEDULE%", handler: h.packageExpiryHandler },
    { kind: "timer", name: "retention-sweep", schedule: "%PRIVACY_RETENTION_SCHEDULE%", handler: h.retentionSweepHandler },
    { kind: "timer", name: "children-sweep", schedule: "%PRIVACY_CHILDREN_SCHEDULE%", handler: h.childrenSweepHandler },
    {
      kind: "storageQueue",
      name: "work-queue",
      queueName: "%PRIVACY_WORK_QUEUE%",
      connection: "AzureWebJobsStorage",
      handler: h.workQueueHandler,
    },
  ];
}
