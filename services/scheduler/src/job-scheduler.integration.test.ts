import { randomUUID } from "node:crypto";
import { BatchV1Api, CoreV1Api, KubernetesObjectApi } from "@kubernetes/client-node";
import { createDatabaseClient, type DatabaseClient } from "@sumo/db/client";
import { createScenario, createTenant, insertJob } from "@sumo/db/queries";
import { createQueueClient } from "@sumo/db/queue-client";
import { JOB_SUBMITTED_DEAD_LETTER_QUEUE, JOB_SUBMITTED_QUEUE } from "@sumo/db/queues";
import { jobs } from "@sumo/db/schema";
import {
  createTestDatabase,
  makeJob,
  makeScenario,
  makeTenant,
  type TestDatabase,
} from "@sumo/db/testing";
import { unreachableCluster } from "@sumo/kubernetes/testing";
import { metricValue } from "@sumo/metrics/testing";
import { inArray } from "drizzle-orm";
import type { PgBoss } from "pg-boss";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, expect, inject, it, vi } from "vitest";
import { schedulerEnvSchema } from "./env.ts";
import { JobScheduler } from "./job-scheduler.ts";
import { TenantNamespaces, tenantNamespaceConfig } from "./tenant-namespace.ts";

// The JobScheduler on real PostgreSQL and pg-boss, with a Kubernetes API that is down (nothing
// listens on its port): every outcome that needs no working cluster. `created`,
// `already-created` and `failed` need one; the end-to-end suite drives those.
let testDatabase: TestDatabase;
let database: DatabaseClient;
let boss: PgBoss;
let scheduler: JobScheduler;
const metricsRegistry = new Registry();

beforeAll(async () => {
  testDatabase = await createTestDatabase(inject("templateDatabaseUrl"));
  database = createDatabaseClient(testDatabase.url, { maxConnections: 4 });
  boss = await createQueueClient(testDatabase.url, {
    role: "worker",
    instanceName: "test",
    registerInstance: false,
    maxConnections: 4,
  });
  const kubeConfig = unreachableCluster();
  scheduler = new JobScheduler({
    db: database.db,
    boss,
    logger: pino({ level: "silent" }),
    metricsRegistry,
    concurrency: 2,
    batch: kubeConfig.makeApiClient(BatchV1Api),
    core: kubeConfig.makeApiClient(CoreV1Api),
    namespaces: new TenantNamespaces(
      KubernetesObjectApi.makeApiClient(kubeConfig),
      tenantNamespaceConfig(schedulerEnvSchema.parse({})),
    ),
    jobConfig: {
      image: "sumo:test",
      ttlSecondsAfterFinished: 60,
      activeDeadlineSeconds: 600,
      workStorage: "1Gi",
    },
  });
  await scheduler.start();
});
afterAll(async () => {
  await scheduler.stop();
  await boss.stop({ graceful: false, close: true });
  await database.close();
  await testDatabase.drop();
});

const attempts = (outcome: string) =>
  metricValue(metricsRegistry, "sumo_scheduler_scheduling_attempts_total", { outcome });
const durations = (outcome: string) =>
  metricValue(metricsRegistry, "sumo_scheduler_scheduling_duration_seconds_count", { outcome });

it("counts each delivery's outcome and times it", async () => {
  const tenant = await createTenant(database.db, makeTenant());
  const scenario = await createScenario(database.db, makeScenario({ tenantId: tenant.id }));
  const job = (status: "PENDING" | "SUCCEEDED") =>
    insertJob(
      database.db,
      makeJob({
        tenantId: tenant.id,
        status,
        scenarioId: scenario.id,
        scenarioSha256: scenario.bundleSha256,
        scenarioConfig: scenario.config,
      }),
    );
  const ended = await job("SUCCEEDED");
  const waiting = await job("PENDING");
  const outOfRetries = await job("PENDING");

  await boss.send(JOB_SUBMITTED_QUEUE, { jobId: randomUUID(), tenantId: tenant.id });
  await boss.send(JOB_SUBMITTED_QUEUE, { jobId: ended.id, tenantId: tenant.id });
  await boss.send(JOB_SUBMITTED_QUEUE, { jobId: waiting.id, tenantId: tenant.id });
  await boss.send(JOB_SUBMITTED_DEAD_LETTER_QUEUE, {
    jobId: outOfRetries.id,
    tenantId: tenant.id,
  });

  await vi.waitFor(
    async () => {
      expect(await attempts("skipped"), "no such job, and a job already ended").toBe(2);
      expect(await attempts("retried"), "Kubernetes down").toBeGreaterThanOrEqual(1);
      expect(await attempts("dead-lettered")).toBe(1);
    },
    { timeout: 20_000, interval: 50 },
  );
  expect(await attempts("created")).toBe(0);
  expect(await attempts("failed")).toBe(0);
  expect(await durations("skipped")).toBe(2);
  expect(await durations("dead-lettered")).toBe(1);

  const rows = await database.db
    .select({ id: jobs.id, status: jobs.status })
    .from(jobs)
    .where(inArray(jobs.id, [waiting.id, outOfRetries.id]));
  expect(Object.fromEntries(rows.map((row) => [row.id, row.status]))).toEqual({
    [waiting.id]: "PENDING",
    [outOfRetries.id]: "FAILED",
  });
});
