import { useEffect, useState } from "preact/hooks";

// A tiny history router under /console/. The path names the page, the query string holds its
// filters (so a link to a filtered queue can be shared). `navigate` pushes a history entry and
// tells every `useRoute` hook; the back button arrives as popstate.

export const BASE = "/console";

export type Query = Readonly<Record<string, string>>;

export interface Route {
  /** The path inside the console: "/", "/requests/abc", ... */
  readonly path: string;
  readonly query: Query;
}

const CHANGE = "console:navigate";

function current(): Route {
  const { pathname, search } = window.location;
  const inside = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const path = inside === "" ? "/" : inside.replace(/\/+$/, "") || "/";
  return { path, query: Object.fromEntries(new URLSearchParams(search).entries()) };
}

/** The console URL of a path and query; empty query values are left out. */
export function href(path: string, query: Readonly<Record<string, string | undefined>> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== "") params.set(name, value);
  const search = params.toString();
  return `${BASE}${path === "/" ? "/" : path}${search === "" ? "" : `?${search}`}`;
}

export function navigate(path: string, query: Readonly<Record<string, string | undefined>> = {}, options: { replace?: boolean } = {}): void {
  const url = href(path, query);
  if (url === `${window.location.pathname}${window.location.search}`) return;
  if (options.replace === true) window.history.replaceState(null, "", url);
  else window.history.pushState(null, "", url);
  window.dispatchEvent(new Event(CHANGE));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => {
      setRoute(current());
    };
    window.addEventListener("popstate", update);
    window.addEventListener(CHANGE, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(CHANGE, update);
    };
  }, []);
  return route;
}

/** A path pattern like "/requests/:id" matched against a path: the parameters, or undefined. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split("/").filter(Boolean);
  const got = path.split("/").filter(Boolean);
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? "";
    const g = got[i] ?? "";
    if (w.startsWith(":")) params[w.slice(1)] = decodeURIComponent(g);
    else if (w !== g) return undefined;
  }
  return params;
}

/**
 * A click on an in-console link: handled here unless the user asked for a new tab or window
 * (modifier keys, middle button) or the link leaves the console.
 */
export function followLink(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = event.currentTarget;
  if (!(anchor instanceof HTMLAnchorElement) || anchor.target !== "" || anchor.origin !== window.location.origin) return;
  if (!anchor.pathname.startsWith(BASE)) return;
  event.preventDefault();
  const inside = anchor.pathname.slice(BASE.length) || "/";
  navigate(inside, Object.fromEntries(new URLSearchParams(anchor.search).entries()));
}
