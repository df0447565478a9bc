import { z } from "@hono/zod-openapi";
import { ACTIVE_JOB_STATUSES, JOB_STATUSES, type JobStatus } from "@sumo/db/job-status";
import type { JobCursor } from "@sumo/db/queries";
import type { Job } from "@sumo/db/schema";
import { isUuid } from "./ids.ts";

// A job as the HTTP APIs show it (snake_case, ISO timestamps); the api and admin share it.

export const jobStatusSchema = z.enum(JOB_STATUSES).openapi("JobStatus");

/** How many jobs are in each status: every status, 0 when none. */
export const jobCountsSchema = z.object(
  Object.fromEntries(JOB_STATUSES.map((status) => [status, z.number().int()])) as Record<
    JobStatus,
    z.ZodNumber
  >,
);

/** Of job counts by status, those that count against the concurrent-job limit. */
export function countActive(counts: Record<JobStatus, number>): number {
  return ACTIVE_JOB_STATUSES.reduce((sum, status) => sum + counts[status], 0);
}

export const jobSchema = z
  .object({
    job_id: z.uuid(),
    scenario_id: z.string(),
    status: jobStatusSchema,
    cpu_request: z.number(),
    memory_gi: z.number(),
    failure_reason: z.string().nullable(),
    exit_code: z.number().int().nullable(),
    kubernetes: z
      .object({
        namespace: z.string().nullable(),
        job_name: z.string().nullable(),
        pod_name: z.string().nullable(),
      })
      .openapi({ description: "Where the job runs; null fields until it is scheduled." }),
    submitted_at: z.iso.datetime(),
    scheduled_at: z.iso.datetime().nullable(),
    started_at: z.iso.datetime().nullable(),
    finished_at: z.iso.datetime().nullable(),
    updated_at: z.iso.datetime(),
  })
  .openapi("Job");

export const jobWithScenarioSchema = jobSchema
  .extend({ scenario: z.record(z.string(), z.unknown()).nullable() })
  .openapi("JobWithScenario");

export type JobView = z.infer<typeof jobSchema>;

const iso = (date: Date | null) => date?.toISOString() ?? null;

/** A job as tenants see it (snake_case, ISO timestamps), without its scenario data. */
export function toJobView(job: Job): JobView {
  return {
    job_id: job.id,
    scenario_id: job.scenarioId,
    status: job.status,
    cpu_request: job.cpuRequest,
    memory_gi: job.memoryGi,
    failure_reason: job.failureReason,
    exit_code: job.exitCode,
    kubernetes: {
      namespace: job.namespace,
      job_name: job.kubernetesJobName,
      pod_name: job.podName,
    },
    submitted_at: job.submittedAt.toISOString(),
    scheduled_at: iso(job.scheduledAt),
    started_at: iso(job.startedAt),
    finished_at: iso(job.finishedAt),
    updated_at: job.updatedAt.toISOString(),
  };
}

/** A `cursor` query parameter: a `next_cursor` this API returned. */
export const jobCursorSchema = z
  .string()
  .max(200)
  .transform((value, ctx): JobCursor => {
    const cursor = decodeJobCursor(value);
    if (!cursor) {
      ctx.addIssue({ code: "custom", message: "not a cursor returned by this API" });
      return z.NEVER;
    }
    return cursor;
  });

/** The opaque `next_cursor` of a page of jobs. */
export function encodeJobCursor(cursor: JobCursor): string {
  return Buffer.from(JSON.stringify([cursor.submittedAt.toISOString(), cursor.id])).toString(
    "base64url",
  );
}

function decodeJobCursor(value: string): JobCursor | undefined {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
    if (!Array.isArray(decoded) || decoded.length !== 2) return undefined;
    const [time, id] = decoded;
    if (typeof time !== "string" || typeof id !== "string" || !isUuid(id)) return undefined;
    const submittedAt = new Date(time);
    // Years 1 to 9999 only: JavaScript dates reach further than PostgreSQL's timestamps (and
    // year 0, which it has no word for), and a cursor this API wrote is never out there.
    const year = submittedAt.getUTCFullYear();
    if (Number.isNaN(year) || year < 1 || year > 9999) return undefined;
    return { submittedAt, id };
  } catch {
    return undefined;
  }
}
