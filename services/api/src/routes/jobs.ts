import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Database } from "@sumo/db/client";
import {
  type CancelOutcome,
  getTenantJob,
  getTenantJobWithReruns,
  listTenantJobs,
} from "@sumo/db/queries";
import type { Job } from "@sumo/db/schema";
import {
  ApiError,
  errorResponses,
  type HttpEnv,
  JSON_BODY_ERRORS,
  validationError,
} from "@sumo/http";
import { isUuid } from "@sumo/http/ids";
import {
  cancelledJobOrThrow,
  encodeJobCursor,
  jobCursorSchema,
  jobSchema,
  jobStatusSchema,
  jobWithScenarioSchema,
  toJobView,
} from "@sumo/http/job-view";
import { toJobViewsWithQueue, toJobViewWithQueue } from "@sumo/http/queue-view";
import { runParametersSchema } from "@sumo/scenario";
import { rerunJobRequestSchema, submitJobRequestSchema } from "../schemas/job.ts";
import { type NewSubmission, SCENARIO_NAMED, type SubmitJobResult } from "../submit-jobs.ts";
import type { TenantVariables } from "../tenant-auth.ts";

const security = [{ bearerAuth: [] }];
const authErrors = ["unauthorized"] as const;

const rerunParameters = z.object({ scenario: runParametersSchema });

const jobIdParams = z.object({ job_id: z.string().openapi({ format: "uuid" }) });

const idempotencyKeyHeader = z.object({
  "idempotency-key": z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, "1-255 visible ASCII characters")
    .optional()
    .openapi({
      description:
        "Makes retries of this request safe while the key is remembered (24 hours unless the platform is configured otherwise); after that the same key submits a new job.",
    }),
});

