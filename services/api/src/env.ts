import { databaseEnv } from "@sumo/db/env";
import { shutdownEnv } from "@sumo/http/env";
import { kubernetesEnv } from "@sumo/kubernetes";
import { logLevelEnv, metricsEnv } from "@sumo/metrics";
import { z } from "zod";

/**
 * The api service's configuration, read once from the environment at boot. Each description is
 * attached last, outside `.default()`, so the field itself carries it: docs/configuration.md is
 * generated from these.
 */
export const apiEnvSchema = z.object({
  ...databaseEnv(20),
  ...kubernetesEnv,
  ...metricsEnv,
  HOST: z.string().default("0.0.0.0").meta({ description: "Address the tenant API listens on." }),
  PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(8080)
    .meta({ description: "Port the tenant API listens on." }),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(256 * 1024)
    .meta({
      description:
        "Largest accepted request body in bytes, scenario data included (a scenario is at most 96 KiB of JSON: the simulation gets it in an environment variable).",
    }),
  SUBMIT_MAX_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100).meta({
    description:
      "Most job submissions written in one transaction (submissions that arrive together share one).",
  }),
  SUBMIT_CONCURRENT_BATCHES: z.coerce.number().int().min(1).max(100).default(4).meta({
    description:
      "Transactions writing submissions at once; submissions arriving meanwhile wait and go together in the next one.",
  }),
  ...shutdownEnv,
  ...logLevelEnv("`reqId` on every request's lines"),
});

export type ApiEnv = z.infer<typeof apiEnvSchema>;
