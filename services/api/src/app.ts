import { type Database, isDatabaseUnavailable } from "@sumo/db/client";
import { cancelJob } from "@sumo/db/job-cancellation";
import { DEFAULT_IDEMPOTENCY_KEY_TTL_HOURS } from "@sumo/db/schema";
import { databaseReachability } from "@sumo/db/service-database";
import {
  ApiError,
  CONSOLE_PATH,
  type ConsoleAssets,
  consoleRoutes,
  createHttpApp,
  healthRoutes,
  mountOpenApiDocs,
} from "@sumo/http";
import { type BundleLimits, DEFAULT_BUNDLE_LIMITS } from "@sumo/scenario";
import type { PgBoss } from "pg-boss";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { ApiKeyCache } from "./api-key-cache.ts";
import { GroupCommit, GroupCommitFull, type GroupCommitOptions } from "./group-commit.ts";
import { JobProgress } from "./job-progress.ts";
import type { KubernetesView } from "./kubernetes-view.ts";
import { type LogFollowLimits, LogFollows } from "./log-follows.ts";
import { dashboardRoutes } from "./routes/dashboard.ts";
import { jobLogsRoutes } from "./routes/job-logs.ts";
import { jobsRoutes } from "./routes/jobs.ts";
import { bundleTooLarge, scenariosRoutes, UPLOAD_FORM_OVERHEAD_BYTES } from "./routes/scenarios.ts";
import { sweepsRoutes } from "./routes/sweeps.ts";
import { submissionMetrics } from "./submission-metrics.ts";
import { type NewSubmission, submitJobs } from "./submit-jobs.ts";
import { type TenantVariables, tenantAuth } from "./tenant-auth.ts";

export interface ApiDeps {
  db: Database;
  boss: PgBoss;
  logger: Logger;
  /**
   * Where request counts and latencies are recorded. Served by the api's MetricsServer on
   * METRICS_PORT: this app, on the tenant port, has no /metrics.
   */
  metricsRegistry: Registry;
  /** Live pod logs and quotas; without it logs come from the database only. */
  kubernetes?: KubernetesView;
  bodyLimitBytes?: number;
  /** What a scenario bundle may be (@sumo/scenario's DEFAULT_BUNDLE_LIMITS when not given). */
  scenarioLimits?: BundleLimits;
  /** Uploads validated at once (each holds its bundle's files in memory meanwhile). */
  concurrentUploads?: number;
  /** How old a RUNNING job's progress may get before reading the job refreshes it. */
  progressIntervalMs?: number;
  /** Remembers verified API keys; without it every request looks its key up. */
  apiKeyCache?: ApiKeyCache;
  /**
   * How long an Idempotency-Key replays the submission it came with; past it the key starts
   * afresh (DEFAULT_IDEMPOTENCY_KEY_TTL_HOURS when not given).
   */
  idempotencyKeyTtlMs?: number;
  /** How submissions that arrive together share a transaction (group-commit.ts). */
  submitOptions?: Partial<
    Pick<GroupCommitOptions, "maxBatchSize" | "maxConcurrentBatches" | "maxWaiting">
  >;
  /** Log follows held at once per tenant and per replica (LogFollowLimits). */
  logFollowLimits?: LogFollowLimits;
  /** Longest a log follow streams. */
  maxLogFollowMs?: number;
  /** True once SIGTERM arrived: readiness turns 503 so load balancers drain this replica. */
  isShuttingDown?: () => boolean;
  /** The built tenant console, served at /console/; without it /console/ answers 503. */
  console?: ConsoleAssets;
}

