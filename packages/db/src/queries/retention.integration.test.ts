import { eq, inArray } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { createDatabaseClient, type DatabaseClient } from "../client.ts";
import type { JobStatus } from "../job-status.ts";
import {
  idempotencyKeys,
  type Job,
  jobLogs,
  jobs,
  scenarioBundles,
  sweeps,
} from "../schema/index.ts";
import {
  createTestDatabase,
  makeJob,
  makeScenario,
  makeSweep,
  makeTenant,
  type TestDatabase,
} from "../testing.ts";
import { insertIdempotencyRecords } from "./hot-paths.ts";
import { saveJobLog } from "./job-logs.ts";
import { insertJob } from "./jobs.ts";
import {
  deleteEndedJobs,
  deleteEndedSweeps,
  deleteExpiredIdempotencyRecords,
} from "./retention.ts";
import { createScenario, deleteTenantScenario } from "./scenarios.ts";
import { createTenant } from "./tenants.ts";

// What the retention sweep deletes, batch by batch, on real PostgreSQL: ended jobs past the
// retention with their logs, sweeps whose members have all ended, bundles nothing names any
// more, expired Idempotency-Key records; and everything it must keep. A database per test: a
// batch deletes whatever is past its cutoff, whoever made it.
let database: TestDatabase;
let client: DatabaseClient;
beforeEach(async () => {
  database = await createTestDatabase(inject("templateDatabaseUrl"));
  client = createDatabaseClient(database.url, { maxConnections: 4 });
});
afterEach(async () => {
  await client.close();
  await database.drop();
});

const DAY = 24 * 3600 * 1000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY);
/** The retention's cutoff in these tests: jobs that ended more than 30 days ago go. */
const endedBefore = () => daysAgo(30);

/** A tenant with a scenario, whose bundle its jobs run. */
async function tenantWithScenario() {
  const tenant = await createTenant(client.db, makeTenant());
  const scenario = await createScenario(client.db, makeScenario({ tenantId: tenant.id }));
  return { tenant, scenario };
}

/** A job of the tenant's scenario that ended (or not) this many days ago. */
async function jobOf(
  owner: Awaited<ReturnType<typeof tenantWithScenario>>,
  status: JobStatus,
  days: { submitted: number; ended?: number },
  overrides: Partial<Job> = {},
): Promise<Job> {
  const ended = daysAgo(days.ended ?? days.submitted);
  return insertJob(
    client.db,
    makeJob({
      tenantId: owner.tenant.id,
      scenarioId: owner.scenario.id,
      scenarioSha256: owner.scenario.bundleSha256,
      scenarioConfig: owner.scenario.config,
      status,
      submittedAt: daysAgo(days.submitted),
      updatedAt: ended,
      finishedAt: ["SUCCEEDED", "FAILED", "CANCELLED"].includes(status) ? ended : null,
      ...overrides,
    }),
  );
}

const inBatch = <T>(work: Parameters<typeof client.db.transaction<T>>[0]) =>
  client.db.transaction(work);

const existing = async (ids: string[]) =>
  (await client.db.select({ id: jobs.id }).from(jobs).where(inArray(jobs.id, ids)))
    .map((row) => row.id)
    .sort();

/** Each tenant's job counts as kept by the triggers, and as the jobs say. */
async function jobCounts(tenantId: string) {
  const { rows } = await client.pool.query(
    `SELECT status::text, jobs::int AS n FROM tenant_job_counts WHERE tenant_id = $1 AND jobs <> 0
     ORDER BY 1`,
    [tenantId],
  );
  const { rows: actual } = await client.pool.query(
    "SELECT status::text, count(*)::int AS n FROM jobs WHERE tenant_id = $1 GROUP BY 1 ORDER BY 1",
    [tenantId],
  );
  return { kept: rows, actual };
}

