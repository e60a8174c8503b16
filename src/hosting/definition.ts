import type { HttpRequest, HttpResponseInit, InvocationContext, Timer } from "@azure/functions";
import type { z } from "zod";

// One description per function: name, trigger and options, handler. Two hosts read it:
// `functions/index.ts` registers it with `app.*` for Azure, and the local host behind
// `npm start` serves it. Queue names and schedules may be `%SETTING%` binding expressions,
// which both hosts resolve from app settings.

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** What the OpenAPI generator needs to know about an HTTP function. */
export interface HttpApiDoc {
  readonly summary: string;
  readonly tags?: readonly string[];
  readonly body?: z.ZodType;
  readonly query?: z.ZodType;
  readonly params?: Readonly<Record<string, z.ZodType>>;
  readonly headers?: Readonly<Record<string, { description: string; required?: boolean }>>;
  readonly responses: Readonly<Record<number, { description: string; body?: z.ZodType }>>;
  /** Routes without a caller (health, the OpenAPI document). */
  readonly anonymous?: boolean;
}

export interface HttpFunctionDefinition {
  readonly kind: "http";
  readonly name: string;
  readonly methods: readonly HttpMethod[];
  /** Route under `/api`, Azure syntax: `requests/{id}/verify`. */
  readonly route: string;
  readonly doc: HttpApiDoc;
  readonly handler: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;
}

export interface TimerFunctionDefinition {
  readonly kind: "timer";
  readonly name: string;
  /** NCRONTAB with seconds (`{second} {minute} {hour} {day} {month} {day-of-week}`) or `%SETTING%`. */
  readonly schedule: string;
  readonly handler: (timer: Timer, context: InvocationContext) => Promise<void>;
}

export interface StorageQueueFunctionDefinition {
  readonly kind: "storageQueue";
  readonly name: string;
  /** Queue name or `%SETTING%`. */
  readonly queueName: string;
  /** Name of the app setting holding the storage connection. */
  readonly connection: string;
  /** The host delivers the decoded message: parsed JSON when it is JSON, else the string. */
  readonly handler: (message: unknown, context: InvocationContext) => Promise<void>;
}

export interface ServiceBusQueueFunctionDefinition {
  readonly kind: "serviceBusQueue";
  readonly name: string;
  /** Queue name or `%SETTING%`. */
  readonly queueName: string;
  /** Name of the app setting holding the connection (`X`, or `X__fullyQualifiedNamespace` for an identity). */
  readonly connection: string;
  /**
   * The host delivers the message body (parsed JSON when it is JSON) and completes the message
   * when the handler returns, abandons it when it throws; `context.triggerMetadata` carries
   * `messageId`, `deliveryCount`, `enqueuedTimeUtc`.
   */
  readonly handler: (message: unknown, context: InvocationContext) => Promise<void>;
}

export type FunctionDefinition =
  | HttpFunctionDefinition
  | TimerFunctionDefinition
  | StorageQueueFunctionDefinition
  | ServiceBusQueueFunctionDefinition;

/** Resolves `%NAME%` binding expressions against app settings, as the Functions host does. */
export function resolveBindingExpression(value: string, env: NodeJS.ProcessEnv): string {
  return value.replace(/%([A-Za-z0-9_]+)%/g, (_match, name: string) => {
    const resolved = env[name];
    if (resolved === undefined || resolved === "") {
      throw new Error(`App setting ${name} is required by a function binding (${value}) but is not set`);
    }
    return resolved;
  });
}
