import { databaseEnv } from "@sumo/db/env";
import { kubernetesEnv } from "@sumo/kubernetes";
import { logLevelEnv, metricsEnv } from "@sumo/metrics";
import { z } from "zod";

/**
 * The reconciler's configuration, read once from the environment at boot. Each description is
 * attached last, outside `.default()`, so the field itself carries it: docs/configuration.md is
 * generated from these.
 */
export const reconcilerEnvSchema = z.object({
  ...databaseEnv(10),
  ...kubernetesEnv,
  ...metricsEnv,
  RESYNC_INTERVAL_SECONDS: z.coerce.number().min(1).max(30).default(30).meta({
    description:
      "Seconds between full resyncs: every platform Job and pod listed (metadata only) against the watch caches, and a page of unended jobs against Kubernetes, to catch what a watch missed.",
  }),
  LOG_TAIL_LINES: z.coerce
    .number()
    .int()
    .min(1)
    .max(5000)
    .default(500)
    .meta({ description: "Log lines kept in the database per ended job." }),
  LOG_TAIL_BYTES: z.coerce
    .number()
    .int()
    .min(4096)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024)
    .meta({
      description:
        "Most bytes of log kept in the database per ended job: its newest lines that fit, then a last line saying how much was not kept.",
    }),
  LOG_LINE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(256)
    .max(64 * 1024 * 1024)
    .default(16 * 1024)
    .meta({
      description:
        "Longest log line kept in the database; a longer one is kept cut to this, marked with its length.",
    }),
  VANISHED_GRACE_SECONDS: z.coerce.number().min(1).default(30).meta({
    description:
      "Seconds before a scheduled job whose Kubernetes Job cannot be found is declared lost (`FAILED`, `Lost: ...`).",
  }),
  SYNC_CONCURRENCY: z.coerce.number().int().min(1).max(128).default(32).meta({
    description:
      "Jobs synced at once. Each waits on PostgreSQL and the apiserver (a pod's log) most of its time.",
  }),
  ...logLevelEnv("`jobId` on each job's lines"),
});

export type ReconcilerEnv = z.infer<typeof reconcilerEnvSchema>;