describe("deleteEndedJobs", () => {
  it("deletes jobs that ended before the cutoff with their logs, and keeps every other", async () => {
    const owner = await tenantWithScenario();
    const gone = [
      await jobOf(owner, "SUCCEEDED", { submitted: 41, ended: 40 }),
      await jobOf(owner, "FAILED", { submitted: 35, ended: 31 }),
      await jobOf(owner, "CANCELLED", { submitted: 60 }),
    ];
    await saveJobLog(client.db, { jobId: gone[0]?.id ?? "", lines: ["Step #100.00"] });
    const kept = [
      // Ended within the retention, however long ago submitted.
      await jobOf(owner, "SUCCEEDED", { submitted: 1 }),
      await jobOf(owner, "FAILED", { submitted: 45, ended: 29 }),
      // Not ended, however old.
      await jobOf(owner, "QUEUED", { submitted: 90 }),
      await jobOf(owner, "PENDING", { submitted: 90 }),
      await jobOf(owner, "RUNNING", { submitted: 90 }),
    ];
    await saveJobLog(client.db, { jobId: kept[0]?.id ?? "", lines: ["kept"] });
    const all = [...gone, ...kept].map((job) => job.id);

    const deleted = await inBatch((tx) =>
      deleteEndedJobs(tx, { endedBefore: endedBefore(), limit: 500 }),
    );
    // The scenario still names its bundle: it stays.
    expect(deleted).toEqual({ jobs: 3, jobLogs: 1, sweeps: 0, scenarioBundles: 0 });
    expect(await existing(all)).toEqual(kept.map((job) => job.id).sort());
    const logs = await client.db
      .select({ jobId: jobLogs.jobId })
      .from(jobLogs)
      .where(inArray(jobLogs.jobId, all));
    expect(logs).toEqual([{ jobId: kept[0]?.id }]);
    const counts = await jobCounts(owner.tenant.id);
    expect(counts.kept).toEqual(counts.actual);
    expect(
      await inBatch((tx) => deleteEndedJobs(tx, { endedBefore: endedBefore(), limit: 500 })),
    ).toMatchObject({ jobs: 0 });
  });

  it("deletes at most `limit` jobs a batch", async () => {
    const owner = await tenantWithScenario();
    const old = [];
    for (let i = 0; i < 5; i++) old.push(await jobOf(owner, "SUCCEEDED", { submitted: 40 }));
    const ids = old.map((job) => job.id);
    const batches: number[] = [];
    for (;;) {
      const { jobs: n } = await inBatch((tx) =>
        deleteEndedJobs(tx, { endedBefore: endedBefore(), limit: 2 }),
      );
      if (n === 0) break;
      batches.push(n);
    }
    expect(batches).toEqual([2, 2, 1]);
    expect(await existing(ids)).toEqual([]);
  });

  it("keeps a rerun of a deleted job, its link cleared", async () => {
    const owner = await tenantWithScenario();
    const original = await jobOf(owner, "FAILED", { submitted: 40 });
    const rerun = await jobOf(owner, "RUNNING", { submitted: 1 }, { rerunOfJobId: original.id });
    await inBatch((tx) => deleteEndedJobs(tx, { endedBefore: endedBefore(), limit: 500 }));
    const [row] = await client.db.select().from(jobs).where(eq(jobs.id, rerun.id));
    expect(row).toMatchObject({ status: "RUNNING", rerunOfJobId: null });
    expect(await existing([original.id])).toEqual([]);
  });

  it("deletes a bundle once no scenario, job or sweep names it", async () => {
    const owner = await tenantWithScenario();
    const job = await jobOf(owner, "SUCCEEDED", { submitted: 40 });
    // The scenario goes while a job names its bundle: the bundle stays for the job.
    await deleteTenantScenario(client.db, {
      tenantId: owner.tenant.id,
      scenarioId: owner.scenario.id,
    });
    const bundle = () =>
      client.db
        .select({ sha256: scenarioBundles.sha256 })
        .from(scenarioBundles)
        .where(eq(scenarioBundles.tenantId, owner.tenant.id));
    expect(await bundle()).toHaveLength(1);

    // Another job names it, lately ended: it stays with that job.
    const recent = await jobOf(owner, "SUCCEEDED", { submitted: 2 });
    expect(
      await inBatch((tx) => deleteEndedJobs(tx, { endedBefore: endedBefore(), limit: 500 })),
    ).toEqual({ jobs: 1, jobLogs: 0, sweeps: 0, scenarioBundles: 0 });
    expect(await bundle()).toHaveLength(1);

    // Past the retention too: the last job naming it goes, and the bundle with it.
    expect(
      await inBatch((tx) => deleteEndedJobs(tx, { endedBefore: daysAgo(1), limit: 500 })),
    ).toEqual({ jobs: 1, jobLogs: 0, sweeps: 0, scenarioBundles: 1 });
    expect(await bundle()).toEqual([]);
    expect(await existing([job.id, recent.id])).toEqual([]);
  });

  it("skips the ended jobs another transaction holds instead of waiting for them", async () => {
    const owner = await tenantWithScenario();
    const held = await jobOf(owner, "CANCELLED", { submitted: 40 });
    const free = await jobOf(owner, "SUCCEEDED", { submitted: 40 });
    // A cancel of the ended job holds its row, as markJobCancelled locks it.
    const holder = await client.pool.connect();
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT id FROM jobs WHERE id = $1 FOR UPDATE", [held.id]);
      const deleted = await inBatch((tx) =>
        deleteEndedJobs(tx, { endedBefore: endedBefore(), limit: 500 }),
      );
      expect(deleted.jobs).toBe(1);
      expect(await existing([held.id, free.id])).toEqual([held.id]);
    } finally {
      await holder.query("ROLLBACK");
      holder.release();
    }
    await inBatch((tx) => deleteEndedJobs(tx, { endedBefore: endedBefore(), limit: 500 }));
    expect(await existing([held.id])).toEqual([]);
  });
});

