// Sweeps, the tenant queue, cancel and rerun through the real services on the local cluster:
// a 200-member sweep at a limit of 2 runs to its end never more than 2 at once, its aggregated
// results agree with its members' own; a pending, a queued and a running job cancelled leave
// nothing behind; a rerun runs again.
import { JOB_ID_LABEL } from "@sumo/kubernetes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollUntil } from "../poll-until.ts";
import { type ApiJob, type E2eContext, startE2eContext, type TenantClient } from "./e2e-context.ts";

let ctx: E2eContext;
beforeAll(async () => {
  ctx = await startE2eContext();
});
afterAll(async () => {
  await ctx?.close();
});

/** Every job of the sweep, as the api lists them. */
async function sweepMembers(tenant: TenantClient, sweepId: string): Promise<ApiJob[]> {
  const members: ApiJob[] = [];
  let cursor = "";
  do {
    const page = await tenant.call(
      "GET",
      `/v1/jobs?sweep_id=${sweepId}&limit=100${cursor ? `&cursor=${cursor}` : ""}`,
    );
    members.push(...page.body.jobs);
    cursor = page.body.next_cursor ?? "";
  } while (cursor);
  return members;
}

const quantile = (sorted: number[], q: number) => {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return (sorted[below] ?? 0) + ((sorted[above] ?? 0) - (sorted[below] ?? 0)) * (position - below);
};

describe("a sweep", () => {
  it("runs 200 members at a limit of 2, never more at once, and aggregates what they reported", async () => {
    const tenant = await ctx.createTenant({ maxConcurrentJobs: 2 });
    await tenant.uploadScenario("e2e");
    const created = await tenant.call("POST", "/v1/sweeps", {
      scenario_id: "e2e",
      cpu_request: 0.1,
      memory_gi: 0.1,
      // The local cluster's simulated runs last end/100 seconds, and report end as their
      // simulated seconds: the members' results differ by end.
      vary: { seed: { from: 1, to: 40 }, end: [10, 20, 30, 40, 50] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ member_count: 200, counts: { QUEUED: 200 } });
    const sweepId: string = created.body.sweep_id;

    let peak = 0;
    const done = await pollUntil(
      "every member to end",
      async () => {
        const sweep = (await tenant.call("GET", `/v1/sweeps/${sweepId}`)).body;
        peak = Math.max(peak, sweep.counts.PENDING + sweep.counts.RUNNING);
        return sweep.progress.ended === 200
          ? { done: true, value: sweep }
          : { done: false, seen: sweep.counts };
      },
      { timeoutMs: 600_000, intervalMs: 100 },
    );
    expect(peak).toBe(2);
    expect(done.counts).toMatchObject({ SUCCEEDED: 200, QUEUED: 0, PENDING: 0, RUNNING: 0 });

    const members = await sweepMembers(tenant, sweepId);
    expect(members).toHaveLength(200);
    const simulated = members
      .map((member) => Number(member.result?.simulated_seconds))
      .sort((a, b) => a - b);
    const mean = simulated.reduce((sum, v) => sum + v, 0) / simulated.length;
    expect(done.results.simulated_seconds).toEqual({
      count: 200,
      mean: expect.closeTo(mean, 9),
      stddev: expect.closeTo(
        Math.sqrt(simulated.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (simulated.length - 1)),
        9,
      ),
      min: simulated[0],
      p5: expect.closeTo(quantile(simulated, 0.05), 9),
      p50: expect.closeTo(quantile(simulated, 0.5), 9),
      p95: expect.closeTo(quantile(simulated, 0.95), 9),
      max: simulated.at(-1),
    });
  });
});

describe("cancel and rerun", () => {
  it("cancels a pending, a queued and a running job, leaving no Kubernetes Job; reruns one", async () => {
    // Room for one job's CPU: the second submitted waits for quota in Kubernetes (PENDING),
    // the third in the platform's queue.
    const tenant = await ctx.createTenant({ maxConcurrentJobs: 5, cpuLimit: 1 });
    await tenant.uploadScenario("e2e");
    const run = (queue: boolean) =>
      tenant.call("POST", "/v1/jobs", {
        scenario_id: "e2e",
        cpu_request: 1,
        memory_gi: 0.5,
        scenario: { end: 6000 },
        queue,
      });
    const running: ApiJob = (await run(false)).body;
    await tenant.waitForJob(running.job_id, "to run", (j) => j.status === "RUNNING");
    const pending: ApiJob = (await run(false)).body;
    const queued: ApiJob = (await run(true)).body;
    expect(queued).toMatchObject({
      status: "QUEUED",
      queue: { position: 1, waiting_for: "quota" },
    });
    await tenant.waitForJob(pending.job_id, "to be scheduled", (j) => j.scheduled_at !== null);

    for (const job of [pending, queued, running]) {
      const cancelled = await tenant.call("POST", `/v1/jobs/${job.job_id}/cancel`);
      expect(cancelled.body.status).toBe("CANCELLED");
    }
    const namespace = `sumo-tenant-${tenant.tenantId}`;
    await pollUntil(
      "the cancelled jobs' Kubernetes Jobs to be gone",
      async () => {
        const left = await ctx.batch.listNamespacedJob({ namespace });
        return left.items.length === 0
          ? { done: true, value: undefined }
          : { done: false, seen: left.items.map((job) => job.metadata?.labels?.[JOB_ID_LABEL]) };
      },
      { timeoutMs: 60_000 },
    );
    expect((await tenant.job(queued.job_id)).scheduled_at).toBeNull();

    const rerun = await tenant.call("POST", `/v1/jobs/${running.job_id}/rerun`, {
      scenario: { end: 100 },
    });
    expect(rerun.status).toBe(202);
    expect(rerun.body).toMatchObject({ rerun_of: running.job_id, status: "PENDING" });
    const ended = await tenant.waitForJob(
      rerun.body.job_id,
      "to end",
      (j) => j.status === "SUCCEEDED" || j.status === "FAILED",
    );
    expect(ended.status).toBe("SUCCEEDED");
    expect((await tenant.job(running.job_id)) as ApiJob & { reruns: string[] }).toMatchObject({
      reruns: [rerun.body.job_id],
    });
  });
});
