import { z } from "zod";

/** The scheduler's configuration, read once from the environment at boot. */
export const schedulerEnvSchema = z.object({
  /** PostgreSQL URL. Unset: the embedded PostgreSQL in the checkout's data folder (dev only). */
  DATABASE_URL: z.url().optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Kubeconfig file. Unset: the pod's ServiceAccount in a cluster, else the local cluster. */
  KUBECONFIG: z.string().optional(),
  /** Set by Kubernetes inside a pod; selects the in-cluster ServiceAccount. */
  KUBERNETES_SERVICE_HOST: z.string().optional(),
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
  /**
   * Address and port of the listener for Prometheus (`GET /metrics`) and the Kubernetes probes
   * (`/healthz`, `/readyz`). Port 0 picks a free port (several replicas on one machine).
   */
  METRICS_HOST: z.string().default("0.0.0.0"),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  MIGRATE_ON_START: z.stringbool().default(true),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
});

export type SchedulerEnv = z.infer<typeof schedulerEnvSchema>;
