// The admin console in real Chromium against the real services and the local cluster: an admin
// signs in (a wrong token refused), creates a tenant and copies its key, which then works on the
// tenant API; changes its limits and sees the tenant's ResourceQuota follow; issues a key and
// revokes the first, which the tenant API then refuses; cancels the tenant's job from the job
// list; reads the nodes with their bars; and signs out. Bad input in every form shows the API's
// own message. Every page is checked with axe-core and saved as a screenshot.
import { quantityToScalar } from "@kubernetes/client-node/dist/util.js";
import { buildConsoles } from "@sumo/console/build";
import { TENANT_QUOTA_NAME, tenantNamespaceName } from "@sumo/kubernetes";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type E2eContext,
  simulatedRun,
  startE2eContext,
  type TenantClient,
} from "../e2e/e2e-context.ts";
import { pollUntil } from "../poll-until.ts";
import { launchChromium } from "./chromium.ts";
import { type ConsolePage, openConsolePage } from "./console-page.ts";

/** Long enough for the waits below: a job's scheduling on the local cluster, a page's refresh. */
const WAIT_MS = 90_000;

let ctx: E2eContext;
let browser: Browser;
let ui: ConsolePage;
const made: { tenantId?: string; firstKey?: string; secondKey?: string; jobId?: string } = {};

beforeAll(async () => {
  // The consoles as the source is now (esbuild: well under a second), served by their services.
  await buildConsoles();
  ctx = await startE2eContext();
  browser = await launchChromium();
  ui = await openConsolePage(browser, { clipboardOrigin: ctx.platform.adminUrl });
});

afterAll(async () => {
  await browser?.close();
  await ctx?.close();
});

const consoleUrl = (pathname = "/console/") => `${ctx.platform.adminUrl}${pathname}`;
const page = () => ui.page;
const tenant = (): TenantClient => ctx.tenantClient(made.tenantId ?? "", made.firstKey ?? "");
const asTenant = async (apiKey: string) =>
  (
    await fetch(`${ctx.platform.apiUrl}/v1/dashboard`, {
      headers: { authorization: `Bearer ${apiKey}` },
    })
  ).status;
const cores = (quantity: string | undefined) => (quantity ? Number(quantityToScalar(quantity)) : 0);
/** The tenant namespace's ResourceQuota once it holds `cpu` cores and `pods` pods. */
const quotaOf = (cpu: number, pods: number) =>
  pollUntil(
    `the ResourceQuota at ${cpu} cores and ${pods} pods`,
    async () => {
      const quota = await ctx.core
        .readNamespacedResourceQuota({
          name: TENANT_QUOTA_NAME,
          namespace: tenantNamespaceName(made.tenantId ?? ""),
        })
        .catch(() => undefined);
      const hard = quota?.spec?.hard ?? {};
      return cores(hard["requests.cpu"]) === cpu && hard.pods === String(pods)
        ? { done: true, value: hard }
        : { done: false, seen: hard };
    },
    { timeoutMs: WAIT_MS },
  );

