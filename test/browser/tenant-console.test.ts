// The tenant console in real Chromium against the real services and the local cluster: a
// tenant signs in, uploads a scenario, submits jobs, watches one run to SUCCEEDED on its page
// and the dashboard, reads its log and result, cancels another, pages and filters the job list,
// creates a sweep and reads its results, and signs out; bad input in every form shows the API's
// own message. Every page is checked with axe-core and saved as a screenshot.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildConsoles } from "@sumo/console/build";
import { insertJob } from "@sumo/db/queries";
import { makeJob } from "@sumo/db/testing";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type E2eContext, startE2eContext, type TenantClient } from "../e2e/e2e-context.ts";
import { pollUntil } from "../poll-until.ts";
import { gridBundle } from "../scenario-bundle.ts";
import { launchChromium } from "./chromium.ts";
import { type ConsolePage, openConsolePage } from "./console-page.ts";

/** Long enough for the waits below: a job's whole run on the local cluster, a page's refresh. */
const WAIT_MS = 90_000;

let ctx: E2eContext;
let tenant: TenantClient;
let browser: Browser;
let ui: ConsolePage;
let files: string;
const jobs: { watched?: string; cancelled?: string } = {};

beforeAll(async () => {
  // The console as the source is now (esbuild: well under a second), served by the api.
  await buildConsoles();
  ctx = await startE2eContext();
  tenant = await ctx.createTenant({ maxConcurrentJobs: 2 });
  files = await mkdtemp(path.join(tmpdir(), "console-test-"));
  await writeFile(path.join(files, "grid.tar.gz"), await gridBundle());
  await writeFile(path.join(files, "notes.tar.gz"), "these are notes, not an archive\n");
  browser = await launchChromium();
  ui = await openConsolePage(browser);
});

afterAll(async () => {
  await browser?.close();
  await ctx?.close();
  if (files) await rm(files, { recursive: true, force: true });
});

const consoleUrl = (pathname = "/console/") => `${ctx.platform.apiUrl}${pathname}`;
const page = () => ui.page;
const nav = (name: string) => ui.nav(name);
const alert = () => ui.alert();
const heading = (name: string | RegExp) => ui.heading(name);
const jobIdOfUrl = () => /\/console\/jobs\/([0-9a-f-]{36})$/.exec(page().url())?.[1];
const statusBadge = () => page().locator(".page-header .status");
/** How the console shows a job id in tables: its last 8 digits (UUIDv7 start with the time). */
const shortId = (id: string | undefined) => (id ?? "").slice(-8);

