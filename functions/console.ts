import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { EngineError } from "../src/domain/errors.js";
import type { EngineDeps } from "../src/engine/deps.js";
import type { HttpFunctionDefinition } from "../src/hosting/definition.js";
import { problemDoc, problemResponse } from "../src/http/problem.js";

// The console (src/console, built by Vite into dist/console) served at /console/ by one HTTP
// function outside the API (prefix ""). `/console` redirects to `/console/`; a path whose last
// segment has a file extension is that file or a 404; any other path is index.html, so the
// console's own router reads it (history routing). Hashed assets are cached for good, index.html
// is revalidated each time (ETag). Every answer carries a strict CSP. A path that could reach
// outside the folder (`..`, an encoded slash or backslash, an empty segment, a drive, NUL, a dot
// file) is refused with a 404 before the file system is asked. PRIVACY_CONSOLE_DIR may name
// another folder.

/** The site path the console is served at (its Vite `base`). */
const MOUNT = "console";

/** Where the build puts the console, from the build (dist/functions) and from source (functions/). */
const BUILT_LOCATIONS = ["../console/", "../dist/console/"];

/** The file types the console is made of; any other extension is a 404. */
const CONTENT_TYPES: Readonly<Record<string, { readonly type: string; readonly text: boolean }>> = {
  html: { type: "text/html; charset=utf-8", text: true },
  js: { type: "text/javascript; charset=utf-8", text: true },
  css: { type: "text/css; charset=utf-8", text: true },
  svg: { type: "image/svg+xml", text: true },
  json: { type: "application/json", text: true },
  map: { type: "application/json", text: true },
  png: { type: "image/png", text: false },
  ico: { type: "image/x-icon", text: false },
  woff2: { type: "font/woff2", text: false },
};

/** The media types a file of the console may have, as documented. */
const FILE_MEDIA = [...new Set(Object.values(CONTENT_TYPES).map((c) => c.type.split(";")[0] ?? c.type))];

export const CONSOLE_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** On every answer of the console, files, redirects and problems alike. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": CONSOLE_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/** Vite names the files under assets/ by their content hash: they never change under one name. */
const IMMUTABLE = "public, max-age=31536000, immutable";

export const CONSOLE_NOT_BUILT = "the console is not built: run npm run build";

/** What a path below /console asks for. */
export type ConsolePath =
  | { readonly kind: "redirect" }
  | { readonly kind: "refused" }
  /** A file: its decoded segments below the folder, and its extension (lower case). */
  | { readonly kind: "file"; readonly segments: readonly string[]; readonly extension: string }
  /** Any other path: the console's index.html. */
  | { readonly kind: "app" };

/** A segment that names something inside the folder and nothing else. */
function safeSegment(segment: string): boolean {
  if (segment === "" || segment.startsWith(".")) return false; // `//` (an absolute path), `.`, `..`, dot files
  if (/[/\\:]/.test(segment)) return false; // an encoded slash or backslash, a drive or stream (`C:`)
  // NUL and the other control characters.
  for (let i = 0; i < segment.length; i++) {
    const code = segment.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return false;
  }
  return true;
}

/** Reads a request's path (raw, still percent-encoded, as `URL.pathname` gives it). */
export function consolePath(pathname: string): ConsolePath {
  const raw = pathname.split("/").slice(1);
  if (raw[0]?.toLowerCase() !== MOUNT) return { kind: "refused" };
  if (raw.length === 1) return { kind: "redirect" };
  const rest = raw.slice(1);
  if (rest.at(-1) === "") rest.pop(); // `/console/`, `/console/queue/`
  const segments: string[] = [];
  for (const encoded of rest) {
    let segment: string;
    try {
      segment = decodeURIComponent(encoded);
    } catch {
      return { kind: "refused" };
    }
    if (!safeSegment(segment)) return { kind: "refused" };
    segments.push(segment);
  }
  const extension = /\.([A-Za-z0-9]+)$/.exec(segments.at(-1) ?? "")?.[1]?.toLowerCase();
  return extension === undefined ? { kind: "app" } : { kind: "file", segments, extension };
}

/** The folders the console may be in, in the order they are tried. */
export function consoleFolders(dir: string | undefined): readonly string[] {
  if (dir !== undefined && dir.trim() !== "") return [path.resolve(dir)];
  return BUILT_LOCATIONS.map((location) => fileURLToPath(new URL(location, import.meta.url)).replace(/[/\\]+$/, ""));
}

