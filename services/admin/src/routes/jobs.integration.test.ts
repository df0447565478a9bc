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

describe("POST /admin/jobs/{id}/cancel", () => {
  it("cancels any tenant's job as an admin; ended jobs are a 409, unknown ones a 404", async () => {
    const tenant = await createTenantWithApiKey(ctx.database.db, makeTenant());
    const running = await insertJob(
      ctx.database.db,
      makeJob({ tenantId: tenant.tenant.id, status: "RUNNING" }),
    );
    const response = await ctx.request("POST", `/admin/jobs/${running.id}/cancel`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      job_id: running.id,
      tenant_id: tenant.tenant.id,
      status: "CANCELLED",
      cancelled: { by: "admin" },
    });

    const ended = await insertJob(
      ctx.database.db,
      makeJob({ tenantId: tenant.tenant.id, status: "FAILED" }),
    );
    expect((await ctx.request("POST", `/admin/jobs/${ended.id}/cancel`)).status).toBe(409);
    expect(
      (await ctx.request("POST", "/admin/jobs/01a24d65-7870-72c4-a0fa-06c6c63bfb7f/cancel")).status,
    ).toBe(404);
    expect((await ctx.request("POST", "/admin/jobs/nope/cancel")).status).toBe(422);
  });
});
