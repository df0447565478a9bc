import { z } from "zod";

/** Where a service serves Prometheus metrics (and a worker's probes); spread into its env schema. */
export const metricsEnv = {
  /**
   * Address and port of the metrics listener (`GET /metrics`; the scheduler and reconciler
   * also answer `/healthz` and `/readyz` there). Port 0 picks a free port.
   */
  METRICS_HOST: z.string().default("0.0.0.0"),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
};
