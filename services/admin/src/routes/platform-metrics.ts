import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Database } from "@sumo/db/client";
import { countAllJobsByStatus, platformJobActivity } from "@sumo/db/queries";
import { errorResponses, type HttpEnv } from "@sumo/http";
import {
  activityPeriodSchema,
  activitySchema,
  activityWindow,
  toActivityView,
} from "@sumo/http/activity-view";
import { jobCountsSchema } from "@sumo/http/job-view";
import type { Logger } from "pino";
import { ADMIN_AUTH_ERRORS } from "../admin-auth.ts";
import type { ClusterView } from "../cluster-view.ts";

const platformMetricsSchema = z
  .object({
    snapshot_at: z.iso.datetime(),
    kubernetes: z
      .object({
        nodes: z.number().int(),
        pods_by_phase: z.record(z.string(), z.number().int()),
        active_jobs: z
          .number()
          .int()
          .openapi({ description: "Platform Kubernetes Jobs not yet ended." }),
      })
      .nullable()
      .openapi({ description: "null when Kubernetes did not answer." }),
    database: z.object({
      jobs_by_status: jobCountsSchema,
    }),
  })
  .openapi("PlatformMetrics");

const platformMetricsRoute = createRoute({
  method: "get",
  path: "/admin/metrics",
  operationId: "getPlatformMetrics",
  tags: ["Metrics"],
  summary: "A snapshot of the platform",
  description:
    "Nodes, platform pods by phase and active Kubernetes Jobs, with the database's job counts.",
  security: [{ adminToken: [] }],
  responses: {
    200: {
      description: "The snapshot.",
      content: { "application/json": { schema: platformMetricsSchema } },
    },
    ...errorResponses(...ADMIN_AUTH_ERRORS),
  },
});

const platformActivityRoute = createRoute({
  method: "get",
  path: "/admin/activity",
  operationId: "getPlatformActivity",
  tags: ["Metrics"],
  summary: "Every tenant's jobs over time",
  description:
    "As the tenant API's `GET /v1/activity`, over all tenants: per interval, jobs submitted, started, succeeded, failed and cancelled, run times, and how many ran and waited at the interval's end (a job runs while its pod runs). Read from the jobs' own timestamps, so it covers the whole period without sampling.",
  security: [{ adminToken: [] }],
  request: { query: z.object({ period: activityPeriodSchema.default("6h") }) },
  responses: {
    200: {
      description: "The activity, oldest interval first.",
      content: { "application/json": { schema: activitySchema } },
    },
    ...errorResponses(...ADMIN_AUTH_ERRORS, "validation_failed"),
  },
});

/**
 * `/admin/metrics` and `/admin/activity`: the platform at a glance, and over time (Prometheus
 * metrics are on the metrics port).
 */
export function platformMetricsRoutes(deps: {
  db: Database;
  cluster: ClusterView | undefined;
  logger: Logger;
}) {
  return new OpenAPIHono<HttpEnv>()
    .openapi(platformActivityRoute, async (c) => {
      const { period } = c.req.valid("query");
      const now = new Date();
      const [buckets, counts] = await Promise.all([
        platformJobActivity(deps.db, activityWindow(period, now)),
        countAllJobsByStatus(deps.db),
      ]);
      return c.json(toActivityView(period, now, buckets, counts), 200);
    })
    .openapi(platformMetricsRoute, async (c) => {
      const [jobsByStatus, cluster] = await Promise.all([
        countAllJobsByStatus(deps.db),
        deps.cluster?.snapshot().catch((error: unknown) => {
          deps.logger.warn({ err: error }, "cluster snapshot failed");
          return undefined;
        }),
      ]);
      return c.json(
        {
          snapshot_at: new Date().toISOString(),
          kubernetes: cluster
            ? {
                nodes: cluster.nodes,
                pods_by_phase: cluster.podsByPhase,
                active_jobs: cluster.activeKubernetesJobs,
              }
            : null,
          database: { jobs_by_status: jobsByStatus },
        },
        200,
      );
    });
}
