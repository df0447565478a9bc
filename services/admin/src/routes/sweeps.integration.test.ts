import { transactionOnConnection } from "@sumo/db/client";
import { createScenario, createTenantWithApiKey, insertJob, insertSweep } from "@sumo/db/queries";
import { makeJob, makeScenario, makeTenant } from "@sumo/db/testing";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AdminTestContext, startAdminTestContext } from "../test-harness.ts";

let ctx: AdminTestContext;
beforeAll(async () => {
  ctx = await startAdminTestContext();
});
afterAll(async () => {
  await ctx.close();
});

/** A tenant (limit 1) with one job running and a sweep of `size` members, all queued. */
async function tenantWithSweep(size: number) {
  const { tenant } = await createTenantWithApiKey(
    ctx.database.db,
    makeTenant({ maxConcurrentJobs: 1 }),
  );
  const scenario = await createScenario(ctx.database.db, makeScenario({ tenantId: tenant.id }));
  await insertJob(ctx.database.db, makeJob({ tenantId: tenant.id, status: "RUNNING" }));
  const sweepId = uuidv7();
  const members = Array.from({ length: size }, (_, seed) => ({ id: uuidv7(), scenario: { seed } }));
  await transactionOnConnection(ctx.database.db, (connection) =>
    insertSweep(
      connection,
      {
        id: sweepId,
        tenantId: tenant.id,
        scenarioId: scenario.id,
        scenarioName: scenario.name,
        scenarioSha256: scenario.bundleSha256,
        scenarioConfig: scenario.config,
        parameters: {},
        vary: { seed: { from: 0, to: size - 1, step: 1 } },
        cpuRequest: 1,
        memoryGi: 1,
        memberCount: size,
      },
      members,
    ),
  );
  return { tenant, sweepId, members };
}

describe("admin sweeps and queues", () => {
  it("shows every tenant's sweeps and each tenant's queue, and cancels a sweep as an admin", async () => {
    const { tenant, sweepId, members } = await tenantWithSweep(25);
    const listed = await ctx.request("GET", `/admin/sweeps?tenant_id=${tenant.id}`);
    expect(listed.status).toBe(200);
    expect(listed.body.sweeps).toMatchObject([
      { sweep_id: sweepId, tenant_id: tenant.id, member_count: 25, counts: { QUEUED: 25 } },
    ]);

    const queue = await ctx.request("GET", `/admin/tenants/${tenant.id}/queue`);
    expect(queue.body).toMatchObject({
      queued: 25,
      waiting_for: "concurrent_job_limit",
      active: { jobs: 1 },
      max_concurrent_jobs: 1,
    });
    expect(queue.body.next.map((job: { job_id: string }) => job.job_id)).toEqual(
      members.slice(0, 20).map((job) => job.id),
    );
    expect(queue.body.next[0].queue).toEqual({ position: 1, waiting_for: "concurrent_job_limit" });

    const cancelled = await ctx.request("POST", `/admin/sweeps/${sweepId}/cancel`);
    expect(cancelled.body).toMatchObject({
      counts: { QUEUED: 0, CANCELLED: 25 },
      cancelled: { by: "admin" },
    });
    expect((await ctx.request("GET", `/admin/tenants/${tenant.id}/queue`)).body.queued).toBe(0);
    expect((await ctx.request("POST", `/admin/sweeps/${uuidv7()}/cancel`)).status).toBe(404);
    expect((await ctx.request("GET", `/admin/tenants/${uuidv7()}/queue`)).status).toBe(404);
  });
});
