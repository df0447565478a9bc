// Generated bad and edge-case requests (schemathesis) against both OpenAPI documents, over the
// real services: no 5xx, every answer documented (status, content type, body schema: errors in
// the one error shape), wrong methods refused, and a tenant's requests never touch another
// tenant's data.
import path from "node:path";
import { DATA_DIR } from "@sumo/db/embedded";
import { issueApiKey } from "@sumo/db/queries";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type E2eContext,
  simulatedRun,
  startE2eContext,
  type TenantClient,
} from "../e2e/e2e-context.ts";
import { SERVICES } from "../platform.ts";
import { pollUntil } from "../poll-until.ts";
import { type FuzzRun, fuzzOpenApi, schemathesisBinary } from "./schemathesis.ts";

// Pinned so a run repeats the last one: same seed, same number of cases per operation (about
// half a minute per document on 2 cores).
const SEED = 20261126;
const MAX_EXAMPLES = 100;

const REPORT_DIR = path.join(DATA_DIR, "bad-input");

let ctx: E2eContext;
beforeAll(async () => {
  // Installing schemathesis (first run on a machine) overlaps the services' start.
  // schemathesis's ignored_auth check sends wrong tokens on purpose, many per operation: the
  // admin's throttle of wrong tokens (its own tests are in admin-auth.integration.test.ts)
  // would soon answer the fuzzer's every request 429 and hide the rest of what it checks.
  [ctx] = await Promise.all([
    startE2eContext({ env: { admin: { ADMIN_AUTH_MAX_FAILURES: "1000000" } } }),
    schemathesisBinary(),
  ]);
});
afterAll(async () => {
  await ctx?.close();
});

async function operationCount(openApiUrl: string): Promise<number> {
  const document = (await (await fetch(openApiUrl)).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  return Object.values(document.paths).reduce((sum, item) => sum + Object.keys(item).length, 0);
}

function expectClean(run: FuzzRun, operations: number) {
  const message = `schemathesis exited ${run.exitCode} (report: ${run.reportFile}):\n${run.failures}`;
  expect(run.exitCode, message).toBe(0);
  expect(run.operationsTested, message).toBe(operations);
}

/** Everything the database holds for a tenant, as rows. */
async function tenantSnapshot(tenantId: string) {
  const query = async (sql: string) => (await ctx.database.pool.query(sql, [tenantId])).rows;
  return {
    tenant: await query("SELECT * FROM tenants WHERE id = $1"),
    apiKeys: await query("SELECT * FROM api_keys WHERE tenant_id = $1 ORDER BY id"),
    jobs: await query("SELECT * FROM jobs WHERE tenant_id = $1 ORDER BY id"),
    jobLogs: await query(
      "SELECT l.* FROM job_logs l JOIN jobs j ON j.id = l.job_id WHERE j.tenant_id = $1 ORDER BY l.job_id",
    ),
    idempotencyKeys: await query(
      "SELECT * FROM idempotency_keys WHERE tenant_id = $1 ORDER BY key",
    ),
  };
}

/** Tenant B: two jobs run to their end (one failed), a second key, an idempotency record. */
async function tenantWithHistory(): Promise<TenantClient> {
  const tenant = await ctx.createTenant({ cpuLimit: 3, maxConcurrentJobs: 3 });
  await issueApiKey(ctx.database.db, tenant.tenantId);
  const ok = await tenant.submit(simulatedRun(1));
  const failing = await tenant.submit(simulatedRun(1, 3));
  for (const jobId of [ok.job_id, failing.job_id]) {
    await tenant.waitForJob(jobId, "to end", (job) => job.finished_at !== null);
  }
  // The reconciler keeps each ended job's log last: B's data is still once both are kept.
  await pollUntil(
    "tenant B's job logs to be kept",
    async () => {
      const { jobLogs } = await tenantSnapshot(tenant.tenantId);
      return jobLogs.length === 2
        ? { done: true, value: undefined }
        : { done: false, seen: jobLogs };
    },
    { timeoutMs: 60_000 },
  );
  return tenant;
}

describe("generated requests (schemathesis)", () => {
  it("the tenant API answers every one as documented and leaves other tenants' data alone", async () => {
    const tenantA = await ctx.createTenant();
    // The scenario the documents' examples name, so generated submissions can be accepted.
    await tenantA.uploadScenario("grid-4x4");
    const tenantB = await tenantWithHistory();
    const before = await tenantSnapshot(tenantB.tenantId);

    const openApiUrl = `${ctx.platform.apiUrl}/openapi.json`;
    const run = await fuzzOpenApi({
      openApiUrl,
      authorization: `Bearer ${tenantA.apiKey}`,
      reportDir: path.join(REPORT_DIR, "api"),
      seed: SEED,
      maxExamples: MAX_EXAMPLES,
    });
    expectClean(run, await operationCount(openApiUrl));

    expect(await tenantSnapshot(tenantB.tenantId)).toEqual(before);
    // The fuzzing did reach tenant A's data: what B's snapshot shows is not for want of trying.
    const jobsOfA = await ctx.database.pool.query(
      "SELECT count(*)::int AS n FROM jobs WHERE tenant_id = $1",
      [tenantA.tenantId],
    );
    expect(jobsOfA.rows[0].n).toBeGreaterThan(0);
    for (const name of SERVICES) expect(ctx.platform.isRunning(name), name).toBe(true);
  }, 300_000);

  it("the admin API answers every one as documented", async () => {
    const openApiUrl = `${ctx.platform.adminUrl}/openapi.json`;
    const run = await fuzzOpenApi({
      openApiUrl,
      authorization: `Bearer ${ctx.platform.adminToken}`,
      reportDir: path.join(REPORT_DIR, "admin"),
      seed: SEED,
      maxExamples: MAX_EXAMPLES,
    });
    expectClean(run, await operationCount(openApiUrl));
    for (const name of SERVICES) expect(ctx.platform.isRunning(name), name).toBe(true);
  }, 300_000);
});