describe("the tenant console", () => {
  it("serves its page under a strict Content-Security-Policy", async () => {
    const response = await page().goto(consoleUrl());
    const policy = response?.headers()["content-security-policy"] ?? "";
    expect(policy).toContain("default-src 'self'");
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toContain("unsafe");
    expect(response?.headers()["cache-control"]).toBe("no-cache");
  });

  it("refuses a wrong API key with the API's message, and signs in with the tenant's", async () => {
    await page().goto(consoleUrl("/console/jobs"));
    await page().getByLabel("API key").fill("sumo_not-a-key");
    await page().getByRole("button", { name: "Sign in" }).click();
    await alert().waitFor();
    expect(await alert().innerText()).toContain("unauthorized");
    await ui.check("sign-in-refused");

    await page().getByLabel("API key").fill(tenant.apiKey);
    await page().getByRole("button", { name: "Sign in" }).click();
    // The page asked for is shown once signed in.
    await heading("Jobs").waitFor();
    expect(await page().evaluate("Object.values(sessionStorage)")).toEqual([tenant.apiKey]);
    await nav("Dashboard").click();
    await heading("Dashboard").waitFor();
    await page().getByRole("heading", { name: "Usage against your limits" }).waitFor();
    expect(
      await page()
        .getByRole("meter", { name: /^CPU: 0 of 4 cores/ })
        .count(),
    ).toBe(1);
    await ui.check("dashboard-empty");
  });

  it("uploads a scenario with a progress bar, and shows the API's refusal of a bad bundle", async () => {
    await nav("Scenarios").click();
    await heading("Scenarios").waitFor();
    await ui.markDocument();
    // The upload's progress, as its text says it: recorded as it changes, however fast.
    await page().evaluate(`
      window.__uploadProgress = [];
      new MutationObserver(() => {
        const text = document.querySelector("form .progress-text")?.textContent;
        if (text && window.__uploadProgress.at(-1) !== text) window.__uploadProgress.push(text);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    `);
    await page().getByLabel("Name").fill("broken");
    await page().getByLabel("Bundle").setInputFiles(path.join(files, "notes.tar.gz"));
    await page().getByRole("button", { name: "Upload" }).click();
    await alert().waitFor();
    expect(await alert().innerText()).toContain("not_an_archive");
    await ui.check("scenarios-refused");

    // "e2e": the local cluster's simulated runs of this name succeed (scenarioNameFor).
    await page().getByLabel("Name").fill("e2e");
    await page().getByLabel("Bundle").setInputFiles(path.join(files, "grid.tar.gz"));
    await page().getByRole("button", { name: "Upload" }).click();
    await page().getByRole("status").filter({ hasText: "Uploaded e2e." }).waitFor();
    const row = page().locator("tbody tr").filter({ hasText: "e2e" });
    await row.waitFor();
    expect(await row.innerText()).toContain("grid.sumocfg");
    expect(await page().evaluate("window.__uploadProgress")).toContain("100%");
    expect(await ui.isSameDocument()).toBe(true);
    await ui.check("scenarios");
    expect((await tenant.call("GET", "/v1/scenarios/e2e")).status).toBe(200);
  });

  it("submits jobs from the form, and shows the API's 422 and 429", async () => {
    await nav("Submit a job").click();
    await heading("Submit a job").waitFor();
    await page().getByLabel("Scenario", { exact: true }).selectOption("e2e");
    expect(await page().locator("#cpu-hint").innerText()).toBe("Your limit: 4 cores");
    await page().getByLabel("CPU (cores)").fill("64");
    await page().getByRole("button", { name: "Submit" }).click();
    await alert().waitFor();
    expect(await alert().innerText()).toContain("job_exceeds_tenant_limits");
    await ui.check("submit-refused");

    // Simulated runs last end/100 seconds: a minute to watch on two pages, then one to cancel.
    await page().getByLabel("CPU (cores)").fill("0.5");
    await page().getByLabel("Memory (GiB)").fill("0.5");
    await page().getByLabel("End (s)").fill("6000");
    await page().getByRole("button", { name: "Submit" }).click();
    await page().waitForURL(/\/console\/jobs\/[0-9a-f-]{36}$/);
    jobs.watched = jobIdOfUrl();

    await nav("Submit a job").click();
    await heading("Submit a job").waitFor();
    await page().getByLabel("Scenario", { exact: true }).selectOption("e2e");
    await page().getByLabel("End (s)").fill("60000");
    await page().getByRole("button", { name: "Submit" }).click();
    await page().waitForURL(/\/console\/jobs\/[0-9a-f-]{36}$/);
    jobs.cancelled = jobIdOfUrl();
    expect(jobs.cancelled).not.toBe(jobs.watched);

    // Two jobs pend or run: the tenant's limit.
    await nav("Submit a job").click();
    await heading("Submit a job").waitFor();
    await page().getByLabel("Scenario", { exact: true }).selectOption("e2e");
    await page().getByRole("button", { name: "Submit" }).click();
    await alert().waitFor();
    const refusal = await alert().innerText();
    expect(refusal).toContain("concurrent_job_limit_reached");
    expect(refusal).toMatch(/Try again in \d+ s/);
    await ui.check("submit-429");
  });

  it("shows the running job's timeline, progress and live log, and it on the dashboard", async () => {
    const jobId = jobs.watched ?? "";
    await page().goto(consoleUrl(`/console/jobs/${jobId}`));
    await ui.markDocument();
    await statusBadge().filter({ hasText: "RUNNING" }).waitFor({ timeout: WAIT_MS });
    // Progress as the runner reports it, read from the pod's log.
    await page()
      .locator(".job-progress .progress-text")
      .filter({ hasText: /^\d+%/ })
      .waitFor({ timeout: WAIT_MS });
    await page().getByText("following the pod live").waitFor();
    await page()
      .getByRole("log")
      .filter({ hasText: "[sumo-runner]" })
      .waitFor({ timeout: WAIT_MS });
    const timeline = await page().locator(".timeline").innerText();
    expect(timeline).toMatch(/Submitted\n.+\d/);
    expect(timeline).toMatch(/Started\n.+\d/);
    await ui.check("job-running");

    await nav("Dashboard").click();
    const running = page()
      .locator(".running-jobs li")
      .filter({ hasText: shortId(jobId) });
    await running.waitFor({ timeout: WAIT_MS });
    expect(await running.getByRole("progressbar").count()).toBe(1);
    const cpu =
      (await page().getByRole("meter", { name: /^CPU/ }).getAttribute("aria-label")) ?? "";
    expect(cpu).toMatch(/^CPU: (0\.5|1) of 4 cores/);
    await ui.check("dashboard");
    // The dashboard refreshes itself: the job ends there without a reload.
    await page()
      .locator("tbody tr")
      .filter({ hasText: shortId(jobId) })
      .filter({ hasText: "SUCCEEDED" })
      .waitFor({ timeout: WAIT_MS });
    expect(await running.count()).toBe(0);
    expect(await ui.isSameDocument()).toBe(true);
  });

  it("shows the job SUCCEEDED with its result and its log", async () => {
    const jobId = jobs.watched ?? "";
    await page()
      .getByRole("link", { name: shortId(jobId) })
      .first()
      .click();
    await statusBadge().filter({ hasText: "SUCCEEDED" }).waitFor({ timeout: WAIT_MS });
    const result = page().getByRole("definition").first();
    await result.waitFor();
    const summary = await page().locator(".run-summary").innerText();
    const job = await tenant.job(jobId);
    expect(job.status).toBe("SUCCEEDED");
    expect(summary).toContain(`${job.result?.vehicles.inserted} inserted`);
    expect(summary).toContain(String(job.result?.sumo_version));
    await page()
      .getByRole("log")
      .filter({ hasText: "[sumo-runner] succeeded" })
      .waitFor({ timeout: WAIT_MS });
    expect(await page().locator(".timeline li.reached").count()).toBe(4);
    await ui.check("job-succeeded");
  });

  it("cancels another job from its page", async () => {
    const jobId = jobs.cancelled ?? "";
    await page().goto(consoleUrl(`/console/jobs/${jobId}`));
    await page().getByRole("button", { name: "Cancel job" }).click();
    await statusBadge().filter({ hasText: "CANCELLED" }).waitFor({ timeout: WAIT_MS });
    await page().getByText("Cancelled by tenant").waitFor();
    expect(await page().getByRole("button", { name: "Cancel job" }).count()).toBe(0);
    expect((await tenant.job(jobId)).status).toBe("CANCELLED");
    await ui.check("job-cancelled");
  });

  it("runs a job again with another seed, showing the API's refusal of a bad one", async () => {
    const original = jobs.watched ?? "";
    await page().goto(consoleUrl(`/console/jobs/${original}`));
    await statusBadge().filter({ hasText: "SUCCEEDED" }).waitFor({ timeout: WAIT_MS });
    await page().getByRole("button", { name: "Run again with changes…" }).click();
    const form = page().getByRole("region", { name: "Run again with changes" });
    const seed = form.getByLabel("Seed");
    await seed.fill("1.5");
    await form.getByRole("button", { name: "Run it" }).click();
    await form.getByRole("alert").waitFor();
    const refusal = await form.getByRole("alert").innerText();
    expect(refusal).toContain("validation_failed");
    expect(refusal).toContain("scenario.seed");
    await ui.check("job-rerun-refused");

    await seed.fill("7");
    await form.getByRole("button", { name: "Run it" }).click();
    await page().waitForURL((url) => !url.pathname.endsWith(original));
    const rerunId = jobIdOfUrl() ?? "";
    await heading(new RegExp(shortId(rerunId))).waitFor();
    const rerun = (await tenant.job(rerunId)) as unknown as {
      rerun_of: string | null;
      scenario: { seed?: number } | null;
    };
    expect(rerun.rerun_of).toBe(original);
    expect(rerun.scenario?.seed).toBe(7);
    // The page links back to the job it runs again.
    await page()
      .getByRole("link", { name: shortId(original) })
      .waitFor();
  });

  it("charts the tenant's jobs over time on the dashboard, with their numbers", async () => {
    await nav("Dashboard").click();
    const charts = page().getByRole("region", { name: "Your jobs over time" });
    await charts.getByRole("figure", { name: "Your jobs per hour" }).locator("canvas").waitFor();
    await charts.getByRole("figure", { name: "Your jobs running and waiting" }).waitFor();
    await charts.getByRole("figure", { name: /^Run time of your jobs/ }).waitFor();
    await charts.getByText(/^The numbers/).click();
    // The table's totals are the API's: the watched job succeeded, the other was cancelled.
    const totals = async () => {
      const rows = await charts
        .getByRole("table", { name: "Jobs per interval" })
        .locator("tbody tr")
        .evaluateAll((trs) =>
          trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")),
        );
      const sum = (column: number) => rows.reduce((n, row) => n + Number(row[column]), 0);
      return { submitted: sum(1), succeeded: sum(3), cancelled: sum(5) };
    };
    const activity = (await tenant.call("GET", "/v1/activity")).body as {
      intervals: { submitted: number; succeeded: number; cancelled: number }[];
    };
    const apiSum = (key: "submitted" | "succeeded" | "cancelled") =>
      activity.intervals.reduce((n, interval) => n + interval[key], 0);
    expect(await totals()).toEqual({
      submitted: apiSum("submitted"),
      succeeded: apiSum("succeeded"),
      cancelled: apiSum("cancelled"),
    });
    expect(apiSum("succeeded")).toBeGreaterThanOrEqual(1);
    expect(apiSum("cancelled")).toBeGreaterThanOrEqual(1);
    await ui.check("dashboard-activity");

    // Thirty days, in days: the same jobs.
    await charts.getByLabel("30 days").check();
    await charts.getByRole("figure", { name: "Your jobs per day" }).locator("canvas").waitFor();
    await charts.getByRole("columnheader", { name: "Day (UTC)" }).waitFor();
    expect((await totals()).succeeded).toBe(apiSum("succeeded"));
  });

  it("filters the job list by status and pages through it without a reload", async () => {
    // Earlier jobs, ended long ago, straight in the database: enough for a second page.
    const scenario = (await tenant.call("GET", "/v1/scenarios/e2e")).body;
    const longAgo = new Date(Date.now() - 86_400_000);
    for (let i = 0; i < 21; i++) {
      await insertJob(
        ctx.database.db,
        makeJob({
          tenantId: tenant.tenantId,
          scenarioId: scenario.scenario_id,
          scenarioName: "e2e",
          scenarioSha256: scenario.sha256,
          scenarioConfig: scenario.config,
          status: "SUCCEEDED",
          submittedAt: longAgo,
          updatedAt: longAgo,
          finishedAt: longAgo,
        }),
      );
    }
    await nav("Jobs").click();
    await heading("Jobs").waitFor();
    await ui.markDocument();
    const rows = page().locator("main tbody tr");
    // (Not page.waitForFunction: it evaluates a string predicate with eval, which the CSP forbids.)
    const rowsAre = (count: number) =>
      pollUntil(
        `${count} rows`,
        async () => {
          const seen = await rows.count();
          return seen === count ? { done: true, value: seen } : { done: false, seen };
        },
        { timeoutMs: WAIT_MS, intervalMs: 100 },
      );

    await page().getByLabel("Status").selectOption("CANCELLED");
    await page().waitForURL(/\?status=CANCELLED$/);
    await rowsAre(1);
    expect(await rows.innerText()).toContain(shortId(jobs.cancelled));

    await page().getByLabel("Status").selectOption("SUCCEEDED");
    await rowsAre(20); // 22 SUCCEEDED: the watched job and the 21 above
    await page().getByRole("button", { name: "Older" }).click();
    await rowsAre(2);
    expect(await page().getByRole("button", { name: "Older" }).isDisabled()).toBe(true);
    await ui.check("jobs");
    await page().getByRole("button", { name: "Newer" }).click();
    await rowsAre(20);
    expect(await rows.first().innerText()).toContain(shortId(jobs.watched));
    expect(await ui.isSameDocument()).toBe(true);
  });

  it("creates a sweep showing its member count first, shows a refusal, and charts its results", async () => {
    await nav("Sweeps").click();
    await heading("Sweeps").waitFor();
    await ui.check("sweeps-empty");
    await page().getByRole("link", { name: "Create a sweep" }).click();
    await heading("Create a sweep").waitFor();
    await page().getByLabel("Scenario", { exact: true }).selectOption("e2e");
    await page().getByLabel("Seed: from").fill("1");
    await page().getByLabel("Seed: to").fill("3");
    await page().getByLabel("End (s) varies").selectOption("list");
    await page().getByLabel("End (s): values").fill("100, 200");
    expect(await page().locator(".member-count").innerText()).toBe("6 members");
    await page().getByLabel("CPU (cores)").fill("64");
    await page().getByRole("button", { name: "Create the sweep" }).click();
    await alert().waitFor();
    expect(await alert().innerText()).toContain("job_exceeds_tenant_limits");
    await ui.check("new-sweep-refused");

    await page().getByLabel("CPU (cores)").fill("0.1");
    await page().getByLabel("Memory (GiB)").fill("0.1");
    await page().getByRole("button", { name: "Create the sweep" }).click();
    await page().waitForURL(/\/console\/sweeps\/[0-9a-f-]{36}$/);
    await page()
      .getByText("6 of 6 members ended")
      .waitFor({ timeout: WAIT_MS * 2 });
    // Each member's simulated seconds is its end (the local cluster's runner says so).
    const simulated = page().getByRole("row", { name: /^Simulated time/ });
    await simulated.waitFor();
    expect(await simulated.innerText()).toMatch(/^Simulated time \(s\)\s+6\s+150\s/);
    await page().getByLabel("Metric").selectOption("simulated_seconds");
    await page().getByLabel("Against").selectOption("end");
    await page().locator(".chart .uplot canvas").first().waitFor();
    expect(await page().getByText("6 members that succeeded").count()).toBe(1);
    await ui.check("sweep");
  });

  it("signs out, forgetting the key", async () => {
    await page().getByRole("button", { name: "Sign out" }).click();
    await page().getByLabel("API key").waitFor();
    expect(await page().evaluate("sessionStorage.length")).toBe(0);
    await page().reload();
    await page().getByLabel("API key").waitFor();
    await ui.check("sign-in");
  });

  it("had no serious or critical accessibility violation on any page, and no script or CSP error", () => {
    expect(ui.checked.length).toBeGreaterThanOrEqual(10);
    expect(ui.violations).toEqual([]);
    expect(ui.problems).toEqual([]);
  });
});