describe("deleteEndedSweeps", () => {
  /** A sweep over the owner's bundle, created `days` ago, with members as given. */
  async function sweepOf(
    owner: Awaited<ReturnType<typeof tenantWithScenario>>,
    days: number,
    members: { status: JobStatus; ended: number }[],
  ) {
    const [sweep] = await client.db
      .insert(sweeps)
      .values(
        makeSweep({
          tenantId: owner.tenant.id,
          scenarioSha256: owner.scenario.bundleSha256,
          memberCount: members.length,
          createdAt: daysAgo(days),
        }),
      )
      .returning();
    if (!sweep) throw new Error("no sweep");
    const jobsOfSweep = [];
    for (const member of members) {
      jobsOfSweep.push(
        await jobOf(
          owner,
          member.status,
          { submitted: days, ended: member.ended },
          { sweepId: sweep.id },
        ),
      );
    }
    return { sweep, members: jobsOfSweep };
  }

  const sweepExists = async (id: string) =>
    (await client.db.select({ id: sweeps.id }).from(sweeps).where(eq(sweeps.id, id))).length > 0;

  it("deletes a sweep whose members all ended before the cutoff, members first, a batch at a time", async () => {
    const owner = await tenantWithScenario();
    const ended = await sweepOf(owner, 40, [
      { status: "SUCCEEDED", ended: 39 },
      { status: "FAILED", ended: 38 },
      { status: "CANCELLED", ended: 35 },
    ]);
    const running = await sweepOf(owner, 40, [
      { status: "SUCCEEDED", ended: 39 },
      { status: "RUNNING", ended: 39 },
    ]);
    const lately = await sweepOf(owner, 40, [
      { status: "SUCCEEDED", ended: 39 },
      { status: "SUCCEEDED", ended: 2 },
    ]);
    await saveJobLog(client.db, { jobId: ended.members[0]?.id ?? "", lines: ["done"] });
    // The scenario goes: the sweeps and their members are all that name its bundle now.
    await deleteTenantScenario(client.db, {
      tenantId: owner.tenant.id,
      scenarioId: owner.scenario.id,
    });

    // Members are not the standalone retention's to delete.
    expect(
      await inBatch((tx) => deleteEndedJobs(tx, { endedBefore: endedBefore(), limit: 500 })),
    ).toMatchObject({ jobs: 0 });

    const first = await inBatch((tx) =>
      deleteEndedSweeps(tx, { endedBefore: endedBefore(), limit: 2 }),
    );
    expect(first).toEqual({ jobs: 2, jobLogs: 1, sweeps: 0, scenarioBundles: 0 });
    expect(await sweepExists(ended.sweep.id)).toBe(true);
    const second = await inBatch((tx) =>
      deleteEndedSweeps(tx, { endedBefore: endedBefore(), limit: 2 }),
    );
    // The last member, then the sweep; its bundle stays for the sweeps that are kept.
    expect(second).toEqual({ jobs: 1, jobLogs: 0, sweeps: 1, scenarioBundles: 0 });
    expect(await sweepExists(ended.sweep.id)).toBe(false);
    expect(await existing(ended.members.map((job) => job.id))).toEqual([]);
    expect(
      await inBatch((tx) => deleteEndedSweeps(tx, { endedBefore: endedBefore(), limit: 2 })),
    ).toEqual({ jobs: 0, jobLogs: 0, sweeps: 0, scenarioBundles: 0 });

    for (const kept of [running, lately]) {
      expect(await sweepExists(kept.sweep.id)).toBe(true);
      expect(await existing(kept.members.map((job) => job.id))).toEqual(
        kept.members.map((job) => job.id).sort(),
      );
    }
    const counts = await jobCounts(owner.tenant.id);
    expect(counts.kept).toEqual(counts.actual);

    // Once the others have ended long enough, the last of them takes the bundle along.
    expect(
      await inBatch((tx) => deleteEndedSweeps(tx, { endedBefore: new Date(), limit: 500 })),
    ).toEqual({ jobs: 2, jobLogs: 0, sweeps: 1, scenarioBundles: 0 });
    await client.db
      .update(jobs)
      .set({ status: "SUCCEEDED" })
      .where(eq(jobs.sweepId, running.sweep.id));
    expect(
      await inBatch((tx) => deleteEndedSweeps(tx, { endedBefore: new Date(), limit: 500 })),
    ).toEqual({ jobs: 2, jobLogs: 0, sweeps: 1, scenarioBundles: 1 });
  });
});

