// Boots the reconciler: parse env, serve metrics and probes, connect, and sync Kubernetes ->
// PostgreSQL while this replica holds the leader lock (other replicas wait as hot standbys).
import { BatchV1Api, CoreV1Api } from "@kubernetes/client-node";
import { migrate } from "@sumo/db/migrate";
import { databaseReachability, openServiceDatabase } from "@sumo/db/service-database";
import { kubeConfigFromEnv } from "@sumo/kubernetes";
import { createMetricsRegistry, MetricsServer } from "@sumo/metrics";
import { pino } from "pino";
import { reconcilerEnvSchema } from "./env.ts";
import { JobReconciler } from "./job-reconciler.ts";
import { PostgresLeaderElection } from "./leader-election.ts";
import { platformInformers } from "./platform-watches.ts";

/** Shared by all reconciler replicas: whoever holds it reconciles. */
const RECONCILER_LEADER_LOCK = 7_240_114;

const env = reconcilerEnvSchema.parse(process.env);
const logger = pino({ level: env.LOG_LEVEL, base: { service: "reconciler" } });

const database = await openServiceDatabase({
  databaseUrl: env.DATABASE_URL,
  maxConnections: env.DATABASE_POOL_SIZE,
  acquireTimeoutMs: env.DATABASE_ACQUIRE_TIMEOUT_MS,
  statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
  applicationName: "sumo-reconciler",
});

let stopping = false;
const metricsRegistry = createMetricsRegistry({ service: "reconciler" });
const databaseReachable = databaseReachability(database.db);
// Up before migrating and connecting, so the probes answer while the rest boots. A standby is
// as ready as the leader: it is what takes over.
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
const batch = kubeConfig.makeApiClient(BatchV1Api);
const core = kubeConfig.makeApiClient(CoreV1Api);

let reconciler: JobReconciler | undefined;
const election = new PostgresLeaderElection({
  databaseUrl: database.url,
  lockId: RECONCILER_LEADER_LOCK,
  logger,
  metricsRegistry,
  async onStartedLeading() {
    reconciler = new JobReconciler({
      db: database.db,
      batch,
      core,
      informers: platformInformers(kubeConfig, { batch, core }),
      logger,
      resyncIntervalMs: env.RESYNC_INTERVAL_SECONDS * 1000,
      logTailLines: env.LOG_TAIL_LINES,
      logTailBytes: env.LOG_TAIL_BYTES,
      logLineMaxBytes: env.LOG_LINE_MAX_BYTES,
      vanishedGraceMs: env.VANISHED_GRACE_SECONDS * 1000,
      concurrency: env.SYNC_CONCURRENCY,
      metricsRegistry,
    });
    await reconciler.start();
  },
  async onStoppedLeading() {
    await reconciler?.stop();
    reconciler = undefined;
  },
});
election.start();
logger.info("reconciler started; waiting for the leader lock");

async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
  // A step that hangs (say, the database gone mid-close) must not keep the process alive.
  setTimeout(() => process.exit(1), 30_000).unref();
  await election.stop();
  await database.close();
  await metricsServer.stop();
  logger.info("stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
