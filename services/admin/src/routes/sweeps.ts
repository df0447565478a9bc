import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Database } from "@sumo/db/client";
import { cancelSweep } from "@sumo/db/job-cancellation";
import { getActiveUse, getTenant, listQueuedJobs, listSweeps } from "@sumo/db/queries";
import { planQueueStart } from "@sumo/db/queue-rules";
import { jobs } from "@sumo/db/schema";
import { ApiError, errorResponses, type HttpEnv } from "@sumo/http";
import { jobSchema } from "@sumo/http/job-view";
import { toJobViewsWithQueue } from "@sumo/http/queue-view";
import {
  encodeSweepCursor,
  sweepCursorSchema,
  sweepSchema,
  toSweepView,
} from "@sumo/http/sweep-view";
import { and, asc, count, eq, inArray } from "drizzle-orm";
import type { PgBoss } from "pg-boss";
import { ADMIN_AUTH_ERRORS } from "../admin-auth.ts";

const security = [{ adminToken: [] }];
const adminSweepSchema = sweepSchema.extend({ tenant_id: z.uuid() }).openapi("AdminSweep");

const listSweepsRoute = createRoute({
  method: "get",
  path: "/admin/sweeps",
  operationId: "listSweeps",
  tags: ["Sweeps"],
  summary: "List all tenants' sweeps",
  description: "Newest first, optionally of one tenant, each with its members' counts by status.",
  security,
  request: {
    query: z.object({
      tenant_id: z.uuid().optional(),
      limit: z.coerce.number().int().min(1).max(100).default(20),
      cursor: sweepCursorSchema.optional().openapi({ type: "string" }),
    }),
  },
  responses: {
    200: {
      description: "A page of sweeps.",
      content: {
        "application/json": {
          schema: z.object({
            sweeps: z.array(adminSweepSchema),
            next_cursor: z.string().nullable(),
          }),
        },
      },
    },
    ...errorResponses(...ADMIN_AUTH_ERRORS, "validation_failed"),
  },
});

const cancelSweepRoute = createRoute({
  method: "post",
  path: "/admin/sweeps/{sweep_id}/cancel",
  operationId: "cancelSweep",
  tags: ["Sweeps"],
  summary: "Cancel any tenant's sweep",
  description: "As the tenant API's: every member that has not ended is cancelled, by an admin.",
  security,
  request: { params: z.object({ sweep_id: z.uuid() }) },
  responses: {
    200: {
      description: "The sweep, its open members CANCELLED.",
      content: { "application/json": { schema: adminSweepSchema } },
    },
    ...errorResponses(...ADMIN_AUTH_ERRORS, "validation_failed", "not_found"),
  },
});

const QUEUE_HEAD = 20;

const tenantQueueRoute = createRoute({
  method: "get",
  path: "/admin/tenants/{tenant_id}/queue",
  operationId: "getTenantQueue",
  tags: ["Tenants"],
  summary: "A tenant's queue",
  description: `How many of the tenant's jobs wait in its queue, why the queue waits (its concurrent-job limit or its quota; null when the next is about to start), how many of its jobs are pending or running against its limit, and the first ${QUEUE_HEAD} waiting, next first.`,
  security,
  request: { params: z.object({ tenant_id: z.uuid() }) },
  responses: {
    200: {
      description: "The tenant's queue.",
      content: {
        "application/json": {
          schema: z
            .object({
              queued: z.number().int(),
              waiting_for: z.enum(["concurrent_job_limit", "quota"]).nullable(),
              active: z.object({ jobs: z.number().int(), cpu: z.number(), memory_gi: z.number() }),
              max_concurrent_jobs: z.number().int(),
              next: z.array(jobSchema),
            })
            .openapi("TenantQueue"),
        },
      },
    },
    ...errorResponses(...ADMIN_AUTH_ERRORS, "validation_failed", "not_found"),
  },
});

/** `/admin/sweeps` and tenants' queues: what waits and runs, for every tenant. */
export function sweepsRoutes(deps: { db: Database; boss: PgBoss }) {
  return new OpenAPIHono<HttpEnv>()
    .openapi(listSweepsRoute, async (c) => {
      const { tenant_id: tenantId, limit, cursor } = c.req.valid("query");
      const page = await listSweeps(deps.db, {
        limit,
        ...(tenantId !== undefined && { tenantId }),
        ...(cursor && { after: cursor }),
      });
      return c.json(
        {
          sweeps: await Promise.all(
            page.sweeps.map(async (sweep) => ({
              ...(await toSweepView(deps.db, sweep)),
              tenant_id: sweep.tenantId,
            })),
          ),
          next_cursor: page.next ? encodeSweepCursor(page.next) : null,
        },
        200,
      );
    })
    .openapi(cancelSweepRoute, async (c) => {
      const { sweep_id: sweepId } = c.req.valid("param");
      const outcome = await cancelSweep(deps, { sweepId, tenantId: undefined, by: "admin" });
      if (outcome.kind === "not-found") throw new ApiError("not_found", "No such sweep");
      return c.json(
        { ...(await toSweepView(deps.db, outcome.sweep)), tenant_id: outcome.sweep.tenantId },
        200,
      );
    })
    .openapi(tenantQueueRoute, async (c) => {
      const { tenant_id: tenantId } = c.req.valid("param");
      const tenant = await getTenant(deps.db, tenantId);
      if (!tenant) throw new ApiError("not_found", "No such tenant");
      const [active, head, [queued]] = await Promise.all([
        getActiveUse(deps.db, tenantId),
        listQueuedJobs(deps.db, { tenantId, limit: QUEUE_HEAD }),
        deps.db
          .select({ n: count() })
          .from(jobs)
          .where(and(eq(jobs.tenantId, tenantId), eq(jobs.status, "QUEUED"))),
      ]);
      const next = head.length
        ? await deps.db
            .select()
            .from(jobs)
            .where(
              inArray(
                jobs.id,
                head.map((job) => job.id),
              ),
            )
            .orderBy(asc(jobs.submittedAt), asc(jobs.id))
        : [];
      return c.json(
        {
          queued: queued?.n ?? 0,
          waiting_for: planQueueStart(tenant, active, head.slice(0, 1)).waitingFor ?? null,
          active: { jobs: active.jobs, cpu: active.cpu, memory_gi: active.memoryGi },
          max_concurrent_jobs: tenant.maxConcurrentJobs,
          next: await toJobViewsWithQueue(deps.db, tenantId, next),
        },
        200,
      );
    });
}
