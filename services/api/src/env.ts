import { databaseEnv } from "@sumo/db/env";
import { DEFAULT_IDEMPOTENCY_KEY_TTL_HOURS } from "@sumo/db/schema";
import { shutdownEnv } from "@sumo/http/env";
import { kubernetesEnv } from "@sumo/kubernetes";
import { logLevelEnv, metricsEnv } from "@sumo/metrics";
import { DEFAULT_BUNDLE_LIMITS } from "@sumo/scenario";
import { z } from "zod";

/**
 * The api service's configuration, read once from the environment at boot. Each description is
 * attached last, outside `.default()`, so the field itself carries it: docs/configuration.md is
 * generated from these.
 */
export const apiEnvSchema = z.object({
  // Every statement of a request is short; a server that does not answer is an outage.
  ...databaseEnv(20, { statementTimeoutMs: 5_000 }),
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
        "Largest accepted JSON request body in bytes (scenario uploads have SCENARIO_MAX_BUNDLE_BYTES).",
    }),
  SCENARIO_MAX_BUNDLE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    // A job's ConfigMap carries the bundle and its run spec, and a ConfigMap holds at most 1 MiB.
    .max(1024 * 1024 - 16 * 1024)
    .default(DEFAULT_BUNDLE_LIMITS.maxBundleBytes)
    .meta({
      description:
        "Largest scenario bundle in bytes, as uploaded. A job carries its bundle to its pod in a Kubernetes ConfigMap (at most 1 MiB with the run spec), so at most 1 MiB - 16 KiB.",
    }),
  SCENARIO_MAX_FILES: z.coerce
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(DEFAULT_BUNDLE_LIMITS.maxFiles)
    .meta({ description: "Most files (directories aside) in a scenario bundle." }),
  SCENARIO_MAX_UNCOMPRESSED_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024 * 1024)
    .default(DEFAULT_BUNDLE_LIMITS.maxUncompressedBytes)
    .meta({
      description:
        "Largest total of a bundle's files uncompressed, in bytes: an upload decompressing to more is refused as it is read (a decompression bomb).",
    }),
  SCENARIO_CONCURRENT_UPLOADS: z.coerce.number().int().min(1).max(64).default(2).meta({
    description:
      "Scenario uploads validated at once per replica (each holds its files in memory); a few more wait, beyond that uploads get 503 with Retry-After.",
  }),
  PROGRESS_REFRESH_SECONDS: z.coerce.number().min(1).max(300).default(10).meta({
    description:
      "How old a RUNNING job's progress may get before reading the job reads its pod's log again (at most once per interval per job across replicas).",
  }),
  SUBMIT_MAX_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100).meta({
    description:
      "Most job submissions written in one transaction (submissions that arrive together share one).",
  }),
  SUBMIT_CONCURRENT_BATCHES: z.coerce.number().int().min(1).max(100).default(4).meta({
    description:
      "Transactions writing submissions at once; submissions arriving meanwhile wait and go together in the next one.",
  }),
  LOG_FOLLOW_MAX_PER_TENANT: z.coerce.number().int().min(1).max(1000).default(4).meta({
    description:
      "Log follows (`follow=true`) one tenant may hold open at once on each api replica; one more gets 429 `too_many_log_follows`.",
  }),
  LOG_FOLLOW_MAX_PER_REPLICA: z.coerce.number().int().min(1).max(100_000).default(1000).meta({
    description:
      "Log follows one api replica holds open at once for all tenants; one more gets 503 with Retry-After.",
  }),
  LOG_FOLLOW_MAX_SECONDS: z.coerce.number().int().min(1).max(86_400).default(3600).meta({
    description:
      "Longest a log follow streams before the api ends it (the `Sumo-Follow-Ends-At` header says when); the client follows again to go on.",
  }),
  IDEMPOTENCY_KEY_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 365)
    .default(DEFAULT_IDEMPOTENCY_KEY_TTL_HOURS)
    .meta({
      description:
        "Hours an `Idempotency-Key` replays the submission it came with; after that the same key submits a new job. The scheduler's retention sweep deletes expired keys.",
    }),
  CONSOLE_DIR: z.string().optional().meta({
    description:
      "The built tenant console (index.html, assets/), read at start and served at /console/; unset: packages/console/dist/tenant, the build's output. Without one, /console/ answers 503.",
  }),
  ...shutdownEnv,
  ...logLevelEnv("`reqId` on every request's lines"),
});

export type ApiEnv = z.infer<typeof apiEnvSchema>;
