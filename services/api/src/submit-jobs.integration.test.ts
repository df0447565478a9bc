import {
  createScenario,
  deleteEndedJobs,
  deleteEndedSweeps,
  deleteExpiredIdempotencyRecords,
  deleteTenantScenario,
  findTenantScenario,
  insertIdempotencyRecords,
  insertJob,
  saveJobLog,
} from "@sumo/db/queries";
import { jobs, sweeps } from "@sumo/db/schema";
import { makeJob, makeScenario, makeSweep } from "@sumo/db/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiTestContext,
  expectError,
  json,
  startApiTestContext,
  TEST_SCENARIO,
} from "./test-harness.ts";

// submitJobs through POST /v1/jobs: the job rows and their queue messages commit together, and
// submissions that arrive together share a transaction, each decided on its own.
let ctx: ApiTestContext;
beforeAll(async () => {
  ctx = await startApiTestContext();
});
afterAll(async () => {
  await ctx.close();
});

const validJob = { scenario_id: "berlin-rush-hour", cpu_request: 1, memory_gi: 2 };

async function queueMessagesFor(jobIds: string[]) {
  const result = await ctx.database.pool.query(
    "SELECT id::text, name, data FROM pgboss.job WHERE id = ANY($1::uuid[])",
    [jobIds],
  );
  return result.rows as { id: string; name: string; data: { jobId: string; tenantId: string } }[];
}

describe("transactional enqueue", () => {
  it("writes exactly one JOB_SUBMITTED message for every accepted job", async () => {
    const { apiKey, tenantId } = await ctx.createTenant({ maxConcurrentJobs: 20 });
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => ctx.request("POST", "/v1/jobs", { apiKey, body: validJob })),
    );
    const ids = await Promise.all(responses.map(async (r) => (await json(r)).job_id as string));
    const messages = await queueMessagesFor(ids);
    expect(messages).toHaveLength(20);
    for (const message of messages) {
      expect(message.name).toBe("job-submitted");
      expect(message.data).toEqual({ jobId: message.id, tenantId });
    }
  });

  it("leaves no job row when the queue message cannot be written", async () => {
    const { apiKey, tenantId } = await ctx.createTenant();
    // Fault injection in the real database: every insert into pg-boss's job table fails.
    await ctx.database.pool.query(`
      CREATE FUNCTION fail_enqueue() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'queue unavailable'; END $$;
      CREATE TRIGGER fail_enqueue BEFORE INSERT ON pgboss.job
        FOR EACH ROW EXECUTE FUNCTION fail_enqueue();`);
    try {
      const response = await ctx.request("POST", "/v1/jobs", { apiKey, body: validJob });
      expect(response.status).toBe(500);
      expectError(await json(response), "internal_error");
      const stored = await ctx.database.db.select().from(jobs).where(eq(jobs.tenantId, tenantId));
      expect(stored).toHaveLength(0);
    } finally {
      await ctx.database.pool.query(
        "DROP TRIGGER fail_enqueue ON pgboss.job; DROP FUNCTION fail_enqueue();",
      );
    }
    const retried = await ctx.request("POST", "/v1/jobs", { apiKey, body: validJob });
    expect(retried.status).toBe(202);
  });
});

