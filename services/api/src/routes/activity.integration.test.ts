import { insertJob } from "@sumo/db/queries";
import { makeJob } from "@sumo/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiTestContext, expectError, json, startApiTestContext } from "../test-harness.ts";

let ctx: ApiTestContext;
beforeAll(async () => {
  ctx = await startApiTestContext();
});
afterAll(async () => {
  await ctx.close();
});

const HOUR = 3600_000;
const MINUTE = 60_000;

interface Interval {
  start: string;
  submitted: number;
  started: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  running: number;
  waiting: number;
  run_seconds: { p50: number; p90: number; max: number } | null;
}

describe("GET /v1/activity", () => {
  it("counts a tenant's jobs per hour from their timestamps, with what ran and waited at each hour's end", async () => {
    const { tenantId, apiKey } = await ctx.createTenant();
    const other = await ctx.createTenant();
    // Whole hours back from the current one.
    const hour = (back: number) => Math.floor(Date.now() / HOUR) * HOUR - back * HOUR;
    const at = (back: number, minutes: number) => new Date(hour(back) + minutes * MINUTE);
    const job = (fields: Parameters<typeof makeJob>[0]) =>
      insertJob(ctx.database.db, makeJob({ tenantId, ...fields }));
    // Three hours back: two submitted, one starts; two hours back: both succeed (after an hour
    // and after half an hour), the second having started then.
    await job({
      submittedAt: at(3, 1),
      startedAt: at(3, 5),
      finishedAt: at(2, 5),
      status: "SUCCEEDED",
    });
    await job({
      submittedAt: at(3, 2),
      startedAt: at(2, 10),
      finishedAt: at(2, 40),
      status: "SUCCEEDED",
    });
    // An hour back: one fails before it starts, one starts and still runs.
    await job({ submittedAt: at(1, 1), finishedAt: at(1, 3), status: "FAILED" });
    await job({ submittedAt: at(1, 2), startedAt: at(1, 5), status: "RUNNING" });
    // Now: one waits.
    await job({ submittedAt: new Date(), status: "PENDING" });
    // Another tenant's jobs are not this tenant's activity.
    for (const back of [3, 2, 1]) {
      await insertJob(
        ctx.database.db,
        makeJob({ tenantId: other.tenantId, submittedAt: at(back, 0), status: "PENDING" }),
      );
    }

    const response = await ctx.request("GET", "/v1/activity", { apiKey });
    expect(response.status).toBe(200);
    const activity = await json(response);
    expect(activity).toMatchObject({ period: "48h", step_seconds: 3600 });
    expect(activity.intervals).toHaveLength(48);
    const intervals: Interval[] = activity.intervals;
    const starts = intervals.map((interval) => Date.parse(interval.start));
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    const of = (back: number) => intervals.find((i) => Date.parse(i.start) === hour(back));
    const quiet = { submitted: 0, started: 0, succeeded: 0, failed: 0, cancelled: 0 };

    expect(of(4)).toMatchObject({ ...quiet, running: 0, waiting: 0, run_seconds: null });
    expect(of(3)).toMatchObject({ ...quiet, submitted: 2, started: 1, running: 1, waiting: 1 });
    expect(of(2)).toMatchObject({
      ...quiet,
      started: 1,
      succeeded: 2,
      running: 0,
      waiting: 0,
      // percentile_cont over 1,800 s and 3,600 s.
      run_seconds: { p50: 2700, p90: 3420, max: 3600 },
    });
    expect(of(1)).toMatchObject({ ...quiet, submitted: 2, started: 1, failed: 1, running: 1 });
    expect(of(1)?.waiting).toBe(0);
    // The current hour (or the next, had the clock just turned): the waiting job, the one running.
    const last = intervals.at(-1);
    expect(last).toMatchObject({ running: 1, waiting: 1 });
    const sinceNow = intervals.filter((i) => Date.parse(i.start) >= hour(0));
    expect(sinceNow.reduce((sum, i) => sum + i.submitted, 0)).toBe(1);
    expect(intervals.reduce((sum, i) => sum + i.submitted, 0)).toBe(5);
  });

  it("covers thirty days in days, and refuses a period it does not know", async () => {
    const { tenantId, apiKey } = await ctx.createTenant();
    const day = 86_400_000;
    await insertJob(
      ctx.database.db,
      makeJob({
        tenantId,
        submittedAt: new Date(Date.now() - 10 * day),
        startedAt: new Date(Date.now() - 10 * day),
        finishedAt: new Date(Date.now() - 10 * day + 90_000),
        status: "SUCCEEDED",
      }),
    );
    // Older than the period: not counted.
    await insertJob(
      ctx.database.db,
      makeJob({ tenantId, submittedAt: new Date(Date.now() - 40 * day), status: "FAILED" }),
    );
    const activity = await json(await ctx.request("GET", "/v1/activity?period=30d", { apiKey }));
    expect(activity).toMatchObject({ period: "30d", step_seconds: 86400 });
    expect(activity.intervals).toHaveLength(30);
    const counted = (key: "submitted" | "succeeded" | "failed") =>
      activity.intervals.reduce((sum: number, i: Interval) => sum + i[key], 0);
    expect([counted("submitted"), counted("succeeded"), counted("failed")]).toEqual([1, 1, 0]);
    expect(activity.intervals.find((i: Interval) => i.run_seconds !== null).run_seconds).toEqual({
      p50: 90,
      p90: 90,
      max: 90,
    });

    const refused = await ctx.request("GET", "/v1/activity?period=1y", { apiKey });
    expect(refused.status).toBe(422);
    expectError(await json(refused), "validation_failed");
    expect((await ctx.request("GET", "/v1/activity")).status).toBe(401);
  });
});
