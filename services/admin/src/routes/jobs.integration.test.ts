import { createTenantWithApiKey, insertJob } from "@sumo/db/queries";
import { makeJob, makeTenant } from "@sumo/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AdminTestContext, startAdminTestContext } from "../test-harness.ts";

let ctx: AdminTestContext;
beforeAll(async () => {
  ctx = await startAdminTestContext();
});
afterAll(async () => {
  await ctx.close();
});

describe("GET /admin/jobs", () => {
  it("lists every tenant's jobs newest first, filtered by status and tenant", async () => {
    const a = await createTenantWithApiKey(ctx.database.db, makeTenant());
    const b = await createTenantWithApiKey(ctx.database.db, makeTenant());
    const ids: string[] = [];
    for (const [i, tenant] of [a, b, a, b, a].entries()) {
      const job = await insertJob(
        ctx.database.db,
        makeJob({
          tenantId: tenant.tenant.id,
          status: i === 1 ? "FAILED" : "PENDING",
          submittedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
        }),
      );
      ids.push(job.id);
    }
    const all = await ctx.request("GET", "/admin/jobs?limit=500");
    const mine = all.body.jobs.filter((j: { job_id: string }) => ids.includes(j.job_id));
    expect(mine.map((j: { job_id: string }) => j.job_id)).toEqual([...ids].reverse());

    const ofA = await ctx.request("GET", `/admin/jobs?tenant_id=${a.tenant.id}`);
    expect(ofA.body.jobs.map((j: { tenant_id: string }) => j.tenant_id)).toEqual(
      Array(3).fill(a.tenant.id),
    );
    const failed = await ctx.request("GET", `/admin/jobs?status=FAILED&tenant_id=${b.tenant.id}`);
    expect(failed.body.jobs.map((j: { job_id: string }) => j.job_id)).toEqual([ids[1]]);

    const page1 = await ctx.request("GET", `/admin/jobs?tenant_id=${a.tenant.id}&limit=2`);
    const page2 = await ctx.request(
      "GET",
      `/admin/jobs?tenant_id=${a.tenant.id}&limit=2&cursor=${page1.body.next_cursor}`,
    );
    expect(
      [...page1.body.jobs, ...page2.body.jobs].map((j: { job_id: string }) => j.job_id),
    ).toEqual([ids[4], ids[2], ids[0]]);
    expect((await ctx.request("GET", "/admin/jobs?tenant_id=nope")).status).toBe(422);
  });
});
