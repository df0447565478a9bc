import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Database } from "@sumo/db/client";
import {
  countTenantJobsByStatus,
  getTenant,
  listTenantJobs,
  listTenantWaitingJobs,
  sumTenantRunningResources,
  tenantJobActivity,
} from "@sumo/db/queries";
import type { Job } from "@sumo/db/schema";
import { ApiError, errorResponses, type HttpEnv } from "@sumo/http";
import {
  activityPeriodSchema,
  activitySchema,
  activityWindow,
  toActivityView,
} from "@sumo/http/activity-view";
import { countActive, jobCountsSchema, jobSchema, toJobView } from "@sumo/http/job-view";
import { tenantNamespaceName } from "@sumo/kubernetes";
import type { Logger } from "pino";
import type { KubernetesView, TenantQuota } from "../kubernetes-view.ts";
import type { TenantVariables } from "../tenant-auth.ts";

const resourcesSchema = z.object({
  cpu: z.number().openapi({ description: "cores" }),
  memory_gi: z.number(),
  pods: z.number().int(),
});

/** Most running jobs the dashboard lists (each may cost a log read for its progress). */
const MAX_RUNNING_SHOWN = 100;

const dashboardSchema = z
  .object({
    limits: z.object({
      cpu: z.number(),
      memory_gi: z.number(),
      max_concurrent_jobs: z.number().int(),
    }),
    usage: z
      .object({
        cpu: z.number(),
        memory_gi: z.number(),
        running_jobs: z.number().int(),
        active_jobs: z.number().int().openapi({ description: "PENDING + RUNNING" }),
      })
      .openapi({ description: "From the database: what the tenant's RUNNING jobs hold." }),
    quota: z
      .object({
        status: z.enum(["not_created", "ok", "full", "unavailable"]).openapi({
          description:
            "`not_created`: no job has run yet; `full`: jobs wait because what they request does not fit in what the quota has left; `unavailable`: Kubernetes did not answer.",
        }),
        namespace: z.string(),
        hard: resourcesSchema.nullable(),
        used: resourcesSchema.nullable(),
      })
      .openapi({ description: "The namespace's ResourceQuota as Kubernetes counts it." }),
    running_pods: z.number().int().nullable(),
    jobs_by_status: jobCountsSchema,
    running_jobs: z.array(jobSchema).openapi({
      description: `The RUNNING jobs (at most ${MAX_RUNNING_SHOWN}), each with its progress brought up to date.`,
    }),
    recent_jobs: z.array(jobSchema),
  })
  .openapi("Dashboard");

const dashboardRoute = createRoute({
  method: "get",
  path: "/v1/dashboard",
  operationId: "getDashboard",
  tags: ["Dashboard"],
  summary: "The tenant's dashboard",
  description:
    "Limits against current usage (database and ResourceQuota), running pods, job counts by status, the running jobs with their progress, and the 20 most recent jobs.",
  security: [{ bearerAuth: [] }],
  responses: {
    200: {
      description: "The dashboard.",
      content: { "application/json": { schema: dashboardSchema } },
    },
    ...errorResponses("unauthorized"),
  },
});

const activityRoute = createRoute({
  method: "get",
  path: "/v1/activity",
  operationId: "getActivity",
  tags: ["Dashboard"],
  summary: "The tenant's jobs over time",
  description:
    "Per interval of the period: the tenant's jobs submitted, started, succeeded, failed and cancelled, the run time of those that succeeded (median, 90th percentile, longest), and how many ran and waited at the interval's end. Read from the jobs' own timestamps.",
  security: [{ bearerAuth: [] }],
  request: { query: z.object({ period: activityPeriodSchema.default("48h") }) },
  responses: {
    200: {
      description: "The activity, oldest interval first.",
      content: { "application/json": { schema: activitySchema } },
    },
    ...errorResponses("unauthorized", "validation_failed"),
  },
});

