import { recordObservedJobStatus } from "@sumo/db/queries";
import { JOB_CANCELLED_QUEUE } from "@sumo/db/queues";
import { jobs } from "@sumo/db/schema";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiTestContext, expectError, json, startApiTestContext } from "../test-harness.ts";

let ctx: ApiTestContext;
beforeAll(async () => {
  ctx = await startApiTestContext();
});
afterAll(async () => {
  await ctx.close();
});

const validJob = { scenario_id: "berlin-rush-hour", cpu_request: 1, memory_gi: 2 };

async function submit(apiKey: string, body: object = validJob) {
  const response = await ctx.request("POST", "/v1/jobs", { apiKey, body });
  expect(response.status).toBe(202);
  return json(response);
}

/** The JOB_CANCELLED messages waiting for the scheduler, by job id. */
async function cancelMessagesFor(jobId: string): Promise<number> {
  const { rows } = await ctx.database.pool.query(
    "SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND data->>'jobId' = $2",
    [JOB_CANCELLED_QUEUE, jobId],
  );
  return rows[0].n;
}

/** What the reconciler writes when Kubernetes says the job ended. */
function observeEnd(jobId: string, status: "SUCCEEDED" | "FAILED") {
  return recordObservedJobStatus(ctx.database.db, {
    jobId,
    status,
    podName: `sim-${jobId}-abcde`,
    startedAt: new Date(),
    finishedAt: new Date(),
    exitCode: status === "SUCCEEDED" ? 0 : 1,
    failureReason: status === "FAILED" ? "Error: exit code 1" : null,
    result: null,
  });
}

describe("POST /v1/jobs/{id}/cancel", () => {
  it("ends a pending job CANCELLED, by the tenant, asks for its Kubernetes Job to go, and frees its slot", async () => {
    const { apiKey } = await ctx.createTenant({ maxConcurrentJobs: 1 });
    const job = await submit(apiKey);
    expectError(
      await json(await ctx.request("POST", "/v1/jobs", { apiKey, body: validJob })),
      "concurrent_job_limit_reached",
    );

    const response = await ctx.request("POST", `/v1/jobs/${job.job_id}/cancel`, { apiKey });
    expect(response.status).toBe(200);
    const cancelled = await json(response);
    expect(cancelled).toMatchObject({
      job_id: job.job_id,
      status: "CANCELLED",
      cancelled: { at: expect.any(String), by: "tenant" },
      finished_at: cancelled.cancelled.at,
    });
    expect(await cancelMessagesFor(job.job_id)).toBe(1);
    // Its slot is free at once.
    expect((await submit(apiKey)).status).toBe("PENDING");
  });

  it("is idempotent, refuses a job that ended otherwise (409), and hides other tenants' jobs", async () => {
    const { apiKey } = await ctx.createTenant({ maxConcurrentJobs: 5 });
    const job = await submit(apiKey);
    const first = await json(
      await ctx.request("POST", `/v1/jobs/${job.job_id}/cancel`, { apiKey }),
    );
    const again = await ctx.request("POST", `/v1/jobs/${job.job_id}/cancel`, { apiKey });
    expect(again.status).toBe(200);
    expect(await json(again)).toEqual(first);
    expect(await cancelMessagesFor(job.job_id)).toBe(1);

    const ended = await submit(apiKey);
    expect(await observeEnd(ended.job_id, "SUCCEEDED")).toBe(true);
    const refused = await ctx.request("POST", `/v1/jobs/${ended.job_id}/cancel`, { apiKey });
    expect(refused.status).toBe(409);
    const body = await json(refused);
    expectError(body, "job_already_ended");
    expect(body.error.message).toContain("SUCCEEDED");

    const other = await ctx.createTenant();
    const mine = await submit(apiKey);
    for (const id of [mine.job_id, "not-a-uuid", "01a24d65-7870-72c4-a0fa-06c6c63bfb7f"]) {
      const response = await ctx.request("POST", `/v1/jobs/${id}/cancel`, { apiKey: other.apiKey });
      expect(response.status).toBe(404);
      expectError(await json(response), "not_found");
    }
    const [row] = await ctx.database.db.select().from(jobs).where(eq(jobs.id, mine.job_id));
    expect(row?.status).toBe("PENDING");
  });

  it("races the reconciler's end: one of the two wins, whole", async () => {
    const { apiKey } = await ctx.createTenant({ maxConcurrentJobs: 40 });
    const submitted = await Promise.all(Array.from({ length: 20 }, () => submit(apiKey)));
    const outcomes = await Promise.all(
      submitted.map(async (job) => {
        const [cancel, ended] = await Promise.all([
          ctx.request("POST", `/v1/jobs/${job.job_id}/cancel`, { apiKey }),
          observeEnd(job.job_id, "SUCCEEDED"),
        ]);
        const [row] = await ctx.database.db.select().from(jobs).where(eq(jobs.id, job.job_id));
        return { cancel: cancel.status, ended, status: row?.status, by: row?.cancelledBy };
      }),
    );
    for (const outcome of outcomes) {
      expect([
        { cancel: 200, ended: false, status: "CANCELLED", by: "tenant" },
        { cancel: 409, ended: true, status: "SUCCEEDED", by: null },
      ]).toContainEqual(outcome);
    }
  });
});

