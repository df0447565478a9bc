import { randomUUID } from "node:crypto";
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabaseClient, type DatabaseClient } from "../client.ts";
import { jobs, type Tenant } from "../schema/index.ts";
import { createTestDatabase, type TestDatabase } from "../testing.ts";
import {
  countActiveJobsOfTenants,
  countJobsByStatus,
  failActiveJob,
  getTenantJob,
  insertJob,
  insertSubmittedJobs,
  type ObservedJobStatus,
  recordObservedJobStatus,
} from "./jobs.ts";
import { createTenant } from "./tenants.ts";

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

async function newJob() {
  const tenant = await createTenant(client.db, { name: `t-${randomUUID()}` });
  const job = await insertJob(client.db, {
    id: randomUUID(),
    tenantId: tenant.id,
    scenarioId: "s",
    cpuRequest: 1,
    memoryGi: 1,
  });
  const observe = (status: ObservedJobStatus["status"], extra: Partial<ObservedJobStatus> = {}) =>
    recordObservedJobStatus(client.db, {
      jobId: job.id,
      status,
      podName: "pod-1",
      startedAt: null,
      finishedAt: null,
      exitCode: null,
      failureReason: null,
      ...extra,
    });
  const read = async () => getTenantJob(client.db, { tenantId: tenant.id, jobId: job.id });
  return { job, observe, read };
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
    expect(await failActiveJob(client.db, { jobId: job.id, reason: "lost", at: new Date() })).toBe(
      false,
    );
    expect((await read())?.status).toBe("SUCCEEDED");
  });
});

describe("countJobsByStatus", () => {
  it("follows every insert, status change and delete, per tenant and in total", async () => {
    const before = await countJobsByStatus(client.db);
    const tenants = await Promise.all(
      ["a", "b"].map((name) => createTenant(client.db, { name: `count-${name}-${randomUUID()}` })),
    );
    const [a, b] = tenants as [Tenant, Tenant];
    const ids = (n: number) => Array.from({ length: n }, () => randomUUID());
    const aJobs = ids(5);
    const bJobs = ids(3);
    // One statement inserting several tenants' jobs, like a batch of submissions.
    const submitted = (tenantId: string) => (id: string) => ({
      id,
      tenantId,
      scenarioId: "s",
      scenario: { end: 60 },
      cpuRequest: 1,
      memoryGi: 1,
      submittedAt: new Date(),
    });
    await insertSubmittedJobs(client.db, [
      ...aJobs.map(submitted(a.id)),
      ...bJobs.map(submitted(b.id)),
    ]);
    const observe = (jobId: string, status: ObservedJobStatus["status"]) =>
      recordObservedJobStatus(client.db, {
        jobId,
        status,
        podName: null,
        startedAt: null,
        finishedAt: null,
        exitCode: null,
        failureReason: null,
      });
    const [a0, a1, a2, a3] = aJobs as [string, string, string, string];
    await observe(a0, "RUNNING");
    await observe(a1, "RUNNING");
    await observe(a1, "SUCCEEDED");
    await observe(a2, "FAILED");
    await failActiveJob(client.db, { jobId: a3, reason: "test", at: new Date() });
    await failActiveJob(client.db, { jobId: a3, reason: "again", at: new Date() });
    await client.db.delete(jobs).where(eq(jobs.id, bJobs[0] as string));

    // The counts agree with counting the rows themselves.
    const counted = async (tenantId?: string) => {
      const rows = await client.db
        .select({ status: jobs.status, n: count() })
        .from(jobs)
        .where(tenantId ? eq(jobs.tenantId, tenantId) : undefined)
        .groupBy(jobs.status);
      return {
        PENDING: 0,
        RUNNING: 0,
        SUCCEEDED: 0,
        FAILED: 0,
        ...Object.fromEntries(rows.map((r) => [r.status, r.n])),
      };
    };
    expect(await countJobsByStatus(client.db, { tenantId: a.id })).toEqual({
      PENDING: 1,
      RUNNING: 1,
      SUCCEEDED: 1,
      FAILED: 2,
    });
    expect(await countJobsByStatus(client.db, { tenantId: b.id })).toEqual(await counted(b.id));
    expect(await countJobsByStatus(client.db, { tenantId: b.id })).toMatchObject({ PENDING: 2 });
    const after = await countJobsByStatus(client.db);
    expect(after).toEqual(await counted());
    expect(after.FAILED - before.FAILED).toBe(2);
    expect((await countActiveJobsOfTenants(client.db, [a.id, b.id])).get(a.id)).toBe(2);
  });
});