describe("submissions sharing a transaction", () => {
  // One transaction at a time: submissions that arrive meanwhile are written together.
  let batched: ApiTestContext;
  beforeAll(async () => {
    batched = await startApiTestContext({ submitOptions: { maxConcurrentBatches: 1 } });
  });
  afterAll(async () => {
    await batched.close();
  });

  /** Submissions per transaction so far: [transactions, submissions]. */
  async function batchTotals(): Promise<[number, number]> {
    const metric = await batched.metricsRegistry
      .getSingleMetric("sumo_api_submission_batch_size")
      ?.get();
    const value = (suffix: string) =>
      metric?.values.find(
        (v) =>
          (v as { metricName?: string }).metricName === `sumo_api_submission_batch_size_${suffix}`,
      )?.value ?? 0;
    return [value("count"), value("sum")];
  }

  it("decides each submission on its own tenant's limits and keys", async () => {
    const tenants = await Promise.all(
      Array.from({ length: 8 }, () => batched.createTenant({ maxConcurrentJobs: 3, cpuLimit: 2 })),
    );
    const [before, beforeSubmissions] = await batchTotals();
    // Interleaved: every tenant sends 5 jobs, one too large to ever run, and repeats a key.
    const sent = tenants.flatMap((tenant, t) =>
      Array.from({ length: 5 }, (_, i) => ({ tenant, t, i })),
    );
    const responses = await Promise.all(
      sent.map(({ tenant, i }) =>
        batched.request("POST", "/v1/jobs", {
          apiKey: tenant.apiKey,
          body: i === 4 ? { ...validJob, cpu_request: 3 } : validJob,
          headers: { "idempotency-key": i === 1 ? "repeat" : `key-${i}` },
        }),
      ),
    );
    const [after, afterSubmissions] = await batchTotals();
    expect(afterSubmissions - beforeSubmissions).toBe(sent.length);
    // Fewer transactions than submissions: they were written together.
    expect(after - before).toBeLessThan(sent.length);

    for (const [t, tenant] of tenants.entries()) {
      const mine = responses.filter((_, n) => sent[n]?.t === t);
      const statuses = mine.map((r) => r.status).sort();
      expect(statuses).toEqual([202, 202, 202, 422, 429]);
      const stored = await batched.database.db
        .select({ id: jobs.id })
        .from(jobs)
        .where(eq(jobs.tenantId, tenant.tenantId));
      expect(stored).toHaveLength(3);
      const messages = await batched.database.pool.query(
        "SELECT count(*)::int AS n FROM pgboss.job WHERE data->>'tenantId' = $1",
        [tenant.tenantId],
      );
      expect(messages.rows[0].n).toBe(3);
    }
  });

  it("answers duplicates of one key in one transaction with one job", async () => {
    const { apiKey, tenantId } = await batched.createTenant({ maxConcurrentJobs: 50 });
    const headers = { "idempotency-key": "same-batch" };
    const other = { ...validJob, scenario: { seed: 2 } };
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        batched.request("POST", "/v1/jobs", { apiKey, body: i < 10 ? validJob : other, headers }),
      ),
    );
    const accepted = responses.slice(0, 10);
    expect(accepted.map((r) => r.status)).toEqual(Array(10).fill(202));
    const ids = new Set(await Promise.all(accepted.map(async (r) => (await json(r)).job_id)));
    expect(ids.size).toBe(1);
    for (const refused of responses.slice(10)) {
      expect(refused.status).toBe(422);
      expectError(await json(refused), "idempotency_key_reused");
    }
    const stored = await batched.database.db.select().from(jobs).where(eq(jobs.tenantId, tenantId));
    expect(stored.map((job) => job.id)).toEqual([...ids]);
  });

  it("fails only the submission the database refuses, not the others written with it", async () => {
    const { apiKey, tenantId } = await batched.createTenant({ maxConcurrentJobs: 50 });
    // Fault injection in the real database: one CPU request is refused by a trigger.
    await batched.database.pool.query(`
      CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN IF NEW.cpu_request = 0.777 THEN RAISE EXCEPTION 'poison'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER refuse_poison BEFORE INSERT ON jobs
        FOR EACH ROW EXECUTE FUNCTION refuse_poison();`);
    try {
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          batched.request("POST", "/v1/jobs", {
            apiKey,
            body: i === 10 ? { ...validJob, cpu_request: 0.777 } : validJob,
          }),
        ),
      );
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 202)).toHaveLength(19);
      expect(statuses[10]).toBe(500);
      expectError(await json(responses[10] as Response), "internal_error");
      const stored = await batched.database.db
        .select()
        .from(jobs)
        .where(eq(jobs.tenantId, tenantId));
      expect(stored).toHaveLength(19);
      const splits = await batched.metricsRegistry
        .getSingleMetric("sumo_api_submission_batch_splits_total")
        ?.get();
      expect(splits?.values[0]?.value).toBeGreaterThan(0);
    } finally {
      await batched.database.pool.query(
        "DROP TRIGGER refuse_poison ON jobs; DROP FUNCTION refuse_poison();",
      );
    }
  });
});

/** `work`, or an error naming `what` once `ms` have passed without it settling. */
async function withinDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

