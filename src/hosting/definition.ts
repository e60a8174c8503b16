import type { HttpRequest, HttpResponseInit, InvocationContext, Timer } from "@azure/functions";
import type { z } from "zod";

// One description per function: name, trigger and options, handler. Two hosts read it:
// `functions/index.ts` registers it with `app.*` for Azure, and the local host behind
// `npm start` serves it. Queue names and schedules may be `%SETTING%` binding expressions,
// which both hosts resolve from app settings. host.json's routePrefix is "": an HTTP function
// is served at `api/` and its route (the API) or, with prefix "", at its route alone (the console).

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** What the OpenAPI generator needs to know about an HTTP function. */
export interface HttpApiDoc {
  readonly summary: string;
  readonly tags?: readonly string[];
  readonly body?: z.ZodType;
  readonly query?: z.ZodType;
  readonly params?: Readonly<Record<string, z.ZodType>>;
  readonly headers?: Readonly<Record<string, { description: string; required?: boolean }>>;
  readonly responses: Readonly<Record<number, ResponseDoc>>;
  /** Routes without a caller (health, the console's files). */
  readonly anonymous?: boolean;
  /** `false`: not part of the API (the console's files): the OpenAPI document leaves the route out. */
  readonly api?: boolean;
}

export interface ResponseDoc {
  readonly description: string;
  /** A JSON body (a problem+json one for a Problem schema at an error status). */
  readonly body?: z.ZodType;
  /** A body that is not the API's JSON (the console's files): the media types it may have, no schema. */
  readonly media?: readonly string[];
}

export interface HttpFunctionDefinition {
  readonly kind: "http";
  readonly name: string;
  readonly methods: readonly HttpMethod[];
  /** Where the route is served: under `/api` (the default), or "" at the site's root (the console). */
  readonly prefix?: "api" | "";
  /** Route below the prefix, Azure syntax: `requests/{id}/verify`. */
  readonly route: string;
  readonly doc: HttpApiDoc;
  readonly handler: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;
}

/** The route as both hosts register it (host.json routePrefix ""): `api/requests/{id}`, or `console/{*path}`. */
export function hostRoute(definition: Pick<HttpFunctionDefinition, "prefix" | "route">): string {
  const route = definition.route.replace(/^\/+/, "");
  if ((definition.prefix ?? "api") === "") return route;
  return route === "" ? "api" : `api/${route}`;
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
