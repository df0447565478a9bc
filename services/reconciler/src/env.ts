import { z } from "zod";

/** The reconciler's configuration, read once from the environment at boot. */
export const reconcilerEnvSchema = z.object({
  /** PostgreSQL URL. Unset: the embedded PostgreSQL in the checkout's data folder (dev only). */
  DATABASE_URL: z.url().optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Kubeconfig file. Unset: the pod's ServiceAccount in a cluster, else the local cluster. */
  KUBECONFIG: z.string().optional(),
  /** Set by Kubernetes inside a pod; selects the in-cluster ServiceAccount. */
  KUBERNETES_SERVICE_HOST: z.string().optional(),
  /** Full resync period: every platform Job and pod is listed and compared (at most 30 s). */
  RESYNC_INTERVAL_SECONDS: z.coerce.number().min(1).max(30).default(30),
  /** Log lines kept in the database per finished job. */
  LOG_TAIL_LINES: z.coerce.number().int().min(1).max(5000).default(500),
  /** Grace before a scheduled job whose Kubernetes Job cannot be found is declared lost. */
  VANISHED_GRACE_SECONDS: z.coerce.number().min(1).default(30),
  /** Jobs synced at once. */
  SYNC_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  /**
   * Address and port of the listener for Prometheus (`GET /metrics`) and the Kubernetes probes
   * (`/healthz`, `/readyz`; leader and standby are both ready). Port 0 picks a free port
   * (several replicas on one machine).
   */
  METRICS_HOST: z.string().default("0.0.0.0"),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  MIGRATE_ON_START: z.stringbool().default(true),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
});

export type ReconcilerEnv = z.infer<typeof reconcilerEnvSchema>;
