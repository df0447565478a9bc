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
