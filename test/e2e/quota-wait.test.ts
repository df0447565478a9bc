// A job the tenant's quota cannot hold right now waits (PENDING), then runs once quota frees.
import { afterAll, beforeAll, expect, it } from "vitest";
import { type E2eContext, simulatedRun, startE2eContext } from "./e2e-context.ts";

let ctx: E2eContext;
beforeAll(async () => {
  ctx = await startE2eContext();
});
afterAll(async () => {
  await ctx?.close();
});

it("holds a job over the free quota until an earlier one ends, then runs it", async () => {
  const tenant = await ctx.createTenant({ cpuLimit: 2, memoryLimitGi: 4, maxConcurrentJobs: 3 });
  const first = await tenant.submit({ cpu_request: 1.5, ...simulatedRun(8) });
  await tenant.waitForJob(first.job_id, "to run", (j) => j.status === "RUNNING");

  const second = await tenant.submit({ cpu_request: 1.5, ...simulatedRun(1) });
  const waiting = await tenant.waitForJob(
    second.job_id,
    "to be scheduled",
    (j) => j.scheduled_at !== null,
  );
  expect(waiting.status).toBe("PENDING");
  const dashboard = await tenant.call("GET", "/v1/dashboard");
  expect(dashboard.body.quota).toMatchObject({
    status: "full",
    hard: { cpu: 2 },
    used: { cpu: 1.5 },
  });

  const firstDone = await tenant.waitForJob(
    first.job_id,
    "to end",
    (j) => j.status === "SUCCEEDED",
  );
  const secondDone = await tenant.waitForJob(
    second.job_id,
    "to run after the first",
    (j) => j.status === "SUCCEEDED",
    150_000,
  );
  expect(new Date(secondDone.started_at ?? 0).getTime()).toBeGreaterThanOrEqual(
    new Date(firstDone.finished_at ?? 0).getTime(),
  );
});