describe("the admin console", () => {
  it("is served by the admin service under a strict Content-Security-Policy", async () => {
    const response = await page().goto(consoleUrl());
    const policy = response?.headers()["content-security-policy"] ?? "";
    expect(policy).toContain("default-src 'self'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).not.toContain("unsafe");
    expect(await page().title()).toBe("sumo-k8 admin console");
  });

  it("refuses a wrong token with the API's message, and signs in with the admin token", async () => {
    // One wrong token: the admin service blocks a client after ADMIN_AUTH_MAX_FAILURES.
    await page().getByLabel("Admin token").fill("not-the-admin-token-not-the-admin-token");
    await page().getByRole("button", { name: "Sign in" }).click();
    await ui.alert().waitFor();
    expect(await ui.alert().innerText()).toContain("unauthorized");
    await ui.check("admin-sign-in-refused");

    await page().getByLabel("Admin token").fill(ctx.platform.adminToken);
    await page().getByRole("button", { name: "Sign in" }).click();
    await ui.heading("Platform overview").waitFor();
    expect(await page().evaluate("Object.values(sessionStorage)")).toEqual([
      ctx.platform.adminToken,
    ]);
    await page().getByRole("list", { name: "Jobs by status" }).waitFor();
    // Kubernetes answered: its figures are there, not "Kubernetes did not answer".
    await page().getByText("The platform's pods by phase").waitFor();
    expect(await page().getByText("Active Kubernetes Jobs").count()).toBe(1);
    // Every tenant's jobs over the last six hours, charted.
    const activity = page().getByRole("region", { name: "Activity" });
    await activity
      .getByRole("figure", { name: "All tenants' jobs per 10 minutes" })
      .locator("canvas")
      .waitFor();
    await activity.getByRole("figure", { name: "All tenants' jobs running and waiting" }).waitFor();
    await ui.check("admin-overview");
  });

  it("creates a tenant, its key shown once and copied, which works on the tenant API", async () => {
    await ui.nav("Tenants").click();
    await ui.heading("Tenants").waitFor();
    const create = page().getByRole("button", { name: "Create the tenant" });
    // A limit that is no number: the API names the field.
    await page().getByLabel("Name").fill("console-made");
    await page().getByLabel("CPU limit (cores)").fill("lots");
    await create.click();
    await ui.alert().waitFor();
    const refusal = await ui.alert().innerText();
    expect(refusal).toContain("validation_failed");
    expect(refusal).toContain("cpu_limit");
    await ui.check("admin-tenants-refused");

    await page().getByLabel("CPU limit (cores)").fill("2");
    await page().getByLabel("Memory limit (GiB)").fill("4");
    await page().getByLabel("Concurrent jobs", { exact: true }).fill("1");
    await create.click();
    const shown = page().getByLabel("New API key");
    await shown.waitFor();
    made.firstKey = await shown.inputValue();
    await page().getByRole("button", { name: "Copy the key" }).click();
    await page().getByText("Copied.").waitFor();
    expect(await page().evaluate("navigator.clipboard.readText()")).toBe(made.firstKey);
    expect(made.firstKey).toMatch(/^sumo_/);
    const row = page().locator("tbody tr").filter({ hasText: "console-made" });
    await row.waitFor();
    expect(await row.innerText()).toContain("2 cores, 4 GiB, 1 jobs");
    expect(await row.getByRole("meter", { name: "console-made CPU: 0 of 2 cores" }).count()).toBe(
      1,
    );
    await ui.check("admin-tenant-created");

    const tenantLink = row.getByRole("link", { name: "console-made" });
    made.tenantId = ((await tenantLink.getAttribute("href")) ?? "").split("/").at(-1);
    expect(await asTenant(made.firstKey)).toBe(200);

    // The same name again: the API's conflict.
    await page().getByLabel("Name").fill("console-made");
    await create.click();
    await ui.alert().waitFor();
    expect(await ui.alert().innerText()).toContain("conflict");
  });

  it("changes the tenant's limits, and its namespace's ResourceQuota follows", async () => {
    // A job makes the tenant's namespace and quota (the scheduler makes them on first use).
    const job = await tenant().submit({ ...simulatedRun(600), cpu_request: 0.5, memory_gi: 0.5 });
    made.jobId = job.job_id;
    await quotaOf(2, 1);

    await page()
      .locator("tbody tr")
      .filter({ hasText: "console-made" })
      .getByRole("link", { name: "console-made", exact: true })
      .click();
    await ui.heading("Tenant console-made").waitFor();
    const save = page().getByRole("button", { name: "Save the limits" });
    await page().getByLabel("Concurrent jobs", { exact: true }).fill("0");
    await save.click();
    await ui.alert().waitFor();
    const refusal = await ui.alert().innerText();
    expect(refusal).toContain("validation_failed");
    expect(refusal).toContain("max_concurrent_jobs");
    await ui.check("admin-tenant-limits-refused");

    await page().getByLabel("CPU limit (cores)").fill("3");
    await page().getByLabel("Concurrent jobs", { exact: true }).fill("3");
    await save.click();
    await page().getByText("Limits saved.").waitFor();
    const hard = await quotaOf(3, 3);
    expect(cores(hard["limits.cpu"])).toBe(3);
    // The page shows the job holding its share of the new limits.
    await page()
      .getByRole("meter", { name: /^console-made CPU: 0\.5 of 3 cores/ })
      .waitFor({ timeout: WAIT_MS });
    await ui.check("admin-tenant");
  });

  it("issues a key and revokes the first, which the tenant API then refuses", async () => {
    await page().getByRole("button", { name: "Issue a key" }).click();
    const shown = page().getByLabel("New API key");
    await shown.waitFor();
    made.secondKey = await shown.inputValue();
    expect(made.secondKey).not.toBe(made.firstKey);
    expect(await asTenant(made.secondKey)).toBe(200);

    // The keys table names each key by its start ("sumo_" and 6 more characters).
    const prefix = `${(made.firstKey ?? "").slice(0, 11)}…`;
    const firstRow = page().locator("tbody tr").filter({ hasText: prefix });
    expect(await firstRow.count()).toBe(1);
    await firstRow.getByRole("button", { name: `Revoke ${prefix}`, exact: true }).click();
    await firstRow.getByRole("button", { name: `Revoke ${prefix} for good` }).click();
    await firstRow.filter({ hasText: "REVOKED" }).waitFor();
    // Revocation reaches the api by NOTIFY: poll, do not sleep.
    await pollUntil(
      "the tenant API to refuse the revoked key",
      async () => {
        const status = await asTenant(made.firstKey ?? "");
        return status === 401 ? { done: true, value: status } : { done: false, seen: status };
      },
      { timeoutMs: WAIT_MS },
    );
    expect(await asTenant(made.secondKey)).toBe(200);
    await ui.check("admin-tenant-keys");
  });

  it("lists every tenant's jobs filtered by tenant and status, and cancels one", async () => {
    await page().getByRole("link", { name: "Its jobs" }).click();
    await ui.heading("All jobs").waitFor();
    await page().waitForURL(new RegExp(`\\?tenant=${made.tenantId}$`));
    const row = page()
      .locator("tbody tr")
      .filter({ hasText: (made.jobId ?? "").slice(-8) });
    await row.waitFor();
    expect(await page().locator("tbody tr").count()).toBe(1);
    await page().getByLabel("Status").selectOption("SUCCEEDED");
    await page().getByText("No jobs.").waitFor();
    await page().getByLabel("Status").selectOption("");
    await row.waitFor();
    await row.getByRole("button", { name: /^Cancel / }).click();
    await row.filter({ hasText: "CANCELLED" }).waitFor({ timeout: WAIT_MS });
    const job = await ctx
      .tenantClient(made.tenantId ?? "", made.secondKey ?? "")
      .job(made.jobId ?? "");
    expect(job.status).toBe("CANCELLED");
    expect((job as unknown as { cancelled: { by: string } }).cancelled.by).toBe("admin");
    await ui.check("admin-jobs");
  });

  it("lists every tenant's sweeps filtered by tenant, and cancels one", async () => {
    const client = ctx.tenantClient(made.tenantId ?? "", made.secondKey ?? "");
    // The scenario the tenant's job ran (uploaded by that submission).
    const { scenario_id: scenarioId } = simulatedRun(600);
    const created = await client.call("POST", "/v1/sweeps", {
      scenario_id: scenarioId,
      cpu_request: 0.1,
      memory_gi: 0.1,
      vary: { seed: { from: 1, to: 5 } },
      parameters: { end: 60_000 },
    });
    expect(created.status).toBe(201);
    const sweepId: string = created.body.sweep_id;
    await ui.nav("Sweeps").click();
    await ui.heading("All sweeps").waitFor();
    await page().getByLabel("Tenant").selectOption({ label: "console-made" });
    await page().waitForURL(new RegExp(`\\?tenant=${made.tenantId}$`));
    const row = page()
      .locator("tbody tr")
      .filter({ hasText: sweepId.slice(-8) });
    await row.waitFor();
    expect(await page().locator("tbody tr").count()).toBe(1);
    expect(await row.innerText()).toContain("console-made");
    expect(await row.getByRole("progressbar").count()).toBe(1);
    await ui.check("admin-sweeps");
    await row.getByRole("button", { name: /^Cancel sweep / }).click();
    await row.filter({ hasText: "cancelled by admin" }).waitFor({ timeout: WAIT_MS });
    const sweep = (await client.call("GET", `/v1/sweeps/${sweepId}`)).body;
    expect(sweep.cancelled.by).toBe("admin");
    expect(sweep.counts.QUEUED + sweep.counts.PENDING + sweep.counts.RUNNING).toBe(0);
  });

  it("shows the nodes with their allocation as bars, and the cluster's totals", async () => {
    await ui.nav("Nodes").click();
    await ui.heading("Nodes").waitFor();
    const rows = page().locator("table.nodes tbody tr");
    await rows.first().waitFor();
    const nodes = (await (
      await fetch(`${ctx.platform.adminUrl}/admin/nodes`, {
        headers: { authorization: `Bearer ${ctx.platform.adminToken}` },
      })
    ).json()) as { nodes: { name: string; status: string }[] };
    expect(await rows.count()).toBe(nodes.nodes.length);
    const first = nodes.nodes[0];
    expect(first).toBeDefined();
    const firstRow = rows.filter({ hasText: first?.name ?? "" });
    expect(
      await firstRow.getByRole("meter", { name: /CPU requested: .+ of .+ cores$/ }).count(),
    ).toBe(1);
    expect(await firstRow.getByRole("meter", { name: /memory requested: .+ GiB$/ }).count()).toBe(
      1,
    );
    expect(await firstRow.innerText()).toContain(first?.status ?? "");
    await page()
      .getByRole("meter", { name: /^Cluster CPU requested: / })
      .waitFor();
    expect(await page().getByText(`${nodes.nodes.length} nodes, `).count()).toBe(1);
    await ui.check("admin-nodes");
  });

  it("signs out, forgetting the token", async () => {
    await page().getByRole("button", { name: "Sign out" }).click();
    await page().getByLabel("Admin token").waitFor();
    expect(await page().evaluate("sessionStorage.length")).toBe(0);
    await page().reload();
    await page().getByLabel("Admin token").waitFor();
    await ui.check("admin-sign-in");
  });

  it("had no serious or critical accessibility violation on any page, and no script or CSP error", () => {
    expect(ui.checked.length).toBeGreaterThanOrEqual(10);
    expect(ui.violations).toEqual([]);
    expect(ui.problems).toEqual([]);
  });
});
