// HTTP routes as the Functions host reads them, in Azure (ASP.NET) syntax: `{name}`, `{name?}`,
// `{*rest}` (which also matches nothing) and constraints such as `{id:guid}` or `{n:int}`. host.json's
// routePrefix is "", so a route is matched in full: `api/` and the definition's route, or the
// route alone for prefix "" (see hostRoute). Compiling checks a route once at start (one under
// `admin` is refused: the host keeps that path for itself); matching takes the raw (still
// percent-encoded) path segments and yields the decoded params. Routes are tried in ASP.NET
// precedence, so a literal segment wins over a parameter whatever order the functions were registered in.

import { hostRoute, type FunctionDefinition, type HttpFunctionDefinition } from "../../hosting/definition.js";

type RouteSegment =
  | { kind: "literal"; value: string }
  | { kind: "param"; name: string; optional: boolean; catchAll: boolean; constraint?: (value: string) => boolean };

export interface CompiledRoute {
  definition: HttpFunctionDefinition;
  segments: RouteSegment[];
  /** ASP.NET-style precedence, lower first: literal, constrained, plain, optional, catch-all. */
  rank: number[];
}

/** What a request's method and path find among the routes. */
export type RouteLookup =
  | { kind: "matched"; route: CompiledRoute; params: Record<string, string> }
  /** The path matches, the method does not: `allow` lists the methods that would. */
  | { kind: "methodNotAllowed"; allow: string[] }
  | { kind: "notFound" };

const GUID = /^\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i;

function isInteger(value: string, bits: 32 | 64): boolean {
  if (!/^-?\d+$/.test(value)) return false;
  const n = BigInt(value);
  const limit = bits === 32 ? 2n ** 31n : 2n ** 63n;
  return n >= -limit && n < limit;
}

/** The route constraints the host supports and this project may use; any other fails the start. */
function routeConstraint(spec: string, route: string): (value: string) => boolean {
  const match = /^([a-z]+)(?:\((\d+)\))?$/i.exec(spec);
  const name = match?.[1]?.toLowerCase();
  const arg = match?.[2] === undefined ? undefined : Number(match[2]);
  switch (arg === undefined ? name : `${name ?? ""}()`) {
    case "int":
      return (value) => isInteger(value, 32);
    case "long":
      return (value) => isInteger(value, 64);
    case "guid":
      return (value) => GUID.test(value);
    case "alpha":
      return (value) => /^[a-z]+$/i.test(value);
    case "bool":
      return (value) => /^(true|false)$/i.test(value);
    case "minlength()":
      return (value) => value.length >= (arg ?? 0);
    case "maxlength()":
      return (value) => value.length <= (arg ?? 0);
    case "length()":
      return (value) => value.length === arg;
    default:
      throw new Error(`Route ${route}: unsupported route constraint "${spec}"`);
  }
}

export function compileRoute(definition: HttpFunctionDefinition): CompiledRoute {
  const full = hostRoute(definition);
  const route = full.replace(/^\/+|\/+$/g, "");
  if (route.split("/")[0]?.toLowerCase() === "admin") {
    throw new Error(`Route ${full} (${definition.name}): the host keeps /admin for its own API`);
  }
  const segments: RouteSegment[] = [];
  const rank: number[] = [];
  const parts = route === "" ? [] : route.split("/");
  parts.forEach((part, index) => {
    const param = /^\{(\*{0,2})([A-Za-z_][A-Za-z0-9_]*)(?::([^}?]+))?(\?)?\}$/.exec(part);
    if (param === null) {
      if (part.includes("{") || part.includes("}") || part === "") {
        throw new Error(`Route ${full} (${definition.name}): unsupported segment "${part}"`);
      }
      segments.push({ kind: "literal", value: part });
      rank.push(0);
      return;
    }
    const [, stars = "", name = "", constraintSpec, optionalMark] = param;
    const catchAll = stars.length > 0;
    const optional = optionalMark === "?";
    if ((catchAll || optional) && index !== parts.length - 1) {
      throw new Error(`Route ${full} (${definition.name}): only the last segment may be optional or catch-all`);
    }
    const constraint = constraintSpec === undefined ? undefined : routeConstraint(constraintSpec, full);
    segments.push({ kind: "param", name, optional, catchAll, ...(constraint ? { constraint } : {}) });
    rank.push(catchAll ? 4 : optional ? 3 : constraint ? 1 : 2);
  });
  return { definition, segments, rank };
}

function compareRank(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? -1) - (b[i] ?? -1);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** The HTTP functions' routes, compiled (a bad one throws) and in the order they are tried. */
export function compileRoutes(definitions: readonly FunctionDefinition[]): CompiledRoute[] {
  return definitions
    .filter((d): d is HttpFunctionDefinition => d.kind === "http")
    .map(compileRoute)
    .sort((a, b) => compareRank(a.rank, b.rank));
}

/** Matches a path (its raw segments, still percent-encoded) against a route. */
export function matchRoute(route: Pick<CompiledRoute, "segments">, rawSegments: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [index, segment] of route.segments.entries()) {
    const raw = rawSegments[index];
    if (raw === undefined) {
      if (segment.kind === "param" && (segment.optional || segment.catchAll)) return params;
      return undefined;
    }
    let value: string;
    try {
      value = segment.kind === "param" && segment.catchAll ? rawSegments.slice(index).map(decodeURIComponent).join("/") : decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (segment.kind === "literal") {
      if (value.toLowerCase() !== segment.value.toLowerCase()) return undefined;
      continue;
    }
    if (segment.constraint && !segment.constraint(value)) return undefined;
    params[segment.name] = value;
    if (segment.catchAll) return params;
  }
  return rawSegments.length === route.segments.length ? params : undefined;
}

/**
 * The first route (in precedence order) whose path and method match. Routes whose path matches
 * before it but not their method only contribute to `allow`, which is what a 405 reports.
 */
export function findRoute(routes: readonly CompiledRoute[], method: string, rawSegments: readonly string[]): RouteLookup {
  const allowed: string[] = [];
  for (const route of routes) {
    const params = matchRoute(route, rawSegments);
    if (params === undefined) continue;
    if ((route.definition.methods as readonly string[]).includes(method)) return { kind: "matched", route, params };
    allowed.push(...route.definition.methods);
  }
  return allowed.length > 0 ? { kind: "methodNotAllowed", allow: [...new Set(allowed)] } : { kind: "notFound" };
}
