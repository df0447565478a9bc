// Boots the reconciler: parse env, connect, and sync Kubernetes -> PostgreSQL while this
// replica holds the leader lock (other replicas wait as hot standbys).
import { createDatabaseClient } from "@sumo/db/client";
import { startEmbeddedPostgres } from "@sumo/db/embedded";
import { migrate } from "@sumo/db/migrate";
import { loadKubeConfig } from "@sumo/kubernetes";
import { pino } from "pino";
import { reconcilerEnvSchema } from "./env.ts";
import { PostgresLeaderElection } from "./leader-election.ts";
import { StatusReconciler } from "./status-reconciler.ts";

/** Shared by all reconciler replicas: whoever holds it reconciles. */
const RECONCILER_LEADER_LOCK = 7_240_114;

const env = reconcilerEnvSchema.parse(process.env);
const logger = pino({ level: env.LOG_LEVEL, base: { service: "reconciler" } });

const embedded = env.DATABASE_URL ? undefined : await startEmbeddedPostgres();
const databaseUrl = env.DATABASE_URL ?? embedded?.url ?? "";
if (env.MIGRATE_ON_START) await migrate(databaseUrl);
const database = createDatabaseClient(databaseUrl, {
  maxConnections: env.DATABASE_POOL_SIZE,
  applicationName: "sumo-reconciler",
});
const kubeConfig = loadKubeConfig({
  kubeconfigPath: env.KUBECONFIG,
  inCluster: env.KUBERNETES_SERVICE_HOST !== undefined,
});

let reconciler: StatusReconciler | undefined;
const election = new PostgresLeaderElection({
  databaseUrl,
  lockId: RECONCILER_LEADER_LOCK,
  logger,
  async onStartedLeading() {
    reconciler = new StatusReconciler({
      db: database.db,
      kubeConfig,
      logger,
      resyncIntervalMs: env.RESYNC_INTERVAL_SECONDS * 1000,
      logTailLines: env.LOG_TAIL_LINES,
      vanishedGraceMs: env.VANISHED_GRACE_SECONDS * 1000,
      concurrency: env.SYNC_CONCURRENCY,
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

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
  await election.stop();
  await database.close();
  await embedded?.stop();
  logger.info("stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
