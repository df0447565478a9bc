import { z } from "zod";

/** The admin service's configuration, read once from the environment at boot. */
export const adminEnvSchema = z.object({
  /** PostgreSQL URL. Unset: the embedded PostgreSQL in the checkout's data folder (dev only). */
  DATABASE_URL: z.url().optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(5),
  /** Kubeconfig file. Unset: the pod's ServiceAccount in a cluster, else the local cluster. */
  KUBECONFIG: z.string().optional(),
  /** Set by Kubernetes inside a pod; selects the in-cluster ServiceAccount. */
  KUBERNETES_SERVICE_HOST: z.string().optional(),
  /** The admins' bearer token (from a Secret); unrelated to tenant API keys. */
  ADMIN_TOKEN: z.string().min(32, "ADMIN_TOKEN must be at least 32 characters"),
  HOST: z.string().default("0.0.0.0"),
  PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  /** Address and port of the Prometheus listener (`GET /metrics`); port 0 picks a free one. */
  METRICS_HOST: z.string().default("0.0.0.0"),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024),
  MIGRATE_ON_START: z.stringbool().default(true),
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).default(10),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
});

export type AdminEnv = z.infer<typeof adminEnvSchema>;
