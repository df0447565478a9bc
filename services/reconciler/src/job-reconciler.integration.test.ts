import { BatchV1Api, CoreV1Api } from "@kubernetes/client-node";
import { createDatabaseClient, type DatabaseClient } from "@sumo/db/client";
import { createTenant, insertJob } from "@sumo/db/queries";
import { jobLogs, jobs } from "@sumo/db/schema";
import { createTestDatabase, makeJob, makeTenant, type TestDatabase } from "@sumo/db/testing";
import {
  makeKubernetesJob,
  makePod,
  runningContainer,
  terminatedContainer,
  unreachableCluster,
} from "@sumo/kubernetes/testing";
import { metricValue } from "@sumo/metrics/testing";
import { makeRunSummary, succeededRunMessage } from "@sumo/scenario/testing";
import { and, eq, inArray, sql } from "drizzle-orm";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { FakeCluster } from "./fake-cluster.ts";
import { JobReconciler, type JobReconcilerDeps } from "./job-reconciler.ts";
import { platformInformers } from "./platform-watches.ts";

// The JobReconciler on a real database: while the apiserver is down (nothing listens on its
// port), and against Kubernetes in memory (fake-cluster.ts) for what it keeps of ended jobs.
// Sync lag needs a cluster whose pods change: the end-to-end suite drives that.
let testDatabase: TestDatabase;
let database: DatabaseClient;
beforeAll(async () => {
  testDatabase = await createTestDatabase(inject("templateDatabaseUrl"));
  database = createDatabaseClient(testDatabase.url, { maxConnections: 2 });
});
afterAll(async () => {
  await database.close();
  await testDatabase.drop();
});

it("times failed resyncs and restarts watches that failed", async () => {
  const metricsRegistry = new Registry();
  const kubeConfig = unreachableCluster();
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const reconciler = new JobReconciler({
    db: database.db,
    batch,
    core,
    informers: platformInformers(kubeConfig, { batch, core }),
    logger: pino({ level: "silent" }),
    resyncIntervalMs: 60_000,
    logTailLines: 10,
    logTailBytes: 64 * 1024,
    logLineMaxBytes: 1024,
    vanishedGraceMs: 30_000,
    concurrency: 1,
    metricsRegistry,
    watchRestartDelayMs: 20,
  });
  const restarts = (reason: string) =>
    metricValue(metricsRegistry, "sumo_reconciler_informer_restarts_total", { reason });
  expect(await restarts("watch-error")).toBe(0);
  expect(await restarts("stalled")).toBe(0);

  await reconciler.start();
  const resyncs = "sumo_reconciler_resync_duration_seconds_count";
  expect(await metricValue(metricsRegistry, resyncs, { outcome: "failed" })).toBe(1);
  expect(await metricValue(metricsRegistry, resyncs, { outcome: "ok" })).toBe(0);
  // Both watches fail at once and are restarted, fail again, and so on.
  await vi.waitFor(async () => expect(await restarts("watch-error")).toBeGreaterThanOrEqual(4), {
    timeout: 10_000,
    interval: 20,
  });
  await reconciler.stop();
});

const MiB = 1024 * 1024;
/** The namespace of the Kubernetes test builders' objects. */
const NAMESPACE = "sumo-tenant-test";

function reconcilerOn(cluster: FakeCluster, overrides: Partial<JobReconcilerDeps> = {}) {
  return new JobReconciler({
    db: database.db,
    ...cluster.api,
    informers: cluster.informers,
    logger: pino({ level: "silent" }),
    resyncIntervalMs: 60_000,
    logTailLines: 500,
    logTailBytes: MiB,
    logLineMaxBytes: 16 * 1024,
    vanishedGraceMs: 30_000,
    concurrency: 4,
    metricsRegistry: new Registry(),
    ...overrides,
  });
}

/** A RUNNING job in the database, scheduled into NAMESPACE. */
async function runningJob(tenantId: string) {
  return insertJob(
    database.db,
    makeJob({
      tenantId,
      status: "RUNNING",
      namespace: NAMESPACE,
      scheduledAt: new Date(),
      startedAt: new Date(),
    }),
  );
}

/** The job's Kubernetes Job, Complete, and its pod, ended with the runner's report. */
function endedInKubernetes(cluster: FakeCluster, jobId: string, log: string) {
  const started = new Date(Date.now() - 2000);
  cluster.putJob(makeKubernetesJob(jobId, { conditions: [{ type: "Complete" }] }));
  cluster.putPod(
    makePod(jobId, "Succeeded", {
      container: terminatedContainer(
        0,
        "Completed",
        started,
        new Date(),
        succeededRunMessage(makeRunSummary()),
      ),
    }),
    log,
  );
}