describe("POST /v1/jobs/{id}/rerun", () => {
  it("submits the same bundle, parameters and resources again, linked both ways; the body overrides parameters", async () => {
    const { apiKey } = await ctx.createTenant({ maxConcurrentJobs: 5 });
    const original = await submit(apiKey, {
      ...validJob,
      cpu_request: 0.5,
      scenario: { seed: 1, end: 600, outputs: ["tripinfo"] },
    });
    // The scenario changes after the job: a rerun still runs what the job ran.
    await ctx.database.db.execute(
      sql`UPDATE scenarios SET name = 'renamed' WHERE id = ${original.scenario_id}`,
    );

    const response = await ctx.request("POST", `/v1/jobs/${original.job_id}/rerun`, {
      apiKey,
      body: { scenario: { seed: 7 } },
    });
    expect(response.status).toBe(202);
    const rerun = await json(response);
    expect(rerun).toMatchObject({
      status: "PENDING",
      rerun_of: original.job_id,
      scenario_id: original.scenario_id,
      scenario_sha256: original.scenario_sha256,
      cpu_request: 0.5,
      memory_gi: 2,
    });
    expect(rerun.job_id).not.toBe(original.job_id);
    const fetched = await json(await ctx.request("GET", `/v1/jobs/${rerun.job_id}`, { apiKey }));
    expect(fetched.scenario).toEqual({ seed: 7, end: 600, outputs: ["tripinfo"] });
    const back = await json(await ctx.request("GET", `/v1/jobs/${original.job_id}`, { apiKey }));
    expect(back.reruns).toEqual([rerun.job_id]);

    // Without a body: the parameters as they were.
    const plain = await json(
      await ctx.request("POST", `/v1/jobs/${original.job_id}/rerun`, { apiKey }),
    );
    const plainFetched = await json(
      await ctx.request("GET", `/v1/jobs/${plain.job_id}`, { apiKey }),
    );
    expect(plainFetched.scenario).toEqual({ seed: 1, end: 600, outputs: ["tripinfo"] });
  });

  it("is a submission like any other: its limits, its checks, other tenants' jobs hidden", async () => {
    const { apiKey } = await ctx.createTenant({ maxConcurrentJobs: 1 });
    const original = await submit(apiKey, { ...validJob, scenario: { begin: 100, end: 600 } });
    const atLimit = await ctx.request("POST", `/v1/jobs/${original.job_id}/rerun`, { apiKey });
    expect(atLimit.status).toBe(429);
    expectError(await json(atLimit), "concurrent_job_limit_reached");
    expect(atLimit.headers.get("retry-after")).toMatch(/^\d+$/);

    await ctx.request("POST", `/v1/jobs/${original.job_id}/cancel`, { apiKey });
    const badOverride = await ctx.request("POST", `/v1/jobs/${original.job_id}/rerun`, {
      apiKey,
      body: { scenario: { end: 50 } },
    });
    expect(badOverride.status).toBe(422);
    const bad = await json(badOverride);
    expectError(bad, "validation_failed");
    expect(bad.error.details.map((d: { field: string }) => d.field)).toContain("scenario.end");
    const unknownKey = await ctx.request("POST", `/v1/jobs/${original.job_id}/rerun`, {
      apiKey,
      body: { scenario: { seeed: 1 } },
    });
    expect(unknownKey.status).toBe(422);

    const other = await ctx.createTenant();
    const hidden = await ctx.request("POST", `/v1/jobs/${original.job_id}/rerun`, {
      apiKey: other.apiKey,
    });
    expect(hidden.status).toBe(404);
  });
});