describe("deleteExpiredIdempotencyRecords", () => {
  it("deletes expired records, at most `limit` a batch, and keeps live ones", async () => {
    const tenant = await createTenant(client.db, makeTenant());
    const record = (key: string) => ({
      tenantId: tenant.id,
      key,
      requestFingerprint: Buffer.from(key),
      responseStatus: 202,
      responseBody: { job_id: key },
    });
    await insertIdempotencyRecords(client.db, [record("old-1"), record("old-2"), record("old-3")], {
      ttlMs: -1000,
    });
    await insertIdempotencyRecords(client.db, [record("live")], { ttlMs: DAY });
    const keys = async () =>
      (
        await client.db
          .select({ key: idempotencyKeys.key })
          .from(idempotencyKeys)
          .where(eq(idempotencyKeys.tenantId, tenant.id))
          .orderBy(idempotencyKeys.key)
      ).map((row) => row.key);

    expect(await inBatch((tx) => deleteExpiredIdempotencyRecords(tx, { limit: 2 }))).toBe(2);
    expect(await keys()).toHaveLength(2);
    expect(await inBatch((tx) => deleteExpiredIdempotencyRecords(tx, { limit: 2 }))).toBe(1);
    expect(await keys()).toEqual(["live"]);
    expect(await inBatch((tx) => deleteExpiredIdempotencyRecords(tx, { limit: 2 }))).toBe(0);
  });
});
