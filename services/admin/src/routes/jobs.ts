import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Database } from "@sumo/db/client";
import { cancelJob } from "@sumo/db/job-cancellation";
import { listAllJobs } from "@sumo/db/queries";
import type { Job } from "@sumo/db/schema";
import { errorResponses, type HttpEnv } from "@sumo/http";
import {
  cancelledJobOrThrow,
  encodeJobCursor,
  type JobView,
  jobCursorSchema,
  jobSchema,
  jobStatusSchema,
  toJobView,
} from "@sumo/http/job-view";
import { toJobViewsWithQueue } from "@sumo/http/queue-view";
import type { PgBoss } from "pg-boss";
import { ADMIN_AUTH_ERRORS } from "../admin-auth.ts";

const adminJobSchema = jobSchema.extend({ tenant_id: z.uuid() }).openapi("AdminJob");

const listJobsRoute = createRoute({
  method: "get",
  path: "/admin/jobs",
  operationId: "listJobs",
  tags: ["Jobs"],
  summary: "List all tenants' jobs",
  description: "Newest first; filter by status and tenant; pass `next_cursor` back as `cursor`.",
  security: [{ adminToken: [] }],
  request: {
    query: z.object({
      status: jobStatusSchema.optional(),
      tenant_id: z.uuid().optional(),
      limit: z.coerce.number().int().min(1).max(500).default(50),
      cursor: jobCursorSchema.optional().openapi({ type: "string" }),
    }),
  },
  responses: {
    200: {
      description: "A page of jobs.",
      content: {
        "application/json": {
          schema: z.object({ jobs: z.array(adminJobSchema), next_cursor: z.string().nullable() }),
        },
      },
    },
    ...errorResponses(...ADMIN_AUTH_ERRORS, "validation_failed"),
  },
});

const cancelJobRoute = createRoute({
  method: "post",
  path: "/admin/jobs/{job_id}/cancel",
  operationId: "cancelJob",
  tags: ["Jobs"],
  summary: "Cancel any tenant's job",
  description:
    "As the tenant API's cancel, for any job, recorded as cancelled by an admin: a job that has not ended ends CANCELLED (its Kubernetes Job and pod deleted, if it had them); a cancelled one is answered again; one that ended otherwise is a 409.",
  security: [{ adminToken: [] }],
  request: { params: z.object({ job_id: z.uuid() }) },
  responses: {
    200: {
      description: "The job, CANCELLED.",
      content: { "application/json": { schema: adminJobSchema } },
    },
    ...errorResponses(...ADMIN_AUTH_ERRORS, "validation_failed", "not_found", "job_already_ended"),
  },
});

/** `/admin/jobs`: every tenant's jobs, and cancelling any of them. */
export function jobsRoutes(deps: { db: Database; boss: PgBoss }) {
  return new OpenAPIHono<HttpEnv>()
    .openapi(cancelJobRoute, async (c) => {
      const { job_id: jobId } = c.req.valid("param");
      const job = cancelledJobOrThrow(
        await cancelJob(deps, { jobId, tenantId: undefined, by: "admin" }),
      );
      return c.json({ ...toJobView(job), tenant_id: job.tenantId }, 200);
    })
    .openapi(listJobsRoute, async (c) => {
      const { status, tenant_id: tenantId, limit, cursor } = c.req.valid("query");
      const page = await listAllJobs(deps.db, {
        limit,
        ...(status && { status }),
        ...(tenantId !== undefined && { tenantId }),
        ...(cursor && { after: cursor }),
      });
      return c.json(
        {
          jobs: await adminJobViews(deps.db, page.jobs),
          next_cursor: page.next ? encodeJobCursor(page.next) : null,
        },
        200,
      );
    });
}

/** Jobs of any tenants as the admin API shows them: with their tenant, and queued ones' places. */
async function adminJobViews(db: Database, jobs: readonly Job[]) {
  const byTenant = Map.groupBy(jobs, (job) => job.tenantId);
  const views = new Map<string, JobView>();
  for (const [tenantId, ofTenant] of byTenant) {
    for (const view of await toJobViewsWithQueue(db, tenantId, ofTenant))
      views.set(view.job_id, view);
  }
  return jobs.map((job) => ({ ...(views.get(job.id) ?? toJobView(job)), tenant_id: job.tenantId }));
}