describe("an ended job's kept log", () => {
  it("is capped in bytes: a pod that printed one 5 MiB line has a cut piece of it kept", async () => {
    const tenant = await createTenant(database.db, makeTenant());
    const job = await runningJob(tenant.id);
    const cluster = new FakeCluster();
    const huge = "x".repeat(5 * MiB);
    endedInKubernetes(cluster, job.id, `Loading net-file ... done.\n${huge}\nSimulation ended.\n`);
    const reconciler = reconcilerOn(cluster);
    await reconciler.start();
    try {
      const kept = await vi.waitFor(
        async () => {
          const [row] = await database.db
            .select({
              content: jobLogs.content,
              lineCount: jobLogs.lineCount,
              bytes: sql<number>`octet_length(${jobLogs.content})`,
            })
            .from(jobLogs)
            .where(eq(jobLogs.jobId, job.id));
          if (!row) throw new Error("no kept log yet");
          return row;
        },
        { timeout: 10_000, interval: 20 },
      );
      const [stored] = await database.db.select().from(jobs).where(eq(jobs.id, job.id));
      expect(stored?.status).toBe("SUCCEEDED");
      expect(kept.bytes).toBeLessThanOrEqual(MiB);
      const lines = kept.content.split("\n");
      expect(lines).toHaveLength(4);
      expect(kept.lineCount).toBe(4);
      expect(lines[0]).toBe("Loading net-file ... done.");
      expect(lines[1]).toMatch(/^x+ \[\.\.\. 5242880 bytes long, cut\]$/);
      expect(Buffer.byteLength(lines[1] ?? "")).toBeLessThanOrEqual(16 * 1024);
      expect(lines[2]).toBe("Simulation ended.");
      expect(lines[3]).toMatch(/^\[sumo-k8\] log truncated: kept \d+ of its last \d+ bytes/);
    } finally {
      await reconciler.stop();
    }
  });
});

describe("what the reconciler holds in memory", () => {
  const NOTHING = {
    converged: 0,
    deletedJobs: 0,
    cachedJobs: 0,
    cachedPods: 0,
    waiting: 0,
    running: 0,
    failing: 0,
  };
  const JOBS = 40;

  /** JOBS running jobs that then all end, each with its log kept, under a started reconciler. */
  async function endedJobs(cluster: FakeCluster) {
    const tenant = await createTenant(database.db, makeTenant());
    const ids: string[] = [];
    for (let i = 0; i < JOBS; i++) {
      const job = await runningJob(tenant.id);
      cluster.putJob(makeKubernetesJob(job.id));
      cluster.putPod(makePod(job.id, "Running", { container: runningContainer(new Date()) }));
      ids.push(job.id);
    }
    const reconciler = reconcilerOn(cluster);
    await reconciler.start();
    for (const id of ids) endedInKubernetes(cluster, id, "Simulation ended.\n");
    await vi.waitFor(
      async () => {
        const done = await database.db
          .select({ id: jobs.id })
          .from(jobs)
          .innerJoin(jobLogs, eq(jobLogs.jobId, jobs.id))
          .where(and(inArray(jobs.id, ids), eq(jobs.status, "SUCCEEDED")));
        expect(done).toHaveLength(JOBS);
      },
      { timeout: 15_000, interval: 50 },
    );
    // While Kubernetes keeps their objects, the reconciler keeps what it converged them with.
    await vi.waitFor(() => expect(reconciler.heldJobs()).toMatchObject({ converged: JOBS }));
    return { ids, reconciler };
  }

  it("drops every job once it has ended and Kubernetes deleted its objects", async () => {
    const cluster = new FakeCluster();
    const { ids, reconciler } = await endedJobs(cluster);
    try {
      for (const id of ids) cluster.deleteJobObjects(id);
      await vi.waitFor(() => expect(reconciler.heldJobs()).toEqual(NOTHING), {
        timeout: 10_000,
        interval: 20,
      });
    } finally {
      await reconciler.stop();
    }
  });

  it("drops jobs whose deletion its watches missed, at the next resyncs", async () => {
    const cluster = new FakeCluster();
    const { ids, reconciler } = await endedJobs(cluster);
    try {
      for (const id of ids) cluster.deleteJobObjects(id, { unseen: true });
      await reconciler.resync();
      expect(reconciler.heldJobs()).toMatchObject({ converged: 0 });
      // Still held by the caches at a second resync: the watches restart with new ones.
      await reconciler.resync();
      await vi.waitFor(() => expect(reconciler.heldJobs()).toEqual(NOTHING), {
        timeout: 10_000,
        interval: 20,
      });
    } finally {
      await reconciler.stop();
    }
  });
});
