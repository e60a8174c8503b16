// What every trigger of the local host shares: the InvocationContext a handler receives (a
// fresh invocation id, the function's name, its context.log lines written to the host's log
// with the function's name in front), how a failure is written to that log, how a message
// body becomes a handler's argument, and the `track` hook through which each invocation is
// registered so that stop() can wait for it.

import { randomUUID } from "node:crypto";
import { format } from "node:util";
import functions from "@azure/functions";
import type { InvocationContextInit, LogLevel } from "@azure/functions";

const { InvocationContext } = functions;

/** One line of the host's log (console.log unless the caller passes its own). */
export type HostLog = (line: string) => void;

/** Registers running work with the host; returns the same promise. */
export type Track = <T>(work: Promise<T>) => Promise<T>;

export type ContextInit = Omit<InvocationContextInit, "functionName" | "logHandler">;

export type CreateContext = (functionName: string, init?: ContextInit) => InstanceType<typeof InvocationContext>;

/** What a trigger needs from the host to invoke a handler. */
export interface Invoker {
  log: HostLog;
  createContext: CreateContext;
}

export function contextFactory(log: HostLog): CreateContext {
  return (functionName, init = {}) =>
    new InvocationContext({
      invocationId: randomUUID(),
      functionName,
      logHandler: (level: LogLevel, ...args: unknown[]) => {
        if (level === "none") return;
        const prefix = level === "information" ? "" : `${level}: `;
        log(`[${functionName}] ${prefix}${format(...args)}`);
      },
      ...init,
    });
}

/** The stack when there is one: the local log is for the developer. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return format("%o", error);
}

/** The host delivers parsed JSON when the message is JSON, else the string. */
export function parseMessage(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
