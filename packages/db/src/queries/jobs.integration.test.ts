import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabaseClient, type DatabaseClient } from "../client.ts";
import type { JobStatus } from "../job-status.ts";
import { jobs } from "../schema/index.ts";
import {
  createTestDatabase,
  makeJob,
  makeScenario,
  makeTenant,
  type TestDatabase,
} from "../testing.ts";
import {
  countJobsOfTenants,
  findTenantScenarios,
  getTenantJob,
  getTenantJobWithReruns,
  insertSubmittedJobs,
  recordObservedJobStatus,
  scenarioRefKey,
} from "./hot-paths.ts";
import {
  countAllJobsByStatus,
  countTenantJobsByStatus,
  failJob,
  insertJob,
  listAllJobs,
  listOpenScheduledJobs,
  listTenantJobs,
  type ObservedJobStatus,
} from "./jobs.ts";
import { createScenario } from "./scenarios.ts";
import { createTenant, listTenantsWithScheduledJobs } from "./tenants.ts";

let database: TestDatabase;
let client: DatabaseClient;
beforeAll(async () => {
  database = await createTestDatabase(inject("templateDatabaseUrl"));
  client = createDatabaseClient(database.url, { maxConnections: 2 });
});
afterAll(async () => {
  await client.close();
  await database.drop();
});

const observation = (jobId: string, status: JobStatus, extra: Partial<ObservedJobStatus> = {}) => ({
  jobId,
  status,
  podName: null,
  startedAt: null,
  finishedAt: null,
  exitCode: null,
  failureReason: null,
  result: null,
  ...extra,
});

async function newJob() {
  const tenant = await createTenant(client.db, makeTenant());
  const job = await insertJob(client.db, makeJob({ tenantId: tenant.id }));
  const observe = (status: JobStatus, extra: Partial<ObservedJobStatus> = {}) =>
    recordObservedJobStatus(client.db, observation(job.id, status, { podName: "pod-1", ...extra }));
  const read = async () => getTenantJob(client.db, { tenantId: tenant.id, jobId: job.id });
  return { tenant, job, observe, read };
}

describe("recordObservedJobStatus", () => {
  it("only moves a job forwards and keeps what it already knew", async () => {
    const { observe, read } = await newJob();
    const started = new Date("2026-11-26T10:00:00.000Z");
    expect(await observe("RUNNING", { startedAt: started })).toBe(true);
    expect(await observe("RUNNING", { startedAt: started })).toBe(false);
    expect(await observe("PENDING")).toBe(false);
    expect((await read())?.status).toBe("RUNNING");

    const finished = new Date("2026-11-26T10:05:00.000Z");
    expect(await observe("SUCCEEDED", { finishedAt: finished, exitCode: 0 })).toBe(true);
    expect(await observe("FAILED", { failureReason: "late", exitCode: 1 })).toBe(false);
    expect(await observe("SUCCEEDED", { podName: "pod-2", exitCode: 0 })).toBe(false);
    expect(await read()).toMatchObject({
      status: "SUCCEEDED",
      startedAt: started,
      finishedAt: finished,
      exitCode: 0,
      failureReason: null,
      podName: "pod-1",
    });
  });

  it("never fails a job that already ended", async () => {
    const { job, observe, read } = await newJob();
    await observe("SUCCEEDED", { exitCode: 0, finishedAt: new Date() });
    expect(await failJob(client.db, { jobId: job.id, reason: "lost", at: new Date() })).toBe(false);
    expect((await read())?.status).toBe("SUCCEEDED");
  });
});

describe("tenant-scoped queries", () => {
  it("cannot run without a tenant id, and never return another tenant's jobs", async () => {
    const { tenant, job } = await newJob();
    const other = await newJob();
    await expect(listTenantJobs(client.db, { tenantId: "", limit: 10 })).rejects.toThrow(
      /needs a tenant id/,
    );
    await expect(getTenantJob(client.db, { tenantId: "", jobId: job.id })).rejects.toThrow(
      /needs a tenant id/,
    );
    await expect(countTenantJobsByStatus(client.db, "")).rejects.toThrow(/needs a tenant id/);
    await expect(listAllJobs(client.db, { tenantId: "", limit: 10 })).rejects.toThrow(
      /needs a tenant id/,
    );

    const page = await listTenantJobs(client.db, { tenantId: tenant.id, limit: 10 });
    expect(page.jobs.map((j) => j.id)).toEqual([job.id]);
    expect(await getTenantJob(client.db, { tenantId: tenant.id, jobId: other.job.id })).toBe(
      undefined,
    );
    const all = await listAllJobs(client.db, { limit: 100 });
    expect(all.jobs.map((j) => j.id)).toEqual(expect.arrayContaining([job.id, other.job.id]));
  });
});

