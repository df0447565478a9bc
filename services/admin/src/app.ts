import type { Database } from "@sumo/db/client";
import { databaseReachability } from "@sumo/db/service-database";
import {
  CONSOLE_PATH,
  type ConsoleAssets,
  consoleRoutes,
  createHttpApp,
  healthRoutes,
  mountOpenApiDocs,
} from "@sumo/http";
import type { PgBoss } from "pg-boss";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { type AdminAuthThrottle, adminAuth } from "./admin-auth.ts";
import type { ClusterView } from "./cluster-view.ts";
import { jobsRoutes } from "./routes/jobs.ts";
import { nodesRoutes } from "./routes/nodes.ts";
import { platformMetricsRoutes } from "./routes/platform-metrics.ts";
import { sweepsRoutes } from "./routes/sweeps.ts";
import { tenantsRoutes } from "./routes/tenants.ts";

export interface AdminDeps {
  db: Database;
  boss: PgBoss;
  logger: Logger;
  adminToken: string;
  metricsRegistry: Registry;
  /** Nodes and cluster counts; without it those routes answer 503 / null. */
  cluster?: ClusterView;
  bodyLimitBytes?: number;
  /** How wrong admin tokens are throttled (DEFAULT_ADMIN_AUTH_THROTTLE when not given). */
  authThrottle?: AdminAuthThrottle;
  isShuttingDown?: () => boolean;
  /** The built admin console, served at /console/; without it /console/ answers 503. */
  console?: ConsoleAssets;
}

/** The admin API as a hono app: no environment, no globals; tests call it in process. */
export function createApp(deps: AdminDeps) {
  const app = createHttpApp({
    logger: deps.logger,
    bodyLimitBytes: deps.bodyLimitBytes ?? 64 * 1024,
    metricsRegistry: deps.metricsRegistry,
  });
  const databaseReachable = databaseReachability(deps.db);
  app.route(
    "/",
    healthRoutes({
      isReady: async () => !deps.isShuttingDown?.() && (await databaseReachable()),
    }),
  );
  mountOpenApiDocs(app, {
    title: "sumo-k8 admin API",
    version: "1.0.0",
    description:
      "Tenants, limits and API keys; nodes, all jobs and a platform snapshot. Authenticate with `Authorization: Bearer <admin token>`; tenant API keys are refused.",
    securityScheme: "adminToken",
    tags: [
      { name: "Tenants", description: "Tenants, their limits, API keys and queues." },
      { name: "Jobs", description: "Every tenant's jobs." },
      { name: "Sweeps", description: "Every tenant's sweeps." },
      { name: "Nodes", description: "The cluster's nodes and their load." },
      { name: "Metrics", description: "A snapshot of the whole platform." },
    ],
  });
  // The admin console calls this API from the same origin, with the admin token; the page
  // itself is public (it holds no data), like /docs.
  app.route(CONSOLE_PATH, consoleRoutes(deps.console));
  app.use(
    "/admin/*",
    adminAuth({
      adminToken: deps.adminToken,
      logger: deps.logger,
      metricsRegistry: deps.metricsRegistry,
      ...(deps.authThrottle && { throttle: deps.authThrottle }),
    }),
  );
  app.route("/", tenantsRoutes(deps));
  app.route("/", jobsRoutes(deps));
  app.route("/", sweepsRoutes(deps));
  app.route("/", nodesRoutes({ cluster: deps.cluster, logger: deps.logger }));
  app.route(
    "/",
    platformMetricsRoutes({ db: deps.db, cluster: deps.cluster, logger: deps.logger }),
  );
  return app;
}
