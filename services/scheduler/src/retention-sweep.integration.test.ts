import { createDatabaseClient, type DatabaseClient } from "@sumo/db/client";
import {
  createScenario,
  createTenant,
  deleteTenantScenario,
  insertIdempotencyRecords,
  insertJob,
  saveJobLog,
} from "@sumo/db/queries";
import { createQueueClient } from "@sumo/db/queue-client";
import { RETENTION_SWEEP_QUEUE } from "@sumo/db/queues";
import { type Job, jobs, scenarioBundles, sweeps } from "@sumo/db/schema";
import {
  createTestDatabase,
  makeJob,
  makeScenario,
  makeSweep,
  makeTenant,
  type TestDatabase,
} from "@sumo/db/testing";
import { metricValue } from "@sumo/metrics/testing";
import { eq } from "drizzle-orm";
import type { PgBoss } from "pg-boss";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, inject, it, vi } from "vitest";
import { RetentionSweep, type RetentionSweepDeps } from "./retention-sweep.ts";
import { RETENTION_TABLES } from "./scheduler-metrics.ts";

// The retention sweep on real PostgreSQL and pg-boss: what it deletes, batch by batch, what it
// counts, and that replicas asking at once make one sweep. A database per test: a sweep deletes
// whatever is past the retention, whoever made it.
let testDatabase: TestDatabase;
let database: DatabaseClient;
let boss: PgBoss;

beforeEach(async () => {
  testDatabase = await createTestDatabase(inject("templateDatabaseUrl"));
  database = createDatabaseClient(testDatabase.url, { maxConnections: 4 });
  boss = await createQueueClient(testDatabase.url, {
    role: "worker",
    instanceName: "test",
    registerInstance: false,
  });
});
afterEach(async () => {
  await boss.stop({ graceful: false, close: true });
  await database.close();
  await testDatabase.drop();
});

const DAY = 24 * 3600 * 1000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY);

function retentionSweep(overrides: Partial<RetentionSweepDeps> = {}) {
  return new RetentionSweep({
    db: database.db,
    boss,
    logger: pino({ level: "silent" }),
    metricsRegistry: new Registry(),
    jobRetentionMs: 30 * DAY,
    batchSize: 2,
    intervalMs: 3_600_000,
    ...overrides,
  });
}

/**
 * A tenant's history: jobs that ended 40 days ago (two with logs), one that ended yesterday, one
 * still running; an ended sweep of three members; a bundle only the old jobs name; three
 * expired Idempotency-Keys and a live one.
 */
async function history() {
  const tenant = await createTenant(database.db, makeTenant());
  const scenario = await createScenario(database.db, makeScenario({ tenantId: tenant.id }));
  const dropped = await createScenario(database.db, makeScenario({ tenantId: tenant.id }));
  const job = (bundle: typeof scenario, status: Job["status"], days: number, more = {}) =>
    insertJob(
      database.db,
      makeJob({
        tenantId: tenant.id,
        scenarioId: bundle.id,
        scenarioSha256: bundle.bundleSha256,
        status,
        submittedAt: daysAgo(days),
        updatedAt: daysAgo(days),
        ...more,
      }),
    );
  const old = [
    await job(scenario, "SUCCEEDED", 40),
    await job(scenario, "FAILED", 40),
    await job(scenario, "CANCELLED", 40),
    await job(dropped, "SUCCEEDED", 40),
    await job(dropped, "FAILED", 40),
  ];
  for (const ended of old.slice(0, 2)) {
    await saveJobLog(database.db, { jobId: ended.id, lines: ["Simulation ended."] });
  }
  await deleteTenantScenario(database.db, { tenantId: tenant.id, scenarioId: dropped.id });
  const kept = [await job(scenario, "SUCCEEDED", 1), await job(scenario, "RUNNING", 40)];
  const [sweep] = await database.db
    .insert(sweeps)
    .values(
      makeSweep({
        tenantId: tenant.id,
        scenarioSha256: scenario.bundleSha256,
        memberCount: 3,
        createdAt: daysAgo(40),
      }),
    )
    .returning();
  for (let i = 0; i < 3; i++) await job(scenario, "SUCCEEDED", 40, { sweepId: sweep?.id });
  const record = (key: string) => ({
    tenantId: tenant.id,
    key,
    requestFingerprint: Buffer.from(key),
    responseStatus: 202,
    responseBody: {},
  });
  await insertIdempotencyRecords(
    database.db,
    [1, 2, 3].map((i) => record(`old-${i}`)),
    {
      ttlMs: -DAY,
    },
  );
  await insertIdempotencyRecords(database.db, [record("live")], { ttlMs: DAY });
  return { tenant, kept, dropped };
}

