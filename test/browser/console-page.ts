// A console page in Chromium as the browser tests drive it: what went wrong in it (uncaught
// errors, refused requests, Content-Security-Policy violations), an axe-core accessibility check,
// and a screenshot of every page under .data/console-screens/.
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { DATA_DIR } from "@sumo/db/embedded";
import type { AxeResults } from "axe-core";
import type { Browser, Locator, Page } from "playwright-core";
import { AXE_SCRIPT_PATH } from "./chromium.ts";

export const SCREENSHOT_DIR = path.join(DATA_DIR, "console-screens");

/** An accessibility violation as the tests report it. */
export interface Violation {
  page: string;
  id: string;
  impact: string | null | undefined;
  help: string;
  targets: string[];
}

/**
 * A new browser context (its own sessionStorage) showing one console page, 1280×900; with
 * `clipboardOrigin`, the page may write and read the clipboard there.
 */
export async function openConsolePage(
  browser: Browser,
  options: { clipboardOrigin?: string } = {},
): Promise<ConsolePage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  if (options.clipboardOrigin) {
    await context.grantPermissions(["clipboard-read", "clipboard-write"], {
      origin: options.clipboardOrigin,
    });
  }
  return new ConsolePage(await context.newPage());
}

export class ConsolePage {
  readonly page: Page;
  /** Console errors, page errors and CSP violations seen so far, with where. */
  readonly problems: string[] = [];
  /** Serious and critical accessibility violations found so far. */
  readonly violations: Violation[] = [];
  /** The pages checked, by name. */
  readonly checked: string[] = [];

  constructor(page: Page) {
    this.page = page;
    page.on("pageerror", (error) => this.problems.push(`${page.url()}: uncaught ${error.message}`));
    page.on("response", (response) => {
      if (
        response.url().includes("/console/") &&
        !response.url().includes("/v1/") &&
        response.status() >= 400
      ) {
        this.problems.push(`${page.url()}: ${response.url()} answered ${response.status()}`);
      }
    });
    page.on("console", (message) => {
      // A refused API call logs its status as an error; the tests expect those (422, 429, ...):
      // what must not happen is anything the Content-Security-Policy refused, or a script error.
      const text = message.text();
      if (/Content Security Policy|Refused to/i.test(text)) {
        this.problems.push(`${page.url()}: ${text}`);
      } else if (message.type() === "error" && !/Failed to load resource/.test(text)) {
        this.problems.push(`${page.url()}: console error ${text}`);
      }
    });
  }

  /** Marks the document, to tell later whether the page was loaded again. */
  async markDocument(): Promise<void> {
    await this.page.evaluate("window.__sameDocument = true");
  }

  /** Whether the document marked by markDocument is still the one shown (no reload). */
  async isSameDocument(): Promise<boolean> {
    return (await this.page.evaluate("window.__sameDocument === true")) as boolean;
  }

  /**
   * Checks the page as it is now with axe-core (serious and critical violations are kept for
   * the test to assert on) and saves its screenshot as <name>.png.
   */
  async check(name: string): Promise<void> {
    this.checked.push(name);
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    await this.page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
    // Evaluated through the DevTools protocol, which the page's CSP does not govern.
    if (!(await this.page.evaluate("typeof window.axe === 'object'"))) {
      await this.page.evaluate(await readFile(AXE_SCRIPT_PATH, "utf8"));
    }
    const results = (await this.page.evaluate(
      "axe.run(document, { resultTypes: ['violations'] })",
    )) as AxeResults;
    for (const violation of results.violations) {
      if (violation.impact === "serious" || violation.impact === "critical") {
        this.violations.push({
          page: name,
          id: violation.id,
          impact: violation.impact,
          help: violation.help,
          targets: violation.nodes.map((node) => node.target.join(" ")),
        });
      }
    }
  }

  /** A link of the console's navigation, by its exact name. */
  nav(name: string): Locator {
    return this.page
      .getByRole("navigation", { name: "Console" })
      .getByRole("link", { name, exact: true });
  }

  /** The page's alert: an error as the API said it. */
  alert(): Locator {
    return this.page.getByRole("alert");
  }

  /** The page's main heading. */
  heading(name: string | RegExp): Locator {
    return this.page.getByRole("heading", { level: 1, name });
  }

  /** The text of the page's main region. */
  async mainText(): Promise<string> {
    return this.page.locator("main").innerText();
  }
}
