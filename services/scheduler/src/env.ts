import { databaseEnv } from "@sumo/db/env";
import { kubernetesEnv } from "@sumo/kubernetes";
import { metricsEnv } from "@sumo/metrics";
import { z } from "zod";

/** The scheduler's configuration, read once from the environment at boot. */
export const schedulerEnvSchema = z.object({
  ...databaseEnv(10),
  ...kubernetesEnv,
  ...metricsEnv,
  /** The container image every simulation runs in. */
  SIMULATION_IMAGE: z.string().min(1).default("ghcr.io/eclipse-sumo/sumo:latest"),
  /** Seconds a finished Kubernetes Job (and its pod) is kept before the TTL controller deletes it. */
  JOB_TTL_SECONDS_AFTER_FINISHED: z.coerce.number().int().min(0).default(120),
  /** Longest a simulation may run before Kubernetes stops it (DeadlineExceeded). */
  JOB_ACTIVE_DEADLINE_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(24 * 3600),
  /** Submissions handled at once by this replica. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
});

export type SchedulerEnv = z.infer<typeof schedulerEnvSchema>;
