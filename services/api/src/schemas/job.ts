import { z } from "@hono/zod-openapi";
import { JOB_STATUSES, type Job } from "@sumo/db/schema";

export const submitJobRequestSchema = z
  .strictObject({
    scenario_id: z
      .string()
      .min(1)
      .max(128)
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/,
        "letters, digits and . _ : / - only, starting with a letter or digit",
      )
      .openapi({ example: "berlin-rush-hour" }),
    cpu_request: z
      .number()
      .positive()
      .max(512)
      .multipleOf(0.001, "at most 3 decimal places (millicores)")
      .openapi({ description: "CPU cores for the simulation pod (request = limit).", example: 1 }),
    memory_gi: z
      .number()
      .positive()
      .max(4096)
      .multipleOf(0.001, "at most 3 decimal places")
      .openapi({
        description: "Memory in GiB for the simulation pod (request = limit).",
        example: 2,
      }),
    scenario: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({
        description: "Scenario data, any JSON object; handed to the simulation as-is.",
        example: { end: 3600, step_length: 0.5 },
      }),
  })
  .openapi("SubmitJobRequest");

export type SubmitJobRequest = z.infer<typeof submitJobRequestSchema>;

export const jobStatusSchema = z.enum(JOB_STATUSES).openapi("JobStatus");

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
