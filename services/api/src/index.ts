// Boots the tenant API: parse env, connect, migrate, listen (tenants on PORT, Prometheus on
// METRICS_PORT); drain and close on SIGTERM.

import { fileURLToPath } from "node:url";
import { migrate } from "@sumo/db/migrate";
import { createQueueClient } from "@sumo/db/queue-client";
import { openServiceDatabase } from "@sumo/db/service-database";
import { type ConsoleAssets, readConsoleAssets, serveUntilSignal } from "@sumo/http";
import { kubeConfigFromEnv } from "@sumo/kubernetes";
import { createMetricsRegistry, MetricsServer } from "@sumo/metrics";
import { DEFAULT_BUNDLE_LIMITS } from "@sumo/scenario";
import { pino } from "pino";
import { ApiKeyCache } from "./api-key-cache.ts";
import { createApp } from "./app.ts";
import { apiEnvSchema } from "./env.ts";
import { KubernetesView } from "./kubernetes-view.ts";

const env = apiEnvSchema.parse(process.env);
const logger = pino({ level: env.LOG_LEVEL, base: { service: "api" } });

const database = await openServiceDatabase({
  databaseUrl: env.DATABASE_URL,
  maxConnections: env.DATABASE_POOL_SIZE,
  acquireTimeoutMs: env.DATABASE_ACQUIRE_TIMEOUT_MS,
  statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
  applicationName: "sumo-api",
  // A submission's transaction sends its statements in two groups (see submitJobs).
  pipeline: true,
});
if (env.MIGRATE_ON_START) await migrate(database.url);
// The api only sends, inside its own transactions: no workers, maintenance or schedules here.
const boss = await createQueueClient(database.url, {
  role: "sender",
  instanceName: "api",
  onError: (err) => logger.error({ err }, "pg-boss error"),
});

// Kubernetes only adds live logs and quotas: without it the api still serves from the database.
let kubernetes: KubernetesView | undefined;
try {
  kubernetes = new KubernetesView(kubeConfigFromEnv(env));
} catch (error) {
  logger.warn({ err: error }, "no Kubernetes configuration: logs from the database only");
}

// Verified API keys are remembered, and forgotten the moment a change to them is announced.
const apiKeyCache = new ApiKeyCache({ databaseUrl: database.url, logger });
await apiKeyCache.start();

// The tenant console's files, read once; the api serves its API without them. By default where
// packages/console's build writes them in the repository's layout (which the image keeps): not
// a package dependency, since the console depends, through the typed client, on this api.
const consoleDir =
  env.CONSOLE_DIR ??
  fileURLToPath(new URL("../../../packages/console/dist/tenant/", import.meta.url));
const consoleAssets: ConsoleAssets | undefined = await readConsoleAssets(consoleDir).catch(
  (error: unknown) => {
    logger.warn({ err: error, consoleDir }, "no built console: /console/ answers 503");
    return undefined;
  },
);

const metricsRegistry = createMetricsRegistry({ service: "api" });
const metricsServer = new MetricsServer({
  registry: metricsRegistry,
  host: env.METRICS_HOST,
  port: env.METRICS_PORT,
  logger,
});
await metricsServer.start();

let shuttingDown = false;
const app = createApp({
  db: database.db,
  boss,
  logger,
  metricsRegistry,
  ...(kubernetes && { kubernetes }),
  bodyLimitBytes: env.BODY_LIMIT_BYTES,
  scenarioLimits: {
    maxBundleBytes: env.SCENARIO_MAX_BUNDLE_BYTES,
    maxFiles: env.SCENARIO_MAX_FILES,
    maxUncompressedBytes: env.SCENARIO_MAX_UNCOMPRESSED_BYTES,
    maxConfigBytes: DEFAULT_BUNDLE_LIMITS.maxConfigBytes,
  },
  concurrentUploads: env.SCENARIO_CONCURRENT_UPLOADS,
  progressIntervalMs: env.PROGRESS_REFRESH_SECONDS * 1000,
  logFollowLimits: {
    maxPerTenant: env.LOG_FOLLOW_MAX_PER_TENANT,
    maxPerReplica: env.LOG_FOLLOW_MAX_PER_REPLICA,
  },
  maxLogFollowMs: env.LOG_FOLLOW_MAX_SECONDS * 1000,
  apiKeyCache,
  idempotencyKeyTtlMs: env.IDEMPOTENCY_KEY_TTL_HOURS * 3_600_000,
  submitOptions: {
    maxBatchSize: env.SUBMIT_MAX_BATCH_SIZE,
    maxConcurrentBatches: env.SUBMIT_CONCURRENT_BATCHES,
  },
  isShuttingDown: () => shuttingDown,
  ...(consoleAssets && { console: consoleAssets }),
});
serveUntilSignal({
  name: "api",
  app,
  host: env.HOST,
  port: env.PORT,
  logger,
  shutdownGraceSeconds: env.SHUTDOWN_GRACE_SECONDS,
  onShuttingDown: () => {
    shuttingDown = true;
  },
  async close() {
    await boss.stop({ graceful: false, close: true });
    await apiKeyCache.stop();
    await database.close();
    await metricsServer.stop();
  },
});
