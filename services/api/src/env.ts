import { databaseEnv } from "@sumo/db/env";
import { kubernetesEnv } from "@sumo/kubernetes";
import { metricsEnv } from "@sumo/metrics";
import { z } from "zod";

/** The api service's configuration, read once from the environment at boot. */
export const apiEnvSchema = z.object({
  ...databaseEnv(20),
  ...kubernetesEnv,
  ...metricsEnv,
  /** Address and port to listen on. */
  HOST: z.string().default("0.0.0.0"),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Largest accepted request body (scenario data included), in bytes. */
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(256 * 1024),
  /** Most job submissions written in one transaction (submissions that arrive together share one). */
  SUBMIT_MAX_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  /** Transactions writing submissions at once; more submissions wait to form the next batch. */
  SUBMIT_CONCURRENT_BATCHES: z.coerce.number().int().min(1).max(100).default(4),
  /** How long SIGTERM waits for requests in flight before closing. */
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).default(10),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
});

export type ApiEnv = z.infer<typeof apiEnvSchema>;
