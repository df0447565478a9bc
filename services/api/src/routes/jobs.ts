import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Database } from "@sumo/db/client";
import { findTenantScenario, getTenantJob, listTenantJobs } from "@sumo/db/queries";
import type { Job } from "@sumo/db/schema";
import { ApiError, errorResponses, type HttpEnv, JSON_BODY_ERRORS } from "@sumo/http";
import { isUuid } from "@sumo/http/ids";
import {
  encodeJobCursor,
  jobCursorSchema,
  jobSchema,
  jobStatusSchema,
  jobWithScenarioSchema,
  toJobView,
} from "@sumo/http/job-view";
import type { JobSubmission } from "../admission.ts";
import { submitJobRequestSchema } from "../schemas/job.ts";
import type { SubmitJobResult } from "../submit-jobs.ts";
import type { TenantVariables } from "../tenant-auth.ts";

const security = [{ bearerAuth: [] }];
const authErrors = ["unauthorized"] as const;

const submitJobRoute = createRoute({
  method: "post",
  path: "/v1/jobs",
  summary: "Submit a simulation job",
  description:
    "Queues a job for the tenant. A job larger than the tenant's CPU or memory limit can never run and is refused (422); at the concurrent-job limit the answer is 429 with Retry-After. Send an `Idempotency-Key` to retry safely: the same key and body return the first response.",
  security,
  request: {
    headers: z.object({
      "idempotency-key": z
        .string()
        .regex(/^[\x21-\x7e]{1,255}$/, "1-255 visible ASCII characters")
        .optional()
        .openapi({ description: "Makes retries of this request safe." }),
    }),
    body: {
      required: true,
      content: { "application/json": { schema: submitJobRequestSchema } },
    },
  },
  responses: {
    202: {
      description: "Accepted; the job is PENDING until the scheduler runs it.",
      content: { "application/json": { schema: jobSchema } },
    },
    ...errorResponses(
      ...authErrors,
      ...JSON_BODY_ERRORS,
      "unknown_scenario",
      "job_exceeds_tenant_limits",
      "idempotency_key_reused",
      "concurrent_job_limit_reached",
    ),
  },
});

const getJobRoute = createRoute({
  method: "get",
  path: "/v1/jobs/{job_id}",
  summary: "Get a job",
  description:
    "The job's status and history from the database, with its run parameters (`scenario`), its progress while it runs (read from its log, at most about 10 s old) and its result once it ended.",
  security,
  request: { params: z.object({ job_id: z.string().openapi({ format: "uuid" }) }) },
  responses: {
    200: {
      description: "The job.",
      content: { "application/json": { schema: jobWithScenarioSchema } },
    },
    ...errorResponses(...authErrors, "not_found"),
  },
});

const listJobsRoute = createRoute({
  method: "get",
  path: "/v1/jobs",
  summary: "List jobs",
  description:
    "The tenant's jobs, newest first, optionally in one status. Pass `next_cursor` from a page as `cursor` to get the next one.",
  security,
  request: {
    query: z.object({
      status: jobStatusSchema.optional(),
      limit: z.coerce.number().int().min(1).max(100).default(20),
      cursor: jobCursorSchema.optional().openapi({ type: "string" }),
    }),
  },
  responses: {
    200: {
      description: "A page of jobs.",
      content: {
        "application/json": {
          schema: z.object({ jobs: z.array(jobSchema), next_cursor: z.string().nullable() }),
        },
      },
    },
    ...errorResponses(...authErrors, "validation_failed"),
  },
});

/** `/v1/jobs`: submit, read and list the authenticated tenant's jobs. */
export function jobsRoutes(deps: {
  db: Database;
  /** Admits and writes one submission (submit-jobs.ts); refusals reject with their ApiError. */
  submitJob(submission: JobSubmission): Promise<SubmitJobResult>;
  /** Brings a RUNNING job's progress up to date (job-progress.ts); the job as it is otherwise. */
  refreshProgress(job: Job): Promise<Job>;
}) {
  return new OpenAPIHono<HttpEnv<TenantVariables>>()
    .openapi(submitJobRoute, async (c) => {
      const request = c.req.valid("json");
      const scenario = await findTenantScenario(deps.db, {
        tenantId: c.var.tenantId,
        ref: request.scenario_id,
      });
      const result = await deps.submitJob({
        tenantId: c.var.tenantId,
        request,
        scenario: scenario && {
          id: scenario.id,
          name: scenario.name,
          bundleSha256: scenario.bundleSha256,
          config: scenario.config,
        },
        idempotencyKey: c.req.valid("header")["idempotency-key"],
      });
      if (result.replayed) c.header("Idempotent-Replayed", "true");
      c.header("Location", `/v1/jobs/${result.body.job_id}`);
      return c.json(result.body, result.status);
    })
    .openapi(getJobRoute, async (c) => {
      const { job_id: jobId } = c.req.valid("param");
      // A malformed id names no job: the same 404 as a missing or another tenant's job.
      const job = isUuid(jobId)
        ? await getTenantJob(deps.db, { tenantId: c.var.tenantId, jobId })
        : undefined;
      if (!job) throw new ApiError("not_found", "No such job");
      const current = await deps.refreshProgress(job);
      return c.json({ ...toJobView(current), scenario: current.scenario ?? null }, 200);
    })
    .openapi(listJobsRoute, async (c) => {
      const { status, limit, cursor } = c.req.valid("query");
      const page = await listTenantJobs(deps.db, {
        tenantId: c.var.tenantId,
        limit,
        ...(status ? { status } : {}),
        ...(cursor ? { after: cursor } : {}),
      });
      return c.json(
        {
          jobs: page.jobs.map(toJobView),
          next_cursor: page.next ? encodeJobCursor(page.next) : null,
        },
        200,
      );
    });
}