describe("while a retention batch runs", () => {
  it("a tenant's submissions, reruns and queued submissions go through without waiting for it", async () => {
    const { apiKey, tenantId } = await ctx.createTenant({ maxConcurrentJobs: 10 });
    const db = ctx.database.db;
    const scenario = await findTenantScenario(db, { tenantId, ref: TEST_SCENARIO });
    if (!scenario) throw new Error("no test scenario");
    const longAgo = new Date(Date.now() - 40 * 24 * 3600 * 1000);
    const ofScenario = (bundle: { id: string; bundleSha256: string; config: string }) => ({
      tenantId,
      scenarioId: bundle.id,
      scenarioSha256: bundle.bundleSha256,
      scenarioConfig: bundle.config,
      submittedAt: longAgo,
      updatedAt: longAgo,
      finishedAt: longAgo,
    });
    // What the batch deletes, all of this tenant: ended jobs with their logs, one a rerun's
    // original, a bundle only they name, an ended sweep, an expired Idempotency-Key.
    const ended = [];
    for (const status of ["SUCCEEDED", "FAILED", "CANCELLED"] as const) {
      const job = await insertJob(db, makeJob({ ...ofScenario(scenario), status }));
      await saveJobLog(db, { jobId: job.id, lines: [status] });
      ended.push(job);
    }
    await insertJob(
      db,
      makeJob({ ...ofScenario(scenario), status: "RUNNING", rerunOfJobId: ended[0]?.id }),
    );
    const dropped = await createScenario(db, makeScenario({ tenantId }));
    await insertJob(db, makeJob({ ...ofScenario(dropped), status: "SUCCEEDED" }));
    await deleteTenantScenario(db, { tenantId, scenarioId: dropped.id });
    const [sweep] = await db
      .insert(sweeps)
      .values(makeSweep({ tenantId, scenarioSha256: scenario.bundleSha256, createdAt: longAgo }))
      .returning();
    await insertJob(
      db,
      makeJob({ ...ofScenario(scenario), status: "SUCCEEDED", sweepId: sweep?.id ?? null }),
    );
    await insertIdempotencyRecords(
      db,
      [
        {
          tenantId,
          key: "long-expired",
          requestFingerprint: Buffer.from("x"),
          responseStatus: 202,
          responseBody: {},
        },
      ],
      { ttlMs: -1000 },
    );
    // Kept: ended lately, so its rerun is of a job the batch does not hold.
    const recent = await insertJob(
      db,
      makeJob({ ...ofScenario(scenario), status: "SUCCEEDED", submittedAt: new Date() }),
    );

    await db.transaction(async (tx) => {
      const endedBefore = new Date(Date.now() - 30 * 24 * 3600 * 1000);
      expect(await deleteEndedJobs(tx, { endedBefore, limit: 500 })).toEqual({
        jobs: 4,
        jobLogs: 3,
        sweeps: 0,
        scenarioBundles: 1,
      });
      expect(await deleteEndedSweeps(tx, { endedBefore, limit: 500 })).toMatchObject({
        jobs: 1,
        sweeps: 1,
      });
      expect(await deleteExpiredIdempotencyRecords(tx, { limit: 500 })).toBe(1);

      // The batch has not committed: every row it deleted is still locked.
      const submissions = await withinDeadline(
        Promise.all([
          ctx.request("POST", "/v1/jobs", {
            apiKey,
            body: validJob,
            headers: { "idempotency-key": "during-retention" },
          }),
          ctx.request("POST", "/v1/jobs", { apiKey, body: { ...validJob, queue: true } }),
          ctx.request("POST", `/v1/jobs/${recent.id}/rerun`, { apiKey, body: {} }),
          ctx.request("GET", "/v1/dashboard", { apiKey }),
        ]),
        10_000,
        "submissions during a retention batch",
      );
      expect(submissions.map((response) => response.status)).toEqual([202, 202, 202, 200]);
    });
    const counts = await ctx.database.pool.query(
      `SELECT (SELECT json_object_agg(status, jobs) FROM tenant_job_counts WHERE tenant_id = $1 AND jobs <> 0) AS kept,
        (SELECT json_object_agg(status, n) FROM (SELECT status, count(*) AS n FROM jobs WHERE tenant_id = $1 GROUP BY status) AS c) AS actual`,
      [tenantId],
    );
    expect(counts.rows[0].kept).toEqual(counts.rows[0].actual);
  });
});
