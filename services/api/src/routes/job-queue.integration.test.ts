import { JOB_CANCELLED_QUEUE, JOB_SUBMITTED_QUEUE } from "@sumo/db/queues";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiTestContext, json, startApiTestContext } from "../test-harness.ts";

let ctx: ApiTestContext;
beforeAll(async () => {
  ctx = await startApiTestContext();
});
afterAll(async () => {
  await ctx.close();
});

const queued = { scenario_id: "berlin-rush-hour", cpu_request: 1, memory_gi: 2, queue: true };

/** Messages waiting in a queue for this job. */
async function messages(queue: string, jobId: string): Promise<number> {
  const { rows } = await ctx.database.pool.query(
    "SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND data->>'jobId' = $2",
    [queue, jobId],
  );
  return rows[0].n;
}

describe("POST /v1/jobs with queue: true", () => {
  it("waits QUEUED at the limit, in order, showing its place and why; cancelled, the rest move up", async () => {
    const { apiKey } = await ctx.createTenant({ maxConcurrentJobs: 1 });
    const post = async (body: object) =>
      json(await ctx.request("POST", "/v1/jobs", { apiKey, body }));
    const first = await post(queued);
    expect(first).toMatchObject({ status: "PENDING", queue: null });
    expect(await messages(JOB_SUBMITTED_QUEUE, first.job_id)).toBe(1);

    const second = await post(queued);
    const third = await post(queued);
    expect(second).toMatchObject({
      status: "QUEUED",
      queue: { position: 1, waiting_for: "concurrent_job_limit" },
    });
    expect(third).toMatchObject({ status: "QUEUED", queue: { position: 2 } });
    // Not given to the scheduler: its queue starts it.
    expect(await messages(JOB_SUBMITTED_QUEUE, second.job_id)).toBe(0);

    const fetched = await json(await ctx.request("GET", `/v1/jobs/${third.job_id}`, { apiKey }));
    expect(fetched.queue).toEqual({ position: 2, waiting_for: "concurrent_job_limit" });
    const listed = await json(await ctx.request("GET", "/v1/jobs?status=QUEUED", { apiKey }));
    expect(
      listed.jobs.map((job: { job_id: string; queue: { position: number } }) => [
        job.job_id,
        job.queue.position,
      ]),
    ).toEqual([
      [third.job_id, 2],
      [second.job_id, 1],
    ]);

    // A plain submission at the limit is still refused, queue or not.
    expect(
      (await ctx.request("POST", "/v1/jobs", { apiKey, body: { ...queued, queue: false } })).status,
    ).toBe(429);

    const cancelled = await json(
      await ctx.request("POST", `/v1/jobs/${second.job_id}/cancel`, { apiKey }),
    );
    expect(cancelled).toMatchObject({ status: "CANCELLED", queue: null });
    // It never reached Kubernetes: nothing to delete.
    expect(await messages(JOB_CANCELLED_QUEUE, second.job_id)).toBe(0);
    const moved = await json(await ctx.request("GET", `/v1/jobs/${third.job_id}`, { apiKey }));
    expect(moved.queue).toEqual({ position: 1, waiting_for: "concurrent_job_limit" });
  });

  it("waits for quota: a free slot but too little CPU left for it", async () => {
    const { apiKey } = await ctx.createTenant({ maxConcurrentJobs: 5, cpuLimit: 3 });
    const post = async (body: object) =>
      json(await ctx.request("POST", "/v1/jobs", { apiKey, body }));
    expect((await post({ ...queued, cpu_request: 2 })).status).toBe("PENDING");
    const waiting = await post({ ...queued, cpu_request: 2 });
    expect(waiting).toMatchObject({
      status: "QUEUED",
      queue: { position: 1, waiting_for: "quota" },
    });
  });
});
