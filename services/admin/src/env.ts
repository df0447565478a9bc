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
  ADMIN_AUTH_MAX_FAILURES: z.coerce.number().int().min(1).max(1_000_000).default(10).meta({
    description:
      "Wrong admin tokens one client (by address) may present per ADMIN_AUTH_FAILURE_WINDOW_SECONDS, per replica; one more blocks it (429) for ADMIN_AUTH_BLOCK_SECONDS.",
  }),
  ADMIN_AUTH_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60).meta({
    description: "The window over which wrong admin tokens are counted per client.",
  }),
  ADMIN_AUTH_BLOCK_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300).meta({
    description: "How long a client that presented too many wrong admin tokens is refused.",
  }),
  TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0).meta({
    description:
      "Proxies in front (ingress, load balancer) appending to X-Forwarded-For: the client is the entry this many places from its right. 0: the connection's peer.",
  }),
  CONSOLE_DIR: z.string().optional().meta({
    description:
      "The built admin console (index.html, assets/), read at start and served at /console/; unset: packages/console/dist/admin, the build's output. Without one, /console/ answers 503.",
  }),
  ...shutdownEnv,
  ...logLevelEnv("`reqId` on every request's lines"),
});

export type AdminEnv = z.infer<typeof adminEnvSchema>;