async function fileStat(file: string): Promise<{ size: number; mtimeMs: number } | undefined> {
  try {
    const found = await stat(file);
    return found.isFile() ? found : undefined;
  } catch {
    return undefined;
  }
}

/** The first folder holding an index.html: a console that is built. */
async function builtFolder(folders: readonly string[]): Promise<string | undefined> {
  for (const folder of folders) if ((await fileStat(path.join(folder, "index.html"))) !== undefined) return folder;
  return undefined;
}

function notFound(detail: string, instance: string): HttpResponseInit {
  const problem = problemResponse(new EngineError("not-found", detail), instance);
  return { ...problem, headers: { ...(problem.headers as Record<string, string>), ...SECURITY_HEADERS, "cache-control": "no-store" } };
}

async function sendFile(request: HttpRequest, file: string, extension: string, cacheControl: string, instance: string): Promise<HttpResponseInit> {
  const type = CONTENT_TYPES[extension];
  const found = type === undefined ? undefined : await fileStat(file);
  if (type === undefined || found === undefined) return notFound("no such file", instance);
  const etag = `"${found.size.toString(16)}-${Math.trunc(found.mtimeMs).toString(16)}"`;
  const headers = { ...SECURITY_HEADERS, "cache-control": cacheControl, etag };
  const wanted = request.headers.get("if-none-match");
  if (wanted !== null && wanted.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag)) return { status: 304, headers };
  const bytes = await readFile(file);
  return { status: 200, headers: { ...headers, "content-type": type.type }, body: type.text ? bytes.toString("utf8") : new Uint8Array(bytes) };
}

/** `dir`: PRIVACY_CONSOLE_DIR (read as the functions are built); unset, the folder the build writes. */
export function consoleHandlers(_deps: EngineDeps, dir: string | undefined = process.env.PRIVACY_CONSOLE_DIR) {
  const folders = consoleFolders(dir);

  /** Anonymous: the console's files are public; every call it makes to /api brings its own credentials. */
  const consoleHandler = async (request: HttpRequest): Promise<HttpResponseInit> => {
    const url = new URL(request.url);
    const instance = url.pathname;
    const asked = consolePath(url.pathname);
    if (asked.kind === "redirect") return { status: 301, headers: { ...SECURITY_HEADERS, location: `/${MOUNT}/${url.search}` } };
    if (asked.kind === "refused") return notFound("no such file", instance);
    const folder = await builtFolder(folders);
    if (folder === undefined) return notFound(CONSOLE_NOT_BUILT, instance);
    if (asked.kind === "app") return sendFile(request, path.join(folder, "index.html"), "html", "no-cache", instance);
    const file = path.resolve(folder, ...asked.segments);
    // The segments were checked one by one; this is the last word on staying inside the folder.
    const inside = path.relative(folder, file);
    if (inside === "" || inside.startsWith("..") || path.isAbsolute(inside)) return notFound("no such file", instance);
    const cacheControl = asked.segments[0] === "assets" && asked.segments.length > 1 ? IMMUTABLE : "no-cache";
    return sendFile(request, file, asked.extension, cacheControl, instance);
  };

  return { consoleHandler };
}

export type ConsoleHandlers = ReturnType<typeof consoleHandlers>;

export function consoleFunctions(deps: EngineDeps, h: ConsoleHandlers = consoleHandlers(deps)): readonly HttpFunctionDefinition[] {
  return [
    {
      kind: "http",
      name: "console",
      methods: ["GET"],
      // At the site's root, not under /api. The catch-all also matches nothing: /console itself.
      prefix: "",
      route: `${MOUNT}/{*path}`,
      handler: h.consoleHandler,
      doc: {
        summary: "The console's files (not part of the API)",
        tags: ["console"],
        anonymous: true,
        api: false,
        responses: {
          200: { description: "A file of the console, or its index.html for any path without a file extension", media: FILE_MEDIA },
          301: { description: "/console: to /console/" },
          304: { description: "The file has not changed (If-None-Match)" },
          404: problemDoc(`No such file, a path that could leave the console's folder, or: ${CONSOLE_NOT_BUILT}`),
        },
      },
    },
  ];
}
