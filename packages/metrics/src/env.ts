import { z } from "zod";

/**
 * Where a service serves Prometheus metrics (and a worker's probes); spread into its env schema.
 * The descriptions are what docs/configuration.md shows.
 */
export const metricsEnv = {
  METRICS_HOST: z.string().default("0.0.0.0").meta({
    description:
      "Address of the metrics listener, a listener of its own (never on the service's port): Prometheus `GET /metrics`, and the scheduler's and reconciler's probes.",
  }),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464).meta({
    description:
      "Port of the metrics listener; `0` picks a free one. Probes: `/healthz` (alive), `/readyz` (database reachable; reconciler leader and standby alike).",
  }),
};

/** pino's levels, quietest last. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/** The level a service logs at (spread into its env schema); `eachLine` says what every line carries. */
export function logLevelEnv(eachLine: string) {
  return {
    LOG_LEVEL: z
      .enum(LOG_LEVELS)
      .default("info")
      .meta({ description: `pino log level; logs are JSON, with ${eachLine}.` }),
  };
}
