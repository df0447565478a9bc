// Boots the scheduler: parse env, serve metrics and probes, connect to PostgreSQL and
// Kubernetes, work the queue; on SIGTERM finish the submissions in hand and exit.
import { BatchV1Api, CoreV1Api, KubernetesObjectApi } from "@kubernetes/client-node";
import { migrate } from "@sumo/db/migrate";
import { createQueueClient } from "@sumo/db/queue-client";
import { QUEUE_DEFINITIONS } from "@sumo/db/queues";
import { databaseReachability, openServiceDatabase } from "@sumo/db/service-database";
import { kubeConfigFromEnv } from "@sumo/kubernetes";
import { createMetricsRegistry, MetricsServer } from "@sumo/metrics";
import { pino } from "pino";
import { ensureActiveTenantNamespaces } from "./ensure-active-tenant-namespaces.ts";
import { schedulerEnvSchema } from "./env.ts";
import { JobScheduler } from "./job-scheduler.ts";
import { registerQueueMetrics } from "./queue-metrics.ts";
import { RetentionSweep } from "./retention-sweep.ts";
import { TenantNamespaces, tenantNamespaceConfig } from "./tenant-namespace.ts";
import { TenantQueue } from "./tenant-queue.ts";

const env = schedulerEnvSchema.parse(process.env);
const logger = pino({ level: env.LOG_LEVEL, base: { service: "scheduler" } });

const database = await openServiceDatabase({
  databaseUrl: env.DATABASE_URL,
  maxConnections: env.DATABASE_POOL_SIZE,
  acquireTimeoutMs: env.DATABASE_ACQUIRE_TIMEOUT_MS,
  statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
  applicationName: "sumo-scheduler",
});

let stopping = false;
const metricsRegistry = createMetricsRegistry({ service: "scheduler" });
registerQueueMetrics(metricsRegistry, {
  db: database.db,
  queues: QUEUE_DEFINITIONS.map((queue) => queue.name),
  logger,
});
const databaseReachable = databaseReachability(database.db);
// Up before migrating and connecting, so the probes answer while the rest boots.
const metricsServer = new MetricsServer({
  registry: metricsRegistry,
  host: env.METRICS_HOST,
  port: env.METRICS_PORT,
  logger,
  probes: {
    isReady: async () => !stopping && (await databaseReachable()),
  },
});
await metricsServer.start();

if (env.MIGRATE_ON_START) await migrate(database.url);

const kubeConfig = kubeConfigFromEnv(env);

// Maintenance (expiring, retrying, archiving) runs in the scheduler; the api only sends.
const boss = await createQueueClient(database.url, {
  role: "worker",
  instanceName: "scheduler",
  // A connection per fetch and per batch settled, not per submission in flight.
  maxConnections: Math.max(4, Math.ceil(env.WORKER_CONCURRENCY / 4)),
  onError: (err) => logger.error({ err }, "pg-boss error"),
});
boss.on("warning", (warning) => logger.warn({ warning }, "pg-boss warning"));

const namespaces = new TenantNamespaces(
  KubernetesObjectApi.makeApiClient(kubeConfig),
  tenantNamespaceConfig(env),
);
const scheduler = new JobScheduler({
  db: database.db,
  boss,
  logger,
  metricsRegistry,
  concurrency: env.WORKER_CONCURRENCY,
  batch: kubeConfig.makeApiClient(BatchV1Api),
  core: kubeConfig.makeApiClient(CoreV1Api),
  namespaces,
  jobConfig: {
    image: env.SIMULATION_IMAGE,
    ttlSecondsAfterFinished: env.JOB_TTL_SECONDS_AFTER_FINISHED,
    activeDeadlineSeconds: env.JOB_ACTIVE_DEADLINE_SECONDS,
    workStorage: env.SIMULATION_WORK_STORAGE,
  },
});
await scheduler.start();
const tenantQueue = new TenantQueue({
  db: database.db,
  boss,
  logger,
  databaseUrl: database.url,
  sweepIntervalMs: env.QUEUE_SWEEP_SECONDS * 1000,
});
await tenantQueue.start();
const retentionSweep = new RetentionSweep({
  db: database.db,
  boss,
  logger,
  metricsRegistry,
  jobRetentionMs: env.JOB_RETENTION_DAYS * 24 * 3_600_000,
  batchSize: env.RETENTION_BATCH_SIZE,
  intervalMs: env.RETENTION_SWEEP_SECONDS * 1000,
});
await retentionSweep.start();
// In the background: submissions need not wait for every active tenant's namespace.
void ensureActiveTenantNamespaces({ db: database.db, namespaces, logger }).then(
  (outcome) => logger.info(outcome, "active tenants' namespaces applied"),
  (err: unknown) => logger.warn({ err }, "applying active tenants' namespaces failed"),
);
logger.info(
  { concurrency: env.WORKER_CONCURRENCY, image: env.SIMULATION_IMAGE },
  "scheduler started",
);

async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
  // A step that hangs (say, the database gone mid-close) must not keep the process alive.
  setTimeout(() => process.exit(1), 40_000).unref();
  await tenantQueue.stop();
  await retentionSweep.stop();
  await scheduler.stop();
  await boss.stop({ graceful: true, close: true, timeout: 20_000 });
  await database.close();
  await metricsServer.stop();
  logger.info("stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
