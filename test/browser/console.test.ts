// The console in a real browser (Debian's chromium through playwright-core) against the whole
// stack of test/browser/support/stack.ts. Run by `npm run test:browser`
// (vitest.browser.config.ts), not by the main suite. Every page a test opens must log no console
// error, throw nothing and fail no request. What the README reports (first load time, the axe
// results of every page, the viewports) is written to test/browser/results/console.json, and the
// README's screenshots to docs/screenshots/.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { DESKTOP, isBlocking, launchBrowser, newTestPage, runAxe, signIn, type AxeSummary, type TestPage } from "./support/browser.js";
import { browserStorage, goTo, horizontalOverflow, loadTiming, NAV_PAGES, openRequest, settled, waitForStatus, type LoadTiming } from "./support/console-page.js";
import { RESULTS_DIR, SUBJECTS, type BrowserStack } from "./support/stack.js";

const stack = inject("browserStack") as BrowserStack | undefined;
if (stack === undefined) throw new Error("test/browser runs with its own stack: npm run test:browser (vitest --config vitest.browser.config.ts)");
const { consoleUrl, keys, orgId } = stack;

const SCREENSHOTS = join(import.meta.dirname, "..", "..", "docs", "screenshots");
const NARROW = { width: 400, height: 800 } as const;

let browser: Browser;
const pages: TestPage[] = [];
/** Requests the UI opened, for the tests after (the request page's scan and screenshot). */
const opened: { access?: string; erasure?: string } = {};
const results = {
  startedAt: new Date().toISOString(),
  chromium: "",
  firstLoad: undefined as LoadTiming | undefined,
  axe: {} as Record<string, AxeSummary>,
  horizontalOverflowPx: {} as Record<string, number>,
  testsMs: {} as Record<string, number>,
  screenshots: [] as string[],
};

async function open(viewport?: { width: number; height: number }): Promise<TestPage> {
  const created = await newTestPage(browser, viewport);
  pages.push(created);
  return created;
}

async function signedIn(key: string, viewport?: { width: number; height: number }): Promise<Page> {
  const { page } = await open(viewport);
  await signIn(page, consoleUrl, key);
  await settled(page);
  return page;
}

beforeAll(async () => {
  browser = await launchBrowser();
  results.chromium = browser.version();
});
afterAll(async () => {
  await browser.close();
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, "console.json"), `${JSON.stringify(results, null, 2)}\n`);
});
let started = 0;
beforeEach(() => {
  started = performance.now();
});
afterEach(async (context) => {
  results.testsMs[context.task.name] = Math.round(performance.now() - started);
  const errors = pages.flatMap((p) => p.errors);
  await Promise.all(pages.splice(0).map((p) => p.context.close()));
  expect(errors).toEqual([]);
});