async function remaining(tenantId: string) {
  const { rows } = await database.pool.query(
    `SELECT (SELECT count(*) FROM jobs WHERE tenant_id = $1)::int AS jobs,
       (SELECT count(*) FROM job_logs l JOIN jobs j ON j.id = l.job_id WHERE j.tenant_id = $1)::int AS job_logs,
       (SELECT count(*) FROM sweeps WHERE tenant_id = $1)::int AS sweeps,
       (SELECT count(*) FROM scenario_bundles WHERE tenant_id = $1)::int AS scenario_bundles,
       (SELECT count(*) FROM idempotency_keys WHERE tenant_id = $1)::int AS idempotency_keys`,
    [tenantId],
  );
  return rows[0];
}

describe("RetentionSweep", () => {
  it("deletes what is past the retention through its queue, batch by batch, and counts it", async () => {
    const { tenant, kept } = await history();
    expect(await remaining(tenant.id)).toEqual({
      jobs: 10,
      job_logs: 2,
      sweeps: 1,
      scenario_bundles: 2,
      idempotency_keys: 4,
    });
    const metricsRegistry = new Registry();
    const sweep = retentionSweep({ metricsRegistry });
    const deletedRows = async () =>
      Object.fromEntries(
        await Promise.all(
          RETENTION_TABLES.map(async (table) => [
            table,
            await metricValue(metricsRegistry, "sumo_retention_deleted_rows_total", { table }),
          ]),
        ),
      );
    expect(await deletedRows()).toEqual({
      jobs: 0,
      job_logs: 0,
      sweeps: 0,
      scenario_bundles: 0,
      idempotency_keys: 0,
    });
    // Started, it asks for a sweep at once, and works it.
    await sweep.start();
    try {
      await vi.waitFor(
        async () =>
          expect(
            await metricValue(metricsRegistry, "sumo_retention_sweep_duration_seconds_count", {
              outcome: "ok",
            }),
          ).toBe(1),
        { timeout: 15_000, interval: 50 },
      );
    } finally {
      await sweep.stop();
    }
    expect(await deletedRows()).toEqual({
      jobs: 8,
      job_logs: 2,
      sweeps: 1,
      scenario_bundles: 1,
      idempotency_keys: 3,
    });
    expect(await remaining(tenant.id)).toEqual({
      jobs: 2,
      job_logs: 0,
      sweeps: 0,
      scenario_bundles: 1,
      idempotency_keys: 1,
    });
    const left = await database.db
      .select({ id: jobs.id })
      .from(jobs)
      .where(eq(jobs.tenantId, tenant.id));
    expect(left.map((job) => job.id).sort()).toEqual(kept.map((job) => job.id).sort());
  });

  it("keeps ended jobs for ever at a retention of 0, and still deletes expired keys", async () => {
    const { tenant, dropped } = await history();
    const totals = await retentionSweep({ jobRetentionMs: 0 }).run();
    expect(totals).toEqual({
      jobs: 0,
      job_logs: 0,
      sweeps: 0,
      scenario_bundles: 0,
      idempotency_keys: 3,
    });
    expect(await remaining(tenant.id)).toMatchObject({ jobs: 10, sweeps: 1, idempotency_keys: 1 });
    const bundles = await database.db
      .select({ sha256: scenarioBundles.sha256 })
      .from(scenarioBundles)
      .where(eq(scenarioBundles.sha256, dropped.bundleSha256));
    expect(bundles).toHaveLength(1);
  });

  it("keeps one sweep asked for at a time, however many replicas ask", async () => {
    const replicas = [retentionSweep(), retentionSweep(), retentionSweep()];
    await Promise.all(replicas.map((replica) => replica.request()));
    await Promise.all(replicas.map((replica) => replica.request()));
    const { rows } = await database.pool.query(
      "SELECT state::text FROM pgboss.job WHERE name = $1",
      [RETENTION_SWEEP_QUEUE],
    );
    expect(rows).toEqual([{ state: "created" }]);
  });
});
