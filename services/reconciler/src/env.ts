import { databaseEnv } from "@sumo/db/env";
import { kubernetesEnv } from "@sumo/kubernetes";
import { metricsEnv } from "@sumo/metrics";
import { z } from "zod";

/** The reconciler's configuration, read once from the environment at boot. */
export const reconcilerEnvSchema = z.object({
  ...databaseEnv(10),
  ...kubernetesEnv,
  ...metricsEnv,
  /** Full resync period: every platform Job and pod is listed and compared (at most 30 s). */
  RESYNC_INTERVAL_SECONDS: z.coerce.number().min(1).max(30).default(30),
  /** Log lines kept in the database per finished job. */
  LOG_TAIL_LINES: z.coerce.number().int().min(1).max(5000).default(500),
  /** Grace before a scheduled job whose Kubernetes Job cannot be found is declared lost. */
  VANISHED_GRACE_SECONDS: z.coerce.number().min(1).default(30),
  /** Jobs synced at once. */
  SYNC_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
});

export type ReconcilerEnv = z.infer<typeof reconcilerEnvSchema>;
