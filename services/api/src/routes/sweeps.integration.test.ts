import { recordObservedJobStatus } from "@sumo/db/queries";
import { JOB_CANCELLED_QUEUE } from "@sumo/db/queues";
import { jobs, sweeps } from "@sumo/db/schema";
import { makeRunSummary } from "@sumo/scenario/testing";
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiTestContext, expectError, json, startApiTestContext } from "../test-harness.ts";

let ctx: ApiTestContext;
beforeAll(async () => {
  ctx = await startApiTestContext();
});
afterAll(async () => {
  await ctx.close();
});

const sweepBody = {
  scenario_id: "berlin-rush-hour",
  cpu_request: 1,
  memory_gi: 2,
  parameters: { end: 600 },
  vary: { seed: { from: 1, to: 3 }, scale: [0.8, 1.2] },
};

async function createSweep(apiKey: string, body: object = sweepBody) {
  const response = await ctx.request("POST", "/v1/sweeps", { apiKey, body });
  expect(response.status).toBe(201);
  return json(response);
}

/** Every member of the sweep, oldest first, with its run parameters. */
async function members(apiKey: string, sweepId: string) {
  const listed: { job_id: string; status: string }[] = [];
  let cursor = "";
  do {
    const page = await json(
      await ctx.request(
        "GET",
        `/v1/jobs?sweep_id=${sweepId}&limit=100${cursor && `&cursor=${cursor}`}`,
        { apiKey },
      ),
    );
    listed.push(...page.jobs);
    cursor = page.next_cursor ?? "";
  } while (cursor);
  return listed.reverse();
}