describe("job counts by status", () => {
  it("follow every insert, status change and delete, per tenant and in total", async () => {
    const before = await countAllJobsByStatus(client.db);
    const a = await createTenant(client.db, makeTenant());
    const b = await createTenant(client.db, makeTenant());
    const aJobs = Array.from({ length: 5 }, () => makeJob({ tenantId: a.id }));
    const bJobs = Array.from({ length: 3 }, () => makeJob({ tenantId: b.id }));
    // One statement inserting several tenants' jobs, like a batch of submissions.
    await insertSubmittedJobs(
      client.db,
      [...aJobs, ...bJobs].map((job) => ({ ...job, status: "PENDING" as const })),
    );
    const [a0, a1, a2, a3] = aJobs.map((job) => job.id) as [string, string, string, string];
    const observe = (jobId: string, status: JobStatus) =>
      recordObservedJobStatus(client.db, observation(jobId, status));
    await observe(a0, "RUNNING");
    await observe(a1, "RUNNING");
    await observe(a1, "SUCCEEDED");
    await observe(a2, "FAILED");
    await failJob(client.db, { jobId: a3, reason: "test", at: new Date() });
    await failJob(client.db, { jobId: a3, reason: "again", at: new Date() });
    await client.db.delete(jobs).where(eq(jobs.id, bJobs[0]?.id ?? ""));

    // The counts agree with counting the rows themselves.
    const counted = async (tenantId?: string) => {
      const rows = await client.db
        .select({ status: jobs.status, n: count() })
        .from(jobs)
        .where(tenantId === undefined ? undefined : eq(jobs.tenantId, tenantId))
        .groupBy(jobs.status);
      return {
        QUEUED: 0,
        PENDING: 0,
        RUNNING: 0,
        SUCCEEDED: 0,
        FAILED: 0,
        CANCELLED: 0,
        ...Object.fromEntries(rows.map((r) => [r.status, r.n])),
      };
    };
    expect(await countTenantJobsByStatus(client.db, a.id)).toEqual({
      QUEUED: 0,
      PENDING: 1,
      RUNNING: 1,
      SUCCEEDED: 1,
      FAILED: 2,
      CANCELLED: 0,
    });
    expect(await countTenantJobsByStatus(client.db, b.id)).toEqual(await counted(b.id));
    expect(await countTenantJobsByStatus(client.db, b.id)).toMatchObject({ PENDING: 2 });
    const after = await countAllJobsByStatus(client.db);
    expect(after).toEqual(await counted());
    expect(after.FAILED - before.FAILED).toBe(2);
  });

  it("of several tenants at once: active and queued apart, and none for a tenant without jobs", async () => {
    const tenantWith = async (...statuses: JobStatus[]) => {
      const tenant = await createTenant(client.db, makeTenant());
      for (const status of statuses) {
        await insertJob(client.db, makeJob({ tenantId: tenant.id, status }));
      }
      return tenant.id;
    };
    const a = await tenantWith("QUEUED", "QUEUED", "PENDING", "RUNNING", "FAILED");
    const b = await tenantWith("RUNNING");
    const none = await tenantWith();
    const counts = await countJobsOfTenants(client.db, [a, b, none]);
    expect(Object.fromEntries(counts.active)).toEqual({ [a]: 2, [b]: 1, [none]: 0 });
    expect(Object.fromEntries(counts.queued)).toEqual({ [a]: 2, [b]: 0, [none]: 0 });
  });
});

describe("listTenantsWithScheduledJobs", () => {
  it("names the tenants with a scheduled job that has not ended, each once", async () => {
    const at = new Date();
    const tenantWith = async (...shapes: Partial<Parameters<typeof makeJob>[0]>[]) => {
      const tenant = await createTenant(client.db, makeTenant());
      for (const shape of shapes) {
        await insertJob(client.db, makeJob({ tenantId: tenant.id, ...shape }));
      }
      return tenant.id;
    };
    const running = await tenantWith(
      { status: "RUNNING", scheduledAt: at },
      { status: "PENDING", scheduledAt: at },
    );
    const scheduled = await tenantWith({ status: "PENDING", scheduledAt: at });
    const notYetScheduled = await tenantWith({ status: "PENDING" }, { status: "QUEUED" });
    const ended = await tenantWith(
      { status: "SUCCEEDED", scheduledAt: at },
      { status: "CANCELLED", scheduledAt: at },
    );

    const ids = (await listTenantsWithScheduledJobs(client.db)).map((tenant) => tenant.id);
    expect(ids.filter((id) => id === running)).toHaveLength(1);
    expect(ids).toContain(scheduled);
    expect(ids).not.toContain(notYetScheduled);
    expect(ids).not.toContain(ended);
  });
});

