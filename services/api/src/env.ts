import { z } from "zod";

/** The api service's configuration, read once from the environment at boot. */
export const apiEnvSchema = z.object({
  /** PostgreSQL URL. Unset: the embedded PostgreSQL in the checkout's data folder (dev only). */
  DATABASE_URL: z.url().optional(),
  /** Connections in this replica's pool. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
  /** Kubeconfig file. Unset: the pod's ServiceAccount in a cluster, else the local cluster. */
  KUBECONFIG: z.string().optional(),
  /** Set by Kubernetes inside a pod; selects the in-cluster ServiceAccount. */
  KUBERNETES_SERVICE_HOST: z.string().optional(),
  /** Address and port to listen on. */
  HOST: z.string().default("0.0.0.0"),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /**
   * Address and port of the Prometheus listener (`GET /metrics`), apart from the tenant port
   * since metrics need no API key. Port 0 picks a free port (several processes on one machine).
   */
  METRICS_HOST: z.string().default("0.0.0.0"),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** Largest accepted request body (scenario data included), in bytes. */
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(256 * 1024),
  /** Apply database migrations at boot (off when a Helm hook migrates). */
  MIGRATE_ON_START: z.stringbool().default(true),
  /** How long SIGTERM waits for requests in flight before closing. */
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).default(10),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
});

export type ApiEnv = z.infer<typeof apiEnvSchema>;
