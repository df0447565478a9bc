import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Database } from "@sumo/db/client";
import { listAllJobs } from "@sumo/db/queries";
import { errorResponses, type HttpEnv } from "@sumo/http";
import {
  encodeJobCursor,
  jobCursorSchema,
  jobSchema,
  jobStatusSchema,
  toJobView,
} from "@sumo/http/job-view";

const adminJobSchema = jobSchema.extend({ tenant_id: z.uuid() }).openapi("AdminJob");

const listJobsRoute = createRoute({
  method: "get",
  path: "/admin/jobs",
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
    ...errorResponses("unauthorized", "validation_failed"),
  },
});

/** `/admin/jobs`: every tenant's jobs. */
export function jobsRoutes(deps: { db: Database }) {
  return new OpenAPIHono<HttpEnv>().openapi(listJobsRoute, async (c) => {
    const { status, tenant_id: tenantId, limit, cursor } = c.req.valid("query");
    const page = await listAllJobs(deps.db, {
      limit,
      ...(status && { status }),
      ...(tenantId !== undefined && { tenantId }),
      ...(cursor && { after: cursor }),
    });
    return c.json(
      {
        jobs: page.jobs.map((job) => ({ ...toJobView(job), tenant_id: job.tenantId })),
        next_cursor: page.next ? encodeJobCursor(page.next) : null,
      },
      200,
    );
  });
}
