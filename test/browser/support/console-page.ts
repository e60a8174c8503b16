// What the browser tests do on the console's pages, by accessible role and name (the names
// promised in notes/console.md and used by src/console): reach a page through the main
// navigation, wait until it has loaded, open a request through the form, wait for a request
// to reach a status, and measure what the README reports (first load, horizontal overflow).

import { expect } from "vitest";
import type { Locator, Page } from "playwright-core";

/** The console's pages as the main navigation names them (app.tsx NAV), the request page aside. */
export const NAV_PAGES = ["Queue", "New request", "Dashboard", "Legal holds", "Subject status", "Sweeps", "Data map"] as const;
export type NavPage = (typeof NAV_PAGES)[number];

/** Waits until nothing on the page says it is loading (the console's Loading notes are role=status). */
export async function settled(page: Page): Promise<void> {
  await page.getByRole("heading", { level: 1 }).first().waitFor();
  await expect.poll(() => page.getByRole("status").filter({ hasText: /Loading|Checking/ }).count(), { timeout: 20_000 }).toBe(0);
}

export async function goTo(page: Page, name: NavPage): Promise<void> {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true }).click();
  await settled(page);
}

/** The id in a request page's address (/console/requests/{id}). */
export function requestIdOf(page: Page): string {
  const found = /\/console\/requests\/([^/?#]+)$/.exec(new URL(page.url()).pathname);
  if (found?.[1] === undefined) throw new Error(`not on a request page: ${page.url()}`);
  return decodeURIComponent(found[1]);
}

export interface NewRequest {
  /** The value of the "Request type" select (the engine's type). */
  type: "access" | "erasure";
  orgId: string;
  subject: { phone?: string; email?: string };
  /** Who checked the identity: opens the request attested. */
  attestedBy: string;
}

/** Fills and sends the new-request form; resolves on the new request's page, with its id. */
export async function openRequest(page: Page, request: NewRequest): Promise<string> {
  await goTo(page, "New request");
  const form = page.getByRole("form", { name: "New request" });
  await form.getByLabel("Request type").selectOption(request.type);
  const org = form.getByRole("textbox", { name: "Organisation" });
  if ((await org.count()) > 0) await org.fill(request.orgId);
  else await form.getByRole("combobox", { name: "Organisation" }).selectOption(request.orgId);
  if (request.subject.phone !== undefined) await form.getByLabel("Phone").fill(request.subject.phone);
  if (request.subject.email !== undefined) await form.getByLabel("Email").fill(request.subject.email);
  await form.getByRole("radio", { name: /attested/ }).check();
  await form.getByLabel("Checked by").fill(request.attestedBy);
  await form.getByRole("button", { name: "Open request" }).click();
  await page.waitForURL((url) => /^\/console\/requests\/[^/]+$/.test(url.pathname) && url.pathname !== "/console/requests/new");
  await settled(page);
  return requestIdOf(page);
}

/** The request page's status badge, beside its heading. */
export function statusOf(page: Page): Locator {
  return page.locator(".page-header").getByText(/^(Awaiting verification|Queued|In progress|Completed|Rejected|Cancelled|Failed)$/);
}

/** Waits for the request page (which polls while work runs) to show `status`; fails early on Failed. */
export async function waitForStatus(page: Page, status: string, timeout = 90_000): Promise<void> {
  await expect
    .poll(
      async () => {
        const shown = (await statusOf(page).first().textContent()) ?? "";
        if (shown === "Failed") throw new Error(`the request failed: ${(await page.getByRole("main").textContent()) ?? ""}`);
        return shown;
      },
      { timeout, interval: 500 },
    )
    .toBe(status);
}

export interface LoadTiming {
  /** Navigation start to the end of the load event, ms. */
  loadEventEnd: number;
  domContentLoadedEventEnd: number;
  responseEnd: number;
  /** Bytes of index.html over the wire. */
  documentTransferSize: number;
  /** Every resource of the page (scripts, styles) with its transfer size. */
  resources: { name: string; transferSize: number; duration: number }[];
}

/** Navigation timing of the page's document, after its load event. */
export async function loadTiming(page: Page): Promise<LoadTiming> {
  await page.waitForLoadState("load");
  await expect.poll(() => page.evaluate<number>('performance.getEntriesByType("navigation")[0]?.loadEventEnd ?? 0')).toBeGreaterThan(0);
  return page.evaluate<LoadTiming>(`(() => {
    const n = performance.getEntriesByType("navigation")[0];
    const resources = performance.getEntriesByType("resource").map((r) => ({ name: new URL(r.name).pathname, transferSize: r.transferSize, duration: Math.round(r.duration) }));
    return { loadEventEnd: Math.round(n.loadEventEnd), domContentLoadedEventEnd: Math.round(n.domContentLoadedEventEnd), responseEnd: Math.round(n.responseEnd), documentTransferSize: n.transferSize, resources };
  })()`);
}

/** How far the document is wider than the window (0: no horizontal scroll). */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate<number>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
}

/** Everything the page keeps in the browser's storage. */
export async function browserStorage(page: Page): Promise<{ session: [string, string][]; local: [string, string][] }> {
  return page.evaluate<{ session: [string, string][]; local: [string, string][] }>(
    "({ session: Object.entries(sessionStorage), local: Object.entries(localStorage) })",
  );
}
