// Boots the admin API: parse env, connect, migrate, listen; drain and close on SIGTERM.

import { fileURLToPath } from "node:url";
import { migrate } from "@sumo/db/migrate";
import { createQueueClient } from "@sumo/db/queue-client";
import { openServiceDatabase } from "@sumo/db/service-database";
import { type ConsoleAssets, readConsoleAssets, serveUntilSignal } from "@sumo/http";
import { kubeConfigFromEnv } from "@sumo/kubernetes";
import { createMetricsRegistry, MetricsServer } from "@sumo/metrics";
import { pino } from "pino";
import { createApp } from "./app.ts";
import { ClusterView } from "./cluster-view.ts";
import { adminEnvSchema } from "./env.ts";

const env = adminEnvSchema.parse(process.env);
const logger = pino({ level: env.LOG_LEVEL, base: { service: "admin" } });

const database = await openServiceDatabase({
  databaseUrl: env.DATABASE_URL,
  maxConnections: env.DATABASE_POOL_SIZE,
  acquireTimeoutMs: env.DATABASE_ACQUIRE_TIMEOUT_MS,
  statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
  applicationName: "sumo-admin",
});
if (env.MIGRATE_ON_START) await migrate(database.url);
// The admin only sends (tenant-limits-changed), inside its own transactions.
const boss = await createQueueClient(database.url, {
  role: "sender",
  instanceName: "admin",
  onError: (err) => logger.error({ err }, "pg-boss error"),
});

let cluster: ClusterView | undefined;
try {
  cluster = new ClusterView(kubeConfigFromEnv(env));
} catch (error) {
  logger.warn({ err: error }, "no Kubernetes configuration: nodes and cluster counts unavailable");
}

// The admin console's files, read once; the admin API works without them. By default where
// packages/console's build writes them in the repository's layout (which the image keeps).
const consoleDir =
  env.CONSOLE_DIR ??
  fileURLToPath(new URL("../../../packages/console/dist/admin/", import.meta.url));
const consoleAssets: ConsoleAssets | undefined = await readConsoleAssets(consoleDir).catch(
  (error: unknown) => {
    logger.warn({ err: error, consoleDir }, "no built console: /console/ answers 503");
    return undefined;
  },
);

const metricsRegistry = createMetricsRegistry({ service: "admin" });
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
  adminToken: env.ADMIN_TOKEN,
  metricsRegistry,
  ...(cluster && { cluster }),
  ...(consoleAssets && { console: consoleAssets }),
  bodyLimitBytes: env.BODY_LIMIT_BYTES,
  authThrottle: {
    maxFailures: env.ADMIN_AUTH_MAX_FAILURES,
    windowSeconds: env.ADMIN_AUTH_FAILURE_WINDOW_SECONDS,
    blockSeconds: env.ADMIN_AUTH_BLOCK_SECONDS,
    trustedProxyHops: env.TRUSTED_PROXY_HOPS,
  },
  isShuttingDown: () => shuttingDown,
});
serveUntilSignal({
  name: "admin",
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
    await database.close();
    await metricsServer.stop();
  },
});
