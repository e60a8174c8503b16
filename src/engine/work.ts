import { awaitExecutor } from "../domain/privacy-request.js";
import type { RequestType } from "../domain/request.js";
import type { Runtime } from "../runtime.js";
import { mutate } from "./commit.js";
import type { Logger } from "./ports.js";

/** Executors by request type; later issues add them. A type without one stays queued and says why. */
export type Executor = (rt: Runtime, requestId: string, context: { readonly attempt: number }, log: Logger) => Promise<void>;

export async function processWorkItem(
  rt: Runtime,
  requestId: string,
  executors: Readonly<Partial<Record<RequestType, Executor>>>,
  context: { readonly attempt: number },
  log: Logger,
): Promise<void> {
  const request = await rt.requests.get(requestId);
  if (request === undefined) {
    log.warn("work item for an unknown request dropped", { requestId });
    return;
  }
  const executor = executors[request.value.type];
  if (executor !== undefined) {
    await executor(rt, requestId, context, log);
    return;
  }
  await mutate(rt, requestId, (current) => awaitExecutor(current.value, rt.now()), log);
  log.info("request waits for an executor", { requestId, type: request.value.type });
}
