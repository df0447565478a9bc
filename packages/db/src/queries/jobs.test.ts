import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabaseClient, type DatabaseClient } from "../client.ts";
import { createTestDatabase, type TestDatabase } from "../testing.ts";
import {
  failActiveJob,
  getTenantJob,
  insertJob,
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