/** The tenant API as a hono app: no environment, no globals; tests call it in process. */
export function createApp(deps: ApiDeps) {
  const scenarioLimits = deps.scenarioLimits ?? DEFAULT_BUNDLE_LIMITS;
  const app = createHttpApp<TenantVariables>({
    logger: deps.logger,
    metricsRegistry: deps.metricsRegistry,
    bodyLimitBytes: deps.bodyLimitBytes ?? 256 * 1024,
    uploadRoutes: [
      {
        method: "POST",
        path: "/v1/scenarios",
        maxBodyBytes: scenarioLimits.maxBundleBytes + UPLOAD_FORM_OVERHEAD_BYTES,
        tooLarge: () => bundleTooLarge(scenarioLimits),
      },
    ],
  });
  const databaseReachable = databaseReachability(deps.db);
  app.route(
    "/",
    healthRoutes({
      isReady: async () => !deps.isShuttingDown?.() && (await databaseReachable()),
    }),
  );
  // The tenant console calls this API from the same origin, with the tenant's key.
  app.route(CONSOLE_PATH, consoleRoutes(deps.console));
  mountOpenApiDocs(app, {
    title: "sumo-k8 tenant API",
    version: "1.0.0",
    description:
      "Submit SUMO traffic simulations as Kubernetes Jobs and follow them. Authenticate with `Authorization: Bearer <api key>`.",
    tags: [
      { name: "Jobs", description: "Submit, read, list, cancel and rerun jobs; read their logs." },
      { name: "Sweeps", description: "One scenario run over a grid of parameter values." },
      { name: "Scenarios", description: "Bundles of SUMO input files that jobs run." },
      { name: "Dashboard", description: "Limits, usage and recent jobs at a glance." },
    ],
  });
  app.use("/v1/*", tenantAuth(deps));
  const metrics = submissionMetrics(deps.metricsRegistry);
  // Submissions that arrive together are written in one transaction, each decided on its own.
  const idempotencyKeyTtlMs =
    deps.idempotencyKeyTtlMs ?? DEFAULT_IDEMPOTENCY_KEY_TTL_HOURS * 3_600_000;
  const submitBatch = (batch: NewSubmission[]) =>
    submitJobs({ ...deps, idempotencyKeyTtlMs }, batch);
  const submissions = new GroupCommit(submitBatch, {
    maxBatchSize: deps.submitOptions?.maxBatchSize ?? 100,
    maxConcurrentBatches: deps.submitOptions?.maxConcurrentBatches ?? 4,
    maxWaiting: deps.submitOptions?.maxWaiting ?? 2_000,
    // A database that cannot serve fails the whole batch: one at a time would fail each again.
    splitOn: (error) => !isDatabaseUnavailable(error),
    onBatch: (size) => metrics.recordBatch(size),
    onSplit: (error, size) => {
      metrics.recordSplit();
      deps.logger.warn(
        { err: error, submissions: size },
        "the database refused a batch of submissions: retrying them one at a time",
      );
    },
  });
  const progress = new JobProgress(deps, { intervalMs: deps.progressIntervalMs ?? 10_000 });
  app.route(
    "/",
    jobsRoutes({
      db: deps.db,
      submitJob: (submission) =>
        submissions.submit(submission).catch((error: unknown) => {
          if (error instanceof GroupCommitFull) {
            throw new ApiError(
              "service_unavailable",
              "The api has more submissions waiting to be written than it takes; try again shortly",
              { headers: { "Retry-After": "1" } },
            );
          }
          throw error;
        }),
      refreshProgress: (job) => progress.refresh(job),
      cancelJob: (params) => cancelJob(deps, { ...params, by: "tenant" }),
    }),
  );
  app.route(
    "/",
    scenariosRoutes({
      db: deps.db,
      limits: scenarioLimits,
      concurrentUploads: deps.concurrentUploads ?? 2,
    }),
  );
  app.route("/", sweepsRoutes(deps));
  app.route(
    "/",
    jobLogsRoutes({
      ...deps,
      follows: new LogFollows(
        deps.logFollowLimits ?? { maxPerTenant: 4, maxPerReplica: 1000 },
        deps.metricsRegistry,
      ),
      maxFollowMs: deps.maxLogFollowMs ?? 3_600_000,
    }),
  );
  app.route("/", dashboardRoutes({ ...deps, refreshProgress: (job) => progress.refresh(job) }));
  return app;
}
