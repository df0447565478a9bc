import { BatchV1Api, CoreV1Api } from "@kubernetes/client-node";
import { createDatabaseClient, type DatabaseClient } from "@sumo/db/client";
import { createTestDatabase, type TestDatabase } from "@sumo/db/testing";
import { unreachableCluster } from "@sumo/kubernetes/testing";
import { metricValue } from "@sumo/metrics/testing";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, expect, inject, it, vi } from "vitest";
import { JobReconciler } from "./job-reconciler.ts";
import { platformInformers } from "./platform-watches.ts";

// The JobReconciler while the apiserver is down (nothing listens on its port). Sync lag needs
// a cluster whose pods change: the end-to-end suite drives that.
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

/** A JobReconciler on this file's database, whose apiserver nothing answers for. */
function reconcilerOfUnreachableCluster(metricsRegistry: Registry): JobReconciler {
  const kubeConfig = unreachableCluster();
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return new JobReconciler({
    db: database.db,
    batch,
    core,
    informers: platformInformers(kubeConfig, { batch, core }),
    logger: pino({ level: "silent" }),
    resyncIntervalMs: 60_000,
    logTailLines: 10,
    logTailBytes: 1024 * 1024,
    logLineMaxBytes: 16 * 1024,
    vanishedGraceMs: 30_000,
    concurrency: 1,
    metricsRegistry,
    watchRestartDelayMs: 20,
  });
}

it("times failed resyncs and restarts watches that failed", async () => {
  const metricsRegistry = new Registry();
  const reconciler = reconcilerOfUnreachableCluster(metricsRegistry);
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

it("leads again with a new reconciler on the same metrics, whose held structures the gauge then shows", async () => {
  // A replica that loses its lead and wins it back makes a new JobReconciler: every metric it
  // registers must survive a second one on the same registry.
  const metricsRegistry = new Registry();
  const lead = () => reconcilerOfUnreachableCluster(metricsRegistry);
  const held = async () =>
    (await metricsRegistry.getSingleMetric("sumo_reconciler_held")?.get())?.values.map(
      (v) => v.labels.structure,
    ) ?? [];
  const first = lead();
  await first.start();
  expect(await held()).toContain("converged");
  await first.stop();
  expect(await held()).toEqual([]);
  const second = lead();
  await second.start();
  expect(await held()).toContain("converged");
  await second.stop();
});