describe("listOpenScheduledJobs", () => {
  it("pages through every open job scheduled before the time given, in id order", async () => {
    const tenant = await createTenant(client.db, makeTenant());
    const scheduledAt = new Date(Date.now() - 60_000);
    const insert = async (shape: Partial<Parameters<typeof makeJob>[0]>) =>
      (await insertJob(client.db, makeJob({ tenantId: tenant.id, ...shape }))).id;
    const open: string[] = [];
    for (const status of ["PENDING", "RUNNING", "PENDING", "RUNNING", "PENDING"] as const) {
      open.push(await insert({ status, scheduledAt }));
    }
    const notListed = [
      await insert({ status: "SUCCEEDED", scheduledAt }),
      await insert({ status: "CANCELLED", scheduledAt }),
      await insert({ status: "PENDING", scheduledAt: new Date() }),
      await insert({ status: "QUEUED" }),
    ];

    const scheduledBefore = new Date(Date.now() - 30_000);
    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 100; page++) {
      const rows = await listOpenScheduledJobs(client.db, { scheduledBefore, after, limit: 2 });
      expect(rows.length).toBeLessThanOrEqual(2);
      seen.push(...rows.map((row) => row.id));
      if (rows.length < 2) break;
      after = rows.at(-1)?.id;
    }
    // Other tests' jobs are in this database too: every open one of this tenant, once each.
    expect(seen.filter((id) => open.includes(id)).sort()).toEqual([...open].sort());
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(seen);
    for (const id of notListed) expect(seen).not.toContain(id);
  });
});

describe("getTenantJobWithReruns", () => {
  it("reads a job with its own tenant's reruns, oldest first, and nothing of another tenant", async () => {
    const { tenant, job } = await newJob();
    const other = await createTenant(client.db, makeTenant());
    const first = await insertJob(
      client.db,
      makeJob({ tenantId: tenant.id, rerunOfJobId: job.id, submittedAt: new Date(1_000) }),
    );
    const second = await insertJob(
      client.db,
      makeJob({ tenantId: tenant.id, rerunOfJobId: job.id, submittedAt: new Date(2_000) }),
    );
    const read = await getTenantJobWithReruns(client.db, { tenantId: tenant.id, jobId: job.id });
    expect(read?.id).toBe(job.id);
    expect(read?.status).toBe(job.status);
    expect(read?.reruns).toEqual([first.id, second.id]);
    const rerun = await getTenantJobWithReruns(client.db, {
      tenantId: tenant.id,
      jobId: first.id,
    });
    expect(rerun?.reruns).toEqual([]);
    expect(
      await getTenantJobWithReruns(client.db, { tenantId: other.id, jobId: job.id }),
    ).toBeUndefined();
  });
});

describe("findTenantScenarios", () => {
  it("finds each submission's scenario by id or name among its own tenant's only", async () => {
    const a = await createTenant(client.db, makeTenant());
    const b = await createTenant(client.db, makeTenant());
    const ofA = await createScenario(client.db, makeScenario({ tenantId: a.id }));
    const ofB = await createScenario(client.db, makeScenario({ tenantId: b.id }));
    const refs = [
      { tenantId: a.id, ref: ofA.id.toUpperCase() },
      { tenantId: a.id, ref: ofA.name },
      { tenantId: b.id, ref: ofB.name },
      // Another tenant's scenario, by id and by name, and a name nobody has.
      { tenantId: a.id, ref: ofB.id },
      { tenantId: a.id, ref: ofB.name },
      { tenantId: b.id, ref: "no-such-scenario" },
    ];
    const found = await findTenantScenarios(client.db, refs);
    const nameOf = (i: number) => found.get(scenarioRefKey(refs[i] as (typeof refs)[0]))?.name;
    expect([0, 1, 2, 3, 4, 5].map(nameOf)).toEqual([
      ofA.name,
      ofA.name,
      ofB.name,
      undefined,
      undefined,
      undefined,
    ]);
    expect(found.get(scenarioRefKey({ tenantId: b.id, ref: ofB.name }))).toEqual({
      tenantId: b.id,
      id: ofB.id,
      name: ofB.name,
      bundleSha256: ofB.bundleSha256,
      config: ofB.config,
    });
    expect((await findTenantScenarios(client.db, [])).size).toBe(0);
  });
});