describe("POST /v1/sweeps", () => {
  it("makes one QUEUED job per combination of the varied values, over the shared parameters", async () => {
    const { apiKey } = await ctx.createTenant({ maxConcurrentJobs: 2 });
    const sweep = await createSweep(apiKey);
    expect(sweep).toMatchObject({
      member_count: 6,
      parameters: { end: 600 },
      vary: { seed: { from: 1, to: 3, step: 1 }, scale: [0.8, 1.2] },
      counts: { QUEUED: 6, PENDING: 0 },
      progress: { ended: 0, fraction: 0 },
      cancelled: null,
    });
    const jobsOfSweep = await members(apiKey, sweep.sweep_id);
    expect(jobsOfSweep.map((job) => job.status)).toEqual(Array(6).fill("QUEUED"));
    const parameters = await Promise.all(
      jobsOfSweep.map(
        async (job) =>
          (await json(await ctx.request("GET", `/v1/jobs/${job.job_id}`, { apiKey }))).scenario,
      ),
    );
    // The first key varies slowest; members queue in that order.
    expect(parameters).toEqual([
      { end: 600, seed: 1, scale: 0.8 },
      { end: 600, seed: 1, scale: 1.2 },
      { end: 600, seed: 2, scale: 0.8 },
      { end: 600, seed: 2, scale: 1.2 },
      { end: 600, seed: 3, scale: 0.8 },
      { end: 600, seed: 3, scale: 1.2 },
    ]);
  });

  it("takes 10,000 members in one go, and refuses 10,001 storing nothing", async () => {
    const { apiKey, tenantId } = await ctx.createTenant();
    const big = await createSweep(apiKey, {
      ...sweepBody,
      vary: { seed: { from: 1, to: 1000 }, scale: { from: 0.1, to: 1, step: 0.1 } },
    });
    expect(big.member_count).toBe(10_000);
    expect(big.counts.QUEUED).toBe(10_000);

    const over = await ctx.request("POST", "/v1/sweeps", {
      apiKey,
      body: { ...sweepBody, vary: { seed: { from: 1, to: 10_001 } } },
    });
    expect(over.status).toBe(422);
    const body = await json(over);
    expectError(body, "sweep_too_large");
    expect(body.error.message).toContain("10,000");
    const [stored] = await ctx.database.db
      .select({ n: count() })
      .from(sweeps)
      .where(eq(sweeps.tenantId, tenantId));
    expect(stored?.n).toBe(1);
  });

  it.each([
    ["nothing to vary", { vary: {} }, "vary"],
    ["an empty list", { vary: { seed: [] } }, "vary.seed"],
    ["a range going down", { vary: { seed: { from: 5, to: 1 } } }, "vary.seed.to"],
    ["a parameter that cannot vary", { vary: { outputs: [["summary"]] } }, "vary.outputs"],
    ["an unknown parameter", { vary: { seeds: [1, 2] } }, "vary.seeds"],
    [
      "a member with its end before its begin",
      { parameters: { begin: 100 }, vary: { end: [50, 200] } },
      "vary.end",
    ],
    ["a value out of range", { vary: { scale: [1, 1000] } }, "vary.scale"],
  ])("refuses %s (422 naming the field)", async (_, change, field) => {
    const { apiKey } = await ctx.createTenant();
    const response = await ctx.request("POST", "/v1/sweeps", {
      apiKey,
      body: { ...sweepBody, ...change },
    });
    expect(response.status).toBe(422);
    const body = await json(response);
    expectError(body, "validation_failed");
    expect(body.error.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it("refuses an unknown scenario and members larger than the tenant's limits", async () => {
    const { apiKey } = await ctx.createTenant({ cpuLimit: 2 });
    expectError(
      await json(
        await ctx.request("POST", "/v1/sweeps", {
          apiKey,
          body: { ...sweepBody, scenario_id: "nope" },
        }),
      ),
      "unknown_scenario",
    );
    expectError(
      await json(
        await ctx.request("POST", "/v1/sweeps", { apiKey, body: { ...sweepBody, cpu_request: 3 } }),
      ),
      "job_exceeds_tenant_limits",
    );
  });
});

/** A run summary whose trips took `seconds` on average. */
function withTravelTime(seconds: number) {
  const summary = makeRunSummary();
  if (!summary.trips) throw new Error("makeRunSummary has trips");
  return { ...summary, trips: { ...summary.trips, mean_travel_time_s: seconds } };
}

describe("GET /v1/sweeps/{id}", () => {
  it("aggregates every number of the run summary over the members that succeeded", async () => {
    const { apiKey } = await ctx.createTenant();
    const sweep = await createSweep(apiKey, { ...sweepBody, vary: { seed: [1, 2, 3, 4, 5] } });
    const jobsOfSweep = await members(apiKey, sweep.sweep_id);
    const travelTimes = [40, 50, 60, 70];
    for (const [i, job] of jobsOfSweep.entries()) {
      // Four succeed with their travel times; the fifth fails and counts for nothing.
      const succeeded = i < travelTimes.length;
      await ctx.database.db.update(jobs).set({ status: "PENDING" }).where(eq(jobs.id, job.job_id));
      await recordObservedJobStatus(ctx.database.db, {
        jobId: job.job_id,
        status: succeeded ? "SUCCEEDED" : "FAILED",
        podName: "pod",
        startedAt: new Date(),
        finishedAt: new Date(),
        exitCode: succeeded ? 0 : 10,
        failureReason: succeeded ? null : "SumoError: Error",
        result: succeeded ? withTravelTime(travelTimes[i] ?? 0) : null,
      });
    }
    const fetched = await json(
      await ctx.request("GET", `/v1/sweeps/${sweep.sweep_id}`, { apiKey }),
    );
    expect(fetched).toMatchObject({
      counts: { SUCCEEDED: 4, FAILED: 1, QUEUED: 0 },
      progress: { ended: 5, fraction: 1 },
    });
    const mean = 55;
    const stddev = Math.sqrt(travelTimes.reduce((sum, t) => sum + (t - mean) ** 2, 0) / 3);
    expect(fetched.results["trips.mean_travel_time_s"]).toEqual({
      count: 4,
      mean,
      stddev: expect.closeTo(stddev, 9),
      min: 40,
      p5: expect.closeTo(41.5, 9),
      p50: 55,
      p95: expect.closeTo(68.5, 9),
      max: 70,
    });
    expect(fetched.results["vehicles.inserted"]).toMatchObject({ count: 4, mean: 40, stddev: 0 });
  });

  it("lists the tenant's sweeps newest first and hides other tenants'", async () => {
    const { apiKey } = await ctx.createTenant();
    const first = await createSweep(apiKey);
    const second = await createSweep(apiKey);
    const page = await json(await ctx.request("GET", "/v1/sweeps?limit=1", { apiKey }));
    expect(page.sweeps.map((s: { sweep_id: string }) => s.sweep_id)).toEqual([second.sweep_id]);
    const next = await json(
      await ctx.request("GET", `/v1/sweeps?limit=1&cursor=${page.next_cursor}`, { apiKey }),
    );
    expect(next.sweeps.map((s: { sweep_id: string }) => s.sweep_id)).toEqual([first.sweep_id]);

    const other = await ctx.createTenant();
    for (const path of [`/v1/sweeps/${first.sweep_id}`, "/v1/sweeps/nope"]) {
      expect((await ctx.request("GET", path, { apiKey: other.apiKey })).status).toBe(404);
    }
    expect(
      (await ctx.request("POST", `/v1/sweeps/${first.sweep_id}/cancel`, { apiKey: other.apiKey }))
        .status,
    ).toBe(404);
    const theirs = await json(
      await ctx.request("GET", `/v1/jobs?sweep_id=${first.sweep_id}`, { apiKey: other.apiKey }),
    );
    expect(theirs.jobs).toEqual([]);
  });
});

describe("POST /v1/sweeps/{id}/cancel", () => {
  it("cancels the members that have not ended, keeps the others, and is idempotent", async () => {
    const { apiKey } = await ctx.createTenant();
    const sweep = await createSweep(apiKey, { ...sweepBody, vary: { seed: [1, 2, 3] } });
    const [done, running] = await members(apiKey, sweep.sweep_id);
    await ctx.database.db
      .update(jobs)
      .set({ status: "PENDING" })
      .where(eq(jobs.id, done?.job_id ?? ""));
    await ctx.database.db
      .update(jobs)
      .set({ status: "SUCCEEDED" })
      .where(eq(jobs.id, done?.job_id ?? ""));
    await ctx.database.db
      .update(jobs)
      .set({ status: "PENDING" })
      .where(eq(jobs.id, running?.job_id ?? ""));

    const cancelled = await json(
      await ctx.request("POST", `/v1/sweeps/${sweep.sweep_id}/cancel`, { apiKey }),
    );
    expect(cancelled).toMatchObject({
      counts: { SUCCEEDED: 1, CANCELLED: 2, QUEUED: 0, PENDING: 0 },
      progress: { ended: 3, fraction: 1 },
      cancelled: { by: "tenant" },
    });
    // Only the one Kubernetes had needs its Job deleted.
    const { rows } = await ctx.database.pool.query(
      "SELECT data->>'jobId' AS id FROM pgboss.job WHERE name = $1 AND data->>'jobId' = ANY($2)",
      [JOB_CANCELLED_QUEUE, (await members(apiKey, sweep.sweep_id)).map((job) => job.job_id)],
    );
    expect(rows.map((row: { id: string }) => row.id)).toEqual([running?.job_id]);
    const again = await json(
      await ctx.request("POST", `/v1/sweeps/${sweep.sweep_id}/cancel`, { apiKey }),
    );
    expect(again).toEqual(cancelled);
  });
});