describe("the console", () => {
  it("loads at /console/, signs in with an API key and keeps only that key, in this tab's storage", async () => {
    const { page, context } = await open();
    await page.goto(consoleUrl);
    results.firstLoad = await loadTiming(page);
    await page.getByLabel("API key").fill(keys.admin);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("navigation", { name: "Main", includeHidden: true }).waitFor({ state: "attached" });
    await settled(page);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Queue");
    const stored = await browserStorage(page);
    expect(stored.session.map(([, value]) => value)).toEqual([keys.admin]);
    expect(stored.local).toEqual([]);
    expect(await context.cookies()).toEqual([]);
    // Signing out removes the key.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API key").waitFor();
    expect((await browserStorage(page)).session).toEqual([]);
  });

  it("lists the requests in the queue, each linking to its page", async () => {
    const page = await signedIn(keys.admin);
    const table = page.getByRole("region", { name: "Requests" }).getByRole("table");
    await expect.poll(() => table.getByRole("row").count()).toBeGreaterThanOrEqual(1 + stack.openedIds.length);
    for (const id of stack.openedIds) {
      await expect.poll(() => table.locator(`a[href="/console/requests/${id}"]`).count()).toBe(1);
    }
    await table.getByRole("link", { name: /Objection/ }).first().click();
    await settled(page);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Objection request");
  });

  it("opens an access request with attested identity, shows it complete and hands over its package", async () => {
    const page = await signedIn(keys.admin);
    opened.access = await openRequest(page, { type: "access", orgId, subject: { phone: SUBJECTS.access.phone }, attestedBy: "service desk, ID card seen" });
    await waitForStatus(page, "Completed");
    const packageSection = page.getByRole("region", { name: "Access package" });
    // The button opens a freshly signed link (to Azurite here) in a new tab, which closes at
    // once: Chromium hands the download to the page that opened it.
    const download = page.waitForEvent("download");
    await packageSection.getByRole("button", { name: "Download package" }).click();
    const bytes = readFileSync(await (await download).path());
    expect(bytes.subarray(0, 4).toString("latin1")).toBe("PK\u0003\u0004");
    // The fallback link on the page is the same link: it answers 200 with a zip.
    const href = await packageSection.getByRole("link", { name: "open the package" }).getAttribute("href");
    const response = await fetch(href ?? "");
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).subarray(0, 2).toString("latin1")).toBe("PK");
  });

  it("opens an erasure, shows its certificate and has the engine verify it", async () => {
    const page = await signedIn(keys.admin);
    opened.erasure = await openRequest(page, { type: "erasure", orgId, subject: { email: SUBJECTS.erasure.email }, attestedBy: "service desk, call-back verified" });
    await waitForStatus(page, "Completed");
    const certificate = page.getByRole("region", { name: "Erasure certificate" });
    await certificate.getByRole("button", { name: "Verify certificate" }).click();
    await expect.poll(() => certificate.getByRole("status").textContent()).toMatch(/^The signature verifies/);
  });

  it("shows an auditor no action on a request page, where an admin has them", async () => {
    const waiting = stack.openedIds[1] ?? "";
    const admin = await signedIn(keys.admin);
    await admin.goto(`${consoleUrl}requests/${waiting}`);
    await settled(admin);
    expect(await admin.getByRole("region", { name: "Actions" }).getByRole("button").count()).toBeGreaterThan(0);

    const auditor = await signedIn(keys.auditor);
    expect(await auditor.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "New request" }).count()).toBe(0);
    for (const id of [waiting, opened.access]) {
      if (id === undefined) continue;
      await auditor.goto(`${consoleUrl}requests/${id}`);
      await settled(auditor);
      expect(await auditor.getByRole("region", { name: "Actions" }).count()).toBe(0);
      expect(await auditor.getByRole("main").getByRole("button").count()).toBe(0);
    }
  });

  it("has no serious or critical axe violation on any page", async () => {
    const page = await signedIn(keys.admin);
    for (const name of NAV_PAGES) {
      await goTo(page, name);
      results.axe[name] = await runAxe(page);
    }
    await page.goto(`${consoleUrl}requests/${opened.access ?? stack.openedIds[0] ?? ""}`);
    await settled(page);
    results.axe.Request = await runAxe(page);
    const signInPage = (await open()).page;
    await signInPage.goto(consoleUrl);
    await signInPage.getByLabel("API key").waitFor();
    results.axe["Sign in"] = await runAxe(signInPage);
    const blocking = Object.entries(results.axe).flatMap(([name, summary]) => summary.violations.filter(isBlocking).map((v) => `${name}: ${v.id} (${v.impact ?? "?"}) ${v.help}: ${v.targets.join(", ")}`));
    expect(blocking).toEqual([]);
  });

  it("renders the queue without horizontal scroll at 1280×800 and 400 px wide", async () => {
    for (const [label, viewport] of [["1280x800", DESKTOP], ["400x800", NARROW]] as const) {
      const page = await signedIn(keys.admin, viewport);
      results.horizontalOverflowPx[`queue ${label}`] = await horizontalOverflow(page);
      expect(await horizontalOverflow(page), `queue at ${label}`).toBe(0);
    }
  });

  it("takes the README's screenshots (queue, a request, the dashboard) at 1280×800", async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const page = await signedIn(keys.admin);
    const shoot = async (file: string) => {
      await page.screenshot({ path: join(SCREENSHOTS, file), animations: "disabled", caret: "hide" });
      results.screenshots.push(`docs/screenshots/${file}`);
    };
    await shoot("queue.png");
    await page.goto(`${consoleUrl}requests/${opened.access ?? stack.openedIds[0] ?? ""}`);
    await settled(page);
    await shoot("request.png");
    await goTo(page, "Dashboard");
    await shoot("dashboard.png");
  });
});
