// The browser side of the browser tests: Debian's chromium driven by playwright-core (which never
// downloads a browser: it is only told where one is), pages that record every console error,
// uncaught exception and failed request, axe-core injected from node_modules, and the sign-in
// every test starts with.

import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const DESKTOP = { width: 1280, height: 800 } as const;

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no browser at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH; these tests never download one`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ["--no-sandbox"] });
}

/**
 * Chromium logs every 4xx answer to fetch as a console error. The one the console provokes by
 * design: GET /api/me answers 401 to a tab that has not signed in (that is how it learns to show
 * the sign-in page). Every other failed load counts.
 */
function expectedRefusal(text: string, path: string): boolean {
  return path === "/api/me" && text.includes("status of 401");
}

/** A page in a fresh context (its own storage), and what went wrong on it. */
export interface TestPage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors, uncaught exceptions and failed requests, in order. */
  readonly errors: string[];
}

export async function newTestPage(browser: Browser, viewport: { width: number; height: number } = DESKTOP): Promise<TestPage> {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const source = message.location().url;
    const path = source === "" ? "" : new URL(source).pathname;
    if (expectedRefusal(message.text(), path)) return;
    errors.push(`console.error on ${new URL(page.url()).pathname}: ${message.text()}${path === "" ? "" : ` (${path})`}`);
  });
  page.on("pageerror", (error) => errors.push(`uncaught at ${page.url()}: ${error.message}`));
  page.on("requestfailed", (request) => {
    // Aborted on purpose: a call the console cancels (a page left, a newer load) or a download taken over.
    const failure = request.failure()?.errorText ?? "";
    if (failure !== "net::ERR_ABORTED") errors.push(`request failed: ${request.method()} ${new URL(request.url()).pathname}: ${failure}`);
  });
  return { context, page, errors };
}

/** Signs in with an API key on the sign-in page and waits for the shell's navigation (behind a menu button on a narrow screen). */
export async function signIn(page: Page, consoleUrl: string, apiKey: string): Promise<void> {
  await page.goto(consoleUrl);
  await page.getByLabel("API key").fill(apiKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Main", includeHidden: true }).waitFor({ state: "attached" });
}

/** The rule sets run: WCAG 2.0, 2.1 and 2.2 A and AA, and axe's best practices. */
export const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] as const;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: number;
  targets: string[];
}

interface AxeResultsShape {
  violations: { id: string; impact?: string | null; help: string; nodes: { target: unknown[] }[] }[];
  passes: unknown[];
  incomplete: { id: string }[];
}

export interface AxeSummary {
  violations: AxeViolation[];
  passes: number;
  /** Rules axe could not decide (left for a person to check), by id. */
  incomplete: string[];
}

/**
 * Runs axe-core (WCAG 2.x A and AA rules and best practices) on the page as it is now. axe is
 * evaluated through the DevTools protocol rather than added as a <script> tag
 * (page.addScriptTag): the console's CSP (script-src 'self') rightly refuses an inline script,
 * and the refusal would be a console error.
 */
export async function runAxe(page: Page): Promise<AxeSummary> {
  // Strings, not functions: the root tsconfig has no DOM types.
  if (!(await page.evaluate<boolean>('"axe" in window'))) await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate<unknown>(`axe.run(document, ${JSON.stringify({ runOnly: { type: "tag", values: AXE_TAGS } })})`);
  const shaped = results as AxeResultsShape;
  return {
    violations: shaped.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      nodes: v.nodes.length,
      targets: v.nodes.slice(0, 5).map((n) => n.target.map(String).join(" ")),
    })),
    passes: shaped.passes.length,
    incomplete: shaped.incomplete.map((r) => r.id),
  };
}

export const isBlocking = (violation: AxeViolation) => violation.impact === "serious" || violation.impact === "critical";
