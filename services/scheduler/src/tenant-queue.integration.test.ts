import {
  createDatabaseClient,
  type DatabaseClient,
  transactionOnConnection,
} from "@sumo/db/client";
import { cancelJob } from "@sumo/db/job-cancellation";
import {
  createScenario,
  createTenant,
  insertJob,
  lockTenants,
  startQueuedJobs,
} from "@sumo/db/queries";
import { createQueueClient } from "@sumo/db/queue-client";
import { JOB_SUBMITTED_QUEUE } from "@sumo/db/queues";
import { type Job, jobs, type Tenant, tenants } from "@sumo/db/schema";
import {
  createTestDatabase,
  makeJob,
  makeScenario,
  makeTenant,
  type TestDatabase,
} from "@sumo/db/testing";
import { and, asc, eq, inArray } from "drizzle-orm";
import type { PgBoss } from "pg-boss";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { startQueuedJobsOfTenant, TenantQueue } from "./tenant-queue.ts";

// The tenant queue on real PostgreSQL and pg-boss: which queued jobs start, in what order,
// that the concurrent-job limit holds however many start at once, and that the database's
// announcements move a queue without waiting for a sweep.
let testDatabase: TestDatabase;
let database: DatabaseClient;
let boss: PgBoss;

beforeAll(async () => {
  testDatabase = await createTestDatabase(inject("templateDatabaseUrl"));
  database = createDatabaseClient(testDatabase.url, { maxConnections: 12 });
  boss = await createQueueClient(testDatabase.url, {
    role: "sender",
    instanceName: "test",
    registerInstance: false,
  });
});
afterAll(async () => {
  await boss.stop({ graceful: false, close: true });
  await database.close();
  await testDatabase.drop();
});

async function tenantWithScenario(limits: Partial<Tenant>) {
  const tenant = await createTenant(database.db, makeTenant(limits));
  const scenario = await createScenario(database.db, makeScenario({ tenantId: tenant.id }));
  return { tenant, scenario };
}

/** `count` jobs in this status, submitted a millisecond apart, oldest first. */
async function jobsOf(
  { tenant, scenario }: Awaited<ReturnType<typeof tenantWithScenario>>,
  count: number,
  status: Job["status"],
  size: Partial<Pick<Job, "cpuRequest" | "memoryGi">> = {},
): Promise<Job[]> {
  const made: Job[] = [];
  for (let i = 0; i < count; i++) {
    made.push(
      await insertJob(
        database.db,
        makeJob({
          tenantId: tenant.id,
          status,
          scenarioId: scenario.id,
          scenarioSha256: scenario.bundleSha256,
          scenarioConfig: scenario.config,
          cpuRequest: 1,
          memoryGi: 1,
          ...size,
          submittedAt: new Date(Date.now() + made.length),
        }),
      ),
    );
  }
  return made;
}

const statusesOf = async (ids: string[]) => {
  const rows = await database.db
    .select({ id: jobs.id, status: jobs.status })
    .from(jobs)
    .where(inArray(jobs.id, ids));
  const byId = new Map(rows.map((row) => [row.id, row.status]));
  return ids.map((id) => byId.get(id));
};

const activeCount = async (tenantId: string) =>
  (
    await database.db
      .select({ id: jobs.id })
      .from(jobs)
      .where(and(eq(jobs.tenantId, tenantId), inArray(jobs.status, ["PENDING", "RUNNING"])))
  ).length;

const submittedMessages = async (ids: string[]) => {
  const { rows } = await database.pool.query(
    "SELECT data->>'jobId' AS id FROM pgboss.job WHERE name = $1 AND data->>'jobId' = ANY($2)",
    [JOB_SUBMITTED_QUEUE, ids],
  );
  return rows.map((row: { id: string }) => row.id).sort();
};

