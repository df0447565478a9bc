import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Database } from "@sumo/db/client";
import { countAllJobsByStatus } from "@sumo/db/queries";
import { errorResponses, type HttpEnv } from "@sumo/http";
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

/** `/admin/metrics`: the platform at a glance (Prometheus metrics are on the metrics port). */
export function platformMetricsRoutes(deps: {
  db: Database;
  cluster: ClusterView | undefined;
  logger: Logger;
}) {
  return new OpenAPIHono<HttpEnv>().openapi(platformMetricsRoute, async (c) => {
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
