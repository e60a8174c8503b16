import { ApiProblem, engine } from "./api.js";
import type { Me } from "./types.js";

// Who is signed in. The API key lives in sessionStorage (this tab only, gone when it closes) under
// one key; nothing else about the caller or the data is kept in the browser. Without a key the
// console relies on App Service Authentication (the organisation's sign-in): the cookie goes with
// every same-origin call and the engine reads the principal it yields.

const STORAGE_KEY = "privacy-console.api-key";

function storage(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    // Storage disabled (a privacy setting): the key lives only as long as the page.
    return undefined;
  }
}

let memoryKey: string | undefined;

export function apiKey(): string | undefined {
  const stored = storage()?.getItem(STORAGE_KEY) ?? memoryKey;
  return stored === "" ? undefined : stored;
}

export function setApiKey(key: string): void {
  memoryKey = key;
  storage()?.setItem(STORAGE_KEY, key);
}

export function clearApiKey(): void {
  memoryKey = undefined;
  storage()?.removeItem(STORAGE_KEY);
}

/** How the caller signed in: with an API key typed here, or through the organisation's sign-in. */
export type SignedInVia = "api-key" | "organisation";

export interface Session {
  readonly me: Me;
  readonly via: SignedInVia;
}

/**
 * Asks the engine who this is (GET /api/me), with the tab's key when there is one, else with the
 * organisation's sign-in. `undefined`: nobody (a 401); any other failure is thrown.
 */
export async function whoAmI(): Promise<Session | undefined> {
  const via: SignedInVia = apiKey() === undefined ? "organisation" : "api-key";
  try {
    return { me: await engine.me(), via };
  } catch (thrown) {
    if (thrown instanceof ApiProblem && thrown.status === 401) return undefined;
    throw thrown;
  }
}

/** App Service Authentication's sign-out, back to the console afterwards. */
export const ORGANISATION_SIGN_OUT = "/.auth/logout?post_logout_redirect_uri=/console/";