describe("startQueuedJobsOfTenant", () => {
  it("starts the oldest queued jobs into the free slots, each with its JOB_SUBMITTED message", async () => {
    const owner = await tenantWithScenario({ maxConcurrentJobs: 3 });
    await jobsOf(owner, 1, "RUNNING");
    const queued = await jobsOf(owner, 4, "QUEUED");
    const outcome = await startQueuedJobsOfTenant({ db: database.db, boss }, owner.tenant.id);
    const ids = queued.map((job) => job.id);
    expect(outcome).toEqual({
      started: ids.slice(0, 2),
      failed: [],
      waitingFor: "concurrent_job_limit",
    });
    expect(await statusesOf(ids)).toEqual(["PENDING", "PENDING", "QUEUED", "QUEUED"]);
    expect(await submittedMessages(ids)).toEqual(ids.slice(0, 2).sort());
  });

  it("stops at a job that does not fit what is left of the quota: no smaller job passes it", async () => {
    const owner = await tenantWithScenario({ maxConcurrentJobs: 5, cpuLimit: 4 });
    await jobsOf(owner, 1, "RUNNING", { cpuRequest: 2 });
    const big = await jobsOf(owner, 1, "QUEUED", { cpuRequest: 3 });
    const small = await jobsOf(owner, 1, "QUEUED", { cpuRequest: 1 });
    const outcome = await startQueuedJobsOfTenant({ db: database.db, boss }, owner.tenant.id);
    expect(outcome).toEqual({ started: [], failed: [], waitingFor: "quota" });
    expect(await statusesOf([big[0]?.id ?? "", small[0]?.id ?? ""])).toEqual(["QUEUED", "QUEUED"]);
  });

  it("ends FAILED a queued job the tenant's lowered limits can never hold, and goes on", async () => {
    const owner = await tenantWithScenario({ maxConcurrentJobs: 2, cpuLimit: 8 });
    const [tooBig] = await jobsOf(owner, 1, "QUEUED", { cpuRequest: 6 });
    const [next] = await jobsOf(owner, 1, "QUEUED");
    await database.db.update(tenants).set({ cpuLimit: 4 }).where(eq(tenants.id, owner.tenant.id));
    const outcome = await startQueuedJobsOfTenant({ db: database.db, boss }, owner.tenant.id);
    expect(outcome).toMatchObject({ started: [next?.id], failed: [tooBig?.id] });
    const [row] = await database.db
      .select()
      .from(jobs)
      .where(eq(jobs.id, tooBig?.id ?? ""));
    expect(row).toMatchObject({
      status: "FAILED",
      failureReason: expect.stringMatching(/^CanNeverStart: 6 cores exceed/),
    });
  });

  it("never exceeds the concurrent-job limit, with many starts racing slots that free", async () => {
    const limit = 3;
    const owner = await tenantWithScenario({ maxConcurrentJobs: limit });
    const queued = await jobsOf(owner, 30, "QUEUED");
    const started: string[] = [];
    let peak = 0;
    for (let round = 0; started.length < queued.length && round < 100; round++) {
      // Eight schedulers at once, while the jobs that run end.
      const running = await database.db
        .select({ id: jobs.id })
        .from(jobs)
        .where(and(eq(jobs.tenantId, owner.tenant.id), eq(jobs.status, "PENDING")));
      const outcomes = await Promise.all([
        ...Array.from({ length: 8 }, async () => {
          const outcome = await startQueuedJobsOfTenant({ db: database.db, boss }, owner.tenant.id);
          peak = Math.max(peak, await activeCount(owner.tenant.id));
          return outcome;
        }),
        database.db
          .update(jobs)
          .set({ status: "SUCCEEDED" })
          .where(
            inArray(
              jobs.id,
              running.map((job) => job.id),
            ),
          )
          .then(() => undefined),
      ]);
      for (const outcome of outcomes) started.push(...(outcome?.started ?? []));
    }
    expect(peak).toBeLessThanOrEqual(limit);
    expect(peak).toBe(limit);
    // Each job started once, in queue order.
    expect(started).toEqual(queued.map((job) => job.id));
    expect(await submittedMessages(started)).toEqual([...started].sort());
  });
  it("lets a cancel through while it holds the tenant's lock: neither waits for the other", async () => {
    const owner = await tenantWithScenario({ maxConcurrentJobs: 1 });
    const [queued] = await jobsOf(owner, 1, "QUEUED");
    const jobId = queued?.id ?? "";
    // Hold the tenant's lock as a start does, and cancel the job meanwhile. The tenant's first
    // cancelled job adds its CANCELLED count row, whose foreign key checks the tenant's row:
    // a lock that refused that check would have the two wait for each other.
    const outcome = await transactionOnConnection(database.db, async (connection) => {
      await lockTenants(connection, [owner.tenant.id]);
      // A cancel that waited for the lock would never finish: the test would time out.
      const cancel = await cancelJob(
        { db: database.db, boss },
        { jobId, tenantId: owner.tenant.id, by: "tenant" },
      );
      return { cancel, started: await startQueuedJobs(connection, [jobId]) };
    });
    expect(outcome.cancel).toMatchObject({ kind: "cancelled", job: { status: "CANCELLED" } });
    expect(outcome.started).toEqual([]);
    expect(await statusesOf([jobId])).toEqual(["CANCELLED"]);
  });
});

describe("TenantQueue", () => {
  it("starts the next queued job as soon as a slot frees, on the database's word", async () => {
    const owner = await tenantWithScenario({ maxConcurrentJobs: 1 });
    const [running] = await jobsOf(owner, 1, "RUNNING");
    const queue = new TenantQueue({
      db: database.db,
      boss,
      logger: pino({ level: "silent" }),
      databaseUrl: testDatabase.url,
      // No sweep during the test: what moves the queue is the announcement.
      sweepIntervalMs: 3_600_000,
    });
    await queue.start();
    try {
      const [waiting] = await jobsOf(owner, 1, "QUEUED");
      // Joined the queue: nothing free, it stays.
      await queue.sweep();
      expect(await statusesOf([waiting?.id ?? ""])).toEqual(["QUEUED"]);
      await database.db
        .update(jobs)
        .set({ status: "SUCCEEDED" })
        .where(eq(jobs.id, running?.id ?? ""));
      await vi.waitFor(
        async () => expect(await statusesOf([waiting?.id ?? ""])).toEqual(["PENDING"]),
        { timeout: 5_000, interval: 20 },
      );
      // A limit raised moves the queue too.
      const more = await jobsOf(owner, 2, "QUEUED");
      await database.db
        .update(tenants)
        .set({ maxConcurrentJobs: 3 })
        .where(eq(tenants.id, owner.tenant.id));
      await vi.waitFor(
        async () =>
          expect(await statusesOf(more.map((job) => job.id))).toEqual(["PENDING", "PENDING"]),
        { timeout: 5_000, interval: 20 },
      );
      // A job joining the queue while a slot is free starts on its own announcement. (The
      // slot is freed by deleting a job, which announces nothing.)
      await database.db.delete(jobs).where(eq(jobs.id, waiting?.id ?? ""));
      const [joined] = await jobsOf(owner, 1, "QUEUED");
      await vi.waitFor(
        async () => expect(await statusesOf([joined?.id ?? ""])).toEqual(["PENDING"]),
        { timeout: 5_000, interval: 20 },
      );
    } finally {
      await queue.stop();
    }
    const order = await database.db
      .select({ id: jobs.id })
      .from(jobs)
      .where(eq(jobs.tenantId, owner.tenant.id))
      .orderBy(asc(jobs.submittedAt));
    expect(order).toHaveLength(4);
  });
});
