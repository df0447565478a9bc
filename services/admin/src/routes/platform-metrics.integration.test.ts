import { createTenant, insertJob } from "@sumo/db/queries";
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

describe("GET /admin/metrics", () => {
  it("reports the database's job counts in the snapshot even without Kubernetes", async () => {
    const tenant = await createTenant(ctx.database.db, makeTenant());
    for (const status of ["PENDING", "PENDING", "RUNNING", "FAILED"] as const) {
      await insertJob(ctx.database.db, makeJob({ tenantId: tenant.id, status }));
    }
    const snapshot = await ctx.request("GET", "/admin/metrics");
    expect(snapshot.status).toBe(200);
    expect(snapshot.body.kubernetes).toBeNull();
    expect(snapshot.body.database.jobs_by_status).toEqual({
      QUEUED: 0,
      PENDING: 2,
      RUNNING: 1,
      SUCCEEDED: 0,
      FAILED: 1,
      CANCELLED: 0,
    });
    expect(Date.parse(snapshot.body.snapshot_at)).not.toBeNaN();
  });
});

describe("GET /admin/activity", () => {
  it("counts every tenant's jobs per interval, and refuses a period it does not know", async () => {
    const tenants = [
      await createTenant(ctx.database.db, makeTenant()),
      await createTenant(ctx.database.db, makeTenant()),
    ];
    const HOUR = 3600_000;
    // Thirty hours back, where no other test of this file puts a job.
    const start = Math.floor(Date.now() / HOUR) * HOUR - 30 * HOUR;
    for (const tenant of tenants) {
      await insertJob(
        ctx.database.db,
        makeJob({
          tenantId: tenant.id,
          submittedAt: new Date(start + 60_000),
          startedAt: new Date(start + 120_000),
          finishedAt: new Date(start + 720_000),
          status: "SUCCEEDED",
        }),
      );
    }
    await insertJob(
      ctx.database.db,
      makeJob({
        tenantId: tenants[0]?.id,
        submittedAt: new Date(start + 5000),
        finishedAt: new Date(start + 10_000),
        status: "FAILED",
      }),
    );

    const sixHours = await ctx.request("GET", "/admin/activity");
    expect(sixHours.status).toBe(200);
    expect(sixHours.body).toMatchObject({ period: "6h", step_seconds: 600 });
    expect(sixHours.body.intervals).toHaveLength(36);

    const twoDays = await ctx.request("GET", "/admin/activity?period=48h");
    const interval = twoDays.body.intervals.find(
      (i: { start: string }) => Date.parse(i.start) === start,
    );
    expect(interval).toMatchObject({
      submitted: 3,
      started: 2,
      succeeded: 2,
      failed: 1,
      run_seconds: { p50: 600, p90: 600, max: 600 },
    });

    const refused = await ctx.request("GET", "/admin/activity?period=7d");
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe("validation_failed");
  });
});