const submitJobRoute = createRoute({
  method: "post",
  path: "/v1/jobs",
  operationId: "submitJob",
  tags: ["Jobs"],
  summary: "Submit a simulation job",
  description:
    "Queues a job for the tenant. A job larger than the tenant's CPU or memory limit can never run and is refused (422); at the concurrent-job limit the answer is 429 with Retry-After. Send an `Idempotency-Key` to retry safely: the same key and body return the first response.",
  security,
  request: {
    headers: idempotencyKeyHeader,
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
  operationId: "getJob",
  tags: ["Jobs"],
  summary: "Get a job",
  description:
    "The job's status and history from the database, with its run parameters (`scenario`), its progress while it runs (read from its log, at most about 10 s old) and its result once it ended.",
  security,
  request: { params: jobIdParams },
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
  operationId: "listJobs",
  tags: ["Jobs"],
  summary: "List jobs",
  description:
    "The tenant's jobs, newest first, optionally in one status. Pass `next_cursor` from a page as `cursor` to get the next one.",
  security,
  request: {
    query: z.object({
      status: jobStatusSchema.optional(),
      sweep_id: z.uuid().optional().openapi({ description: "Only this sweep's members." }),
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

const cancelJobRoute = createRoute({
  method: "post",
  path: "/v1/jobs/{job_id}/cancel",
  operationId: "cancelJob",
  tags: ["Jobs"],
  summary: "Cancel a job",
  description:
    "Ends a job that has not ended as CANCELLED, with when and by whom. A queued job never reaches Kubernetes; a pending or running one has its Kubernetes Job and pod deleted (the simulation is stopped with SIGTERM; its log up to then is kept). Its concurrent-job slot is free at once. Cancelling a cancelled job answers it again; a job that ended otherwise is a 409.",
  security,
  request: { params: jobIdParams },
  responses: {
    200: {
      description: "The job, CANCELLED.",
      content: { "application/json": { schema: jobSchema } },
    },
    ...errorResponses(...authErrors, "not_found", "job_already_ended"),
  },
});

const rerunJobRoute = createRoute({
  method: "post",
  path: "/v1/jobs/{job_id}/rerun",
  operationId: "rerunJob",
  tags: ["Jobs"],
  summary: "Run a job again",
  description:
    "Submits a new job with the job's scenario (the same bundle, by content, whatever the scenario has become since), parameters and resources, linked to it both ways (`rerun_of` on the new job, `reruns` on the old). The body may override run parameters, such as the seed. It is a submission like any other: the same limits, 429 at the concurrent-job limit, and `Idempotency-Key`.",
  security,
  request: {
    params: jobIdParams,
    headers: idempotencyKeyHeader,
    body: {
      required: false,
      content: { "application/json": { schema: rerunJobRequestSchema } },
    },
  },
  responses: {
    202: {
      description: "Accepted: the new job.",
      content: { "application/json": { schema: jobSchema } },
    },
    ...errorResponses(
      ...authErrors,
      ...JSON_BODY_ERRORS,
      "not_found",
      "unknown_scenario",
      "job_exceeds_tenant_limits",
      "idempotency_key_reused",
      "concurrent_job_limit_reached",
    ),
  },
});

/** `/v1/jobs`: submit, read, list, cancel and rerun the authenticated tenant's jobs. */
export function jobsRoutes(deps: {
  db: Database;
  /** Cancels a job (@sumo/db/job-cancellation's cancelJob). */
  cancelJob(params: { jobId: string; tenantId: string }): Promise<CancelOutcome>;
  /** Admits and writes one submission (submit-jobs.ts); refusals reject with their ApiError. */
  submitJob(submission: NewSubmission): Promise<SubmitJobResult>;
  /** Brings a RUNNING job's progress up to date (job-progress.ts); the job as it is otherwise. */
  refreshProgress(job: Job): Promise<Job>;
}) {
  return new OpenAPIHono<HttpEnv<TenantVariables>>()
    .openapi(submitJobRoute, async (c) => {
      const result = await deps.submitJob({
        tenantId: c.var.tenantId,
        request: c.req.valid("json"),
        scenario: SCENARIO_NAMED,
        idempotencyKey: c.req.valid("header")["idempotency-key"],
      });
      if (result.replayed) c.header("Idempotent-Replayed", "true");
      c.header("Location", `/v1/jobs/${result.body.job_id}`);
      return c.json(result.body, result.status);
    })
    .openapi(getJobRoute, async (c) => {
      const { job_id: jobId } = c.req.valid("param");
      // A malformed id names no job: the same 404 as a missing or another tenant's job.
      const found = isUuid(jobId)
        ? await getTenantJobWithReruns(deps.db, { tenantId: c.var.tenantId, jobId })
        : undefined;
      if (!found) throw new ApiError("not_found", "No such job");
      const { reruns, ...job } = found;
      const current = await deps.refreshProgress(job);
      const view = await toJobViewWithQueue(deps.db, current);
      return c.json({ ...view, scenario: current.scenario ?? null, reruns }, 200);
    })
    .openapi(cancelJobRoute, async (c) => {
      const { job_id: jobId } = c.req.valid("param");
      const outcome = isUuid(jobId)
        ? await deps.cancelJob({ jobId, tenantId: c.var.tenantId })
        : ({ kind: "not-found" } as const);
      return c.json(toJobView(cancelledJobOrThrow(outcome)), 200);
    })
    .openapi(rerunJobRoute, async (c) => {
      const { job_id: jobId } = c.req.valid("param");
      const original = isUuid(jobId)
        ? await getTenantJob(deps.db, { tenantId: c.var.tenantId, jobId })
        : undefined;
      if (!original) throw new ApiError("not_found", "No such job");
      const body = c.req.valid("json");
      const overrides = body?.scenario ?? {};
      // The merged parameters are checked as a whole (an end before the begin, say), and a
      // refusal names the fields as the body does: scenario.<name>.
      const merged = rerunParameters.safeParse({
        scenario: { ...original.scenario, ...overrides },
      });
      if (!merged.success) throw validationError(merged.error);
      const parameters = merged.data.scenario;
      const result = await deps.submitJob({
        tenantId: c.var.tenantId,
        request: {
          scenario_id: original.scenarioId,
          cpu_request: original.cpuRequest,
          memory_gi: original.memoryGi,
          scenario: parameters,
          ...(body?.queue !== undefined && { queue: body.queue }),
        },
        // The bundle it ran, by content: rows keep it stored while a job names it.
        scenario:
          original.scenarioSha256 && original.scenarioConfig
            ? {
                id: original.scenarioId,
                name: original.scenarioName ?? original.scenarioId,
                bundleSha256: original.scenarioSha256,
                config: original.scenarioConfig,
              }
            : undefined,
        idempotencyKey: c.req.valid("header")["idempotency-key"],
        rerunOf: original.id,
      });
      if (result.replayed) c.header("Idempotent-Replayed", "true");
      c.header("Location", `/v1/jobs/${result.body.job_id}`);
      return c.json(result.body, result.status);
    })
    .openapi(listJobsRoute, async (c) => {
      const { status, sweep_id: sweepId, limit, cursor } = c.req.valid("query");
      const page = await listTenantJobs(deps.db, {
        tenantId: c.var.tenantId,
        limit,
        ...(status ? { status } : {}),
        ...(sweepId ? { sweepId } : {}),
        ...(cursor ? { after: cursor } : {}),
      });
      return c.json(
        {
          jobs: await toJobViewsWithQueue(deps.db, c.var.tenantId, page.jobs),
          next_cursor: page.next ? encodeJobCursor(page.next) : null,
        },
        200,
      );
    });
}
