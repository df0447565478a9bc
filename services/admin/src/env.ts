import { databaseEnv } from "@sumo/db/env";
import { kubernetesEnv } from "@sumo/kubernetes";
import { metricsEnv } from "@sumo/metrics";
import { z } from "zod";

/** The admin service's configuration, read once from the environment at boot. */
export const adminEnvSchema = z.object({
  ...databaseEnv(5),
  ...kubernetesEnv,
  ...metricsEnv,
  /** The admins' bearer token (from a Secret); unrelated to tenant API keys. */
  ADMIN_TOKEN: z.string().min(32, "ADMIN_TOKEN must be at least 32 characters"),
  HOST: z.string().default("0.0.0.0"),
  PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024),
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).default(10),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
});

export type AdminEnv = z.infer<typeof adminEnvSchema>;
