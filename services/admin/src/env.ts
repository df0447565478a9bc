import { databaseEnv } from "@sumo/db/env";
import { shutdownEnv } from "@sumo/http/env";
import { kubernetesEnv } from "@sumo/kubernetes";
import { logLevelEnv, metricsEnv } from "@sumo/metrics";
import { z } from "zod";

/**
 * The admin service's configuration, read once from the environment at boot. Each description
 * is attached last, outside `.default()`, so the field itself carries it: docs/configuration.md
 * is generated from these.
 */
export const adminEnvSchema = z.object({
  ...databaseEnv(5),
  ...kubernetesEnv,
  ...metricsEnv,
  ADMIN_TOKEN: z.string().min(32, "ADMIN_TOKEN must be at least 32 characters").meta({
    description: "The admins' bearer token (from a Secret); unrelated to tenant API keys.",
  }),
  HOST: z.string().default("0.0.0.0").meta({ description: "Address the admin API listens on." }),
  PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(8081)
    .meta({ description: "Port the admin API listens on." }),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024)
    .meta({ description: "Largest accepted request body in bytes." }),
  ...shutdownEnv,
  ...logLevelEnv("`reqId` on every request's lines"),
});

export type AdminEnv = z.infer<typeof adminEnvSchema>;
