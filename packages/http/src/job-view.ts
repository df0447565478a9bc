import { z } from "@hono/zod-openapi";
import {
  ACTIVE_JOB_STATUSES,
  assertNever,
  JOB_STATUS_MEANINGS,
  JOB_STATUS_TRANSITIONS,
  JOB_STATUSES,
  type JobStatus,
} from "@sumo/db/job-status";
import type { CancelOutcome, JobCursor } from "@sumo/db/queries";
import type { Job } from "@sumo/db/schema";
import { progressFraction, runSummarySchema } from "@sumo/scenario";
import { ApiError } from "./errors.ts";
import { encodePageCursor, pageCursorSchema } from "./page-cursor.ts";

// A job as the HTTP APIs show it (snake_case, ISO timestamps); the api and admin share it.

export const jobStatusSchema = z.enum(JOB_STATUSES).openapi("JobStatus", {
  description: [
    "A job's status. It only moves forwards:",
    ...JOB_STATUSES.map((status) => {
      const next: readonly JobStatus[] = JOB_STATUS_TRANSITIONS[status];
      const then = next.length === 0 ? "ended" : `then ${next.join(", ")}`;
      return `- \`${status}\`: ${JOB_STATUS_MEANINGS[status]} (${then}).`;
    }),
  ].join("\n"),
});

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

export const jobProgressSchema = z
  .object({
    time: z.number().openapi({ description: "Simulation time reached, in seconds." }),
    end: z.number().nullable().openapi({
      description: "Simulation time the run ends at; null when it runs until every vehicle left.",
    }),
    fraction: z.number().min(0).max(1).nullable(),
    // SUMO's step log: TOT, ACT and BUF.
    vehicles: z.object({
      inserted: z.number().int(),
      running: z.number().int(),
      waiting: z.number().int(),
    }),
    read_at: z.iso.datetime().openapi({ description: "When this was read from the run's log." }),
  })
  .openapi("JobProgress", {
    description:
      "How far a RUNNING job's simulation is, from the last progress line of its log; at most about 10 s old when the job is read on its own.",
  });

// A copy made here: @hono/zod-openapi gives `.openapi()` to schemas made after it is loaded,
// and @sumo/scenario's may be made before.
export const jobResultSchema = z.object(runSummarySchema.shape).openapi("RunSummary", {
  description:
    "What the simulation reported when it ended: SUMO's version, the seed and options used, vehicle counts, trip means and timings.",
});

export const jobSchema = z
  .object({
    job_id: z.uuid(),
    scenario_id: z.string().openapi({ description: "The scenario's id." }),
    scenario_name: z.string().nullable(),
    scenario_sha256: z
      .string()
      .nullable()
      .openapi({ description: "The SHA-256 of the bundle the job runs, fixed at submission." }),
    status: jobStatusSchema,
    cpu_request: z.number(),
    memory_gi: z.number(),
    failure_reason: z.string().nullable(),
    exit_code: z.number().int().nullable(),
    progress: jobProgressSchema.nullable().openapi({ description: "While RUNNING; else null." }),
    result: jobResultSchema
      .nullable()
      .openapi({ description: "Once the simulation ended and reported; else null." }),
    kubernetes: z
      .object({
        namespace: z.string().nullable(),
        job_name: z.string().nullable(),
        pod_name: z.string().nullable(),
      })
      .openapi({ description: "Where the job runs; null fields until it is scheduled." }),
    cancelled: z
      .object({
        at: z.iso.datetime(),
        by: z.enum(["tenant", "admin"]).openapi({
          description: "Who cancelled it: the tenant through its API, or an admin.",
        }),
      })
      .nullable()
      .openapi({ description: "When the job was cancelled and by whom; null unless CANCELLED." }),
    queue: z
      .object({
        position: z.number().int().min(1).openapi({ description: "1: the next to start." }),
        waiting_for: z.enum(["concurrent_job_limit", "quota"]).nullable().openapi({
          description:
            "Why the tenant's queue waits: as many jobs pending or running as its concurrent-job limit, or too little of its CPU or memory left for the next; null when it is about to start.",
        }),
      })
      .nullable()
      .openapi({ description: "Where a QUEUED job stands in its tenant's queue; else null." }),
    rerun_of: z
      .uuid()
      .nullable()
      .openapi({ description: "The job this one runs again (POST /v1/jobs/{id}/rerun)." }),
    submitted_at: z.iso.datetime(),
    scheduled_at: z.iso.datetime().nullable(),
    started_at: z.iso.datetime().nullable(),
    finished_at: z.iso.datetime().nullable(),
    updated_at: z.iso.datetime(),
  })
  .openapi("Job");

export const jobWithScenarioSchema = jobSchema
  .extend({
    scenario: z.record(z.string(), z.unknown()).nullable(),
    reruns: z.array(z.uuid()).openapi({
      description: "The jobs that run this one again, oldest first (at most 100).",
    }),
  })
  .openapi("JobWithScenario");

export type JobView = z.infer<typeof jobSchema>;

const iso = (date: Date | null) => date?.toISOString() ?? null;

/** A job as tenants see it (snake_case, ISO timestamps), without its scenario data. */
export function toJobView(job: Job): JobView {
  return {
    job_id: job.id,
    scenario_id: job.scenarioId,
    scenario_name: job.scenarioName,
    scenario_sha256: job.scenarioSha256,
    status: job.status,
    cpu_request: job.cpuRequest,
    memory_gi: job.memoryGi,
    failure_reason: job.failureReason,
    exit_code: job.exitCode,
    progress:
      job.status === "RUNNING" && job.progress
        ? {
            time: job.progress.time,
            end: job.progress.end,
            fraction: progressFraction(job.progress),
            vehicles: {
              inserted: job.progress.inserted,
              running: job.progress.running,
              waiting: job.progress.waiting,
            },
            read_at: job.progress.readAt,
          }
        : null,
    result: job.result ?? null,
    kubernetes: {
      namespace: job.namespace,
      job_name: job.kubernetesJobName,
      pod_name: job.podName,
    },
    cancelled:
      job.cancelledAt && job.cancelledBy
        ? { at: job.cancelledAt.toISOString(), by: job.cancelledBy }
        : null,
    // Only the APIs know a queued job's place (withQueue): it is not in the row.
    queue: null,
    rerun_of: job.rerunOfJobId,
    submitted_at: job.submittedAt.toISOString(),
    scheduled_at: iso(job.scheduledAt),
    started_at: iso(job.startedAt),
    finished_at: iso(job.finishedAt),
    updated_at: job.updatedAt.toISOString(),
  };
}

/** A `cursor` query parameter of a list of jobs: a `next_cursor` this API returned. */
export const jobCursorSchema = pageCursorSchema.transform(
  (cursor): JobCursor => ({ submittedAt: cursor.at, id: cursor.id }),
);

/** The opaque `next_cursor` of a page of jobs. */
export function encodeJobCursor(cursor: JobCursor): string {
  return encodePageCursor({ at: cursor.submittedAt, id: cursor.id });
}

/** The cancelled job of a cancellation, or the ApiError that says why there is none. */
export function cancelledJobOrThrow(outcome: CancelOutcome): Job {
  switch (outcome.kind) {
    case "cancelled":
    case "already-cancelled":
      return outcome.job;
    case "ended":
      throw new ApiError(
        "job_already_ended",
        `The job already ended ${outcome.job.status}; only a job that has not ended can be cancelled`,
      );
    case "not-found":
      throw new ApiError("not_found", "No such job");
    default:
      return assertNever(outcome);
  }
}