/** `/v1/dashboard` and `/v1/activity`: what a tenant sees at a glance, and over time. */
export function dashboardRoutes(deps: {
  db: Database;
  kubernetes?: KubernetesView;
  logger: Logger;
  /** Brings a RUNNING job's progress up to date (job-progress.ts). */
  refreshProgress(job: Job): Promise<Job>;
}) {
  return new OpenAPIHono<HttpEnv<TenantVariables>>()
    .openapi(activityRoute, async (c) => {
      const { period } = c.req.valid("query");
      const tenantId = c.var.tenantId;
      const now = new Date();
      const [buckets, counts] = await Promise.all([
        tenantJobActivity(deps.db, { tenantId, ...activityWindow(period, now) }),
        countTenantJobsByStatus(deps.db, tenantId),
      ]);
      return c.json(toActivityView(period, now, buckets, counts), 200);
    })
    .openapi(dashboardRoute, async (c) => {
      const tenant = await getTenant(deps.db, c.var.tenantId);
      if (!tenant) throw new ApiError("unauthorized", "Invalid API key");
      const namespace = tenantNamespaceName(tenant.id);
      const [counts, running, runningJobs, recent, waiting, quota] = await Promise.all([
        countTenantJobsByStatus(deps.db, tenant.id),
        sumTenantRunningResources(deps.db, tenant.id),
        listTenantJobs(deps.db, {
          tenantId: tenant.id,
          status: "RUNNING",
          limit: MAX_RUNNING_SHOWN,
        }).then((page) => Promise.all(page.jobs.map((job) => deps.refreshProgress(job)))),
        listTenantJobs(deps.db, { tenantId: tenant.id, limit: 20 }),
        listTenantWaitingJobs(deps.db, { tenantId: tenant.id, limit: 100 }),
        readQuota(deps, namespace),
      ]);
      const quotaObject = typeof quota === "string" ? undefined : quota;
      const quotaStatus: QuotaStatus =
        typeof quota === "string" ? quota : blocksAny(quota, waiting) ? "full" : "ok";
      const toResources = (r: TenantQuota["hard"]) => ({
        cpu: r.cpu,
        memory_gi: r.memoryGi,
        pods: r.pods,
      });
      return c.json(
        {
          limits: {
            cpu: tenant.cpuLimit,
            memory_gi: tenant.memoryLimitGi,
            max_concurrent_jobs: tenant.maxConcurrentJobs,
          },
          usage: {
            cpu: running.cpu,
            memory_gi: running.memoryGi,
            running_jobs: counts.RUNNING,
            active_jobs: countActive(counts),
          },
          quota: {
            status: quotaStatus,
            namespace,
            hard: quotaObject ? toResources(quotaObject.hard) : null,
            used: quotaObject ? toResources(quotaObject.used) : null,
          },
          running_pods: quotaObject ? quotaObject.used.pods : null,
          jobs_by_status: counts,
          running_jobs: runningJobs.map(toJobView),
          recent_jobs: recent.jobs.map(toJobView),
        },
        200,
      );
    });
}

type QuotaStatus = "not_created" | "ok" | "full" | "unavailable";

/** Whether what is left of the quota cannot hold one of the waiting jobs. */
function blocksAny(
  quota: TenantQuota,
  waiting: { cpuRequest: number; memoryGi: number }[],
): boolean {
  const left = {
    cpu: quota.hard.cpu - quota.used.cpu,
    memoryGi: quota.hard.memoryGi - quota.used.memoryGi,
    pods: quota.hard.pods - quota.used.pods,
  };
  return waiting.some(
    (job) => left.pods < 1 || job.cpuRequest > left.cpu || job.memoryGi > left.memoryGi,
  );
}

async function readQuota(
  deps: { kubernetes?: KubernetesView; logger: Logger },
  namespace: string,
): Promise<TenantQuota | "not_created" | "unavailable"> {
  if (!deps.kubernetes) return "unavailable";
  try {
    return (await deps.kubernetes.readQuota(namespace)) ?? "not_created";
  } catch (error) {
    deps.logger.warn({ err: error, namespace }, "reading the tenant's quota failed");
    return "unavailable";
  }
}
