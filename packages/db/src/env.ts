import { z } from "zod";

/**
 * The database settings every service reads (spread into its env schema). `poolSize` is the
 * service's default for DATABASE_POOL_SIZE. Each description is attached last, outside
 * `.default()` and `.optional()`, so the field itself carries it: docs/configuration.md is
 * generated from these.
 */
export function databaseEnv(poolSize: number) {
  return {
    DATABASE_URL: z.url().optional().meta({
      description:
        "PostgreSQL connection URL. Unset: the embedded PostgreSQL in the checkout's `.data/` (dev only).",
    }),
    DATABASE_POOL_SIZE: z.coerce
      .number()
      .int()
      .min(1)
      .max(200)
      .default(poolSize)
      .meta({ description: "Connections in this replica's pool." }),
    MIGRATE_ON_START: z.stringbool().default(true).meta({
      description:
        "Apply the database migrations at boot; the Helm chart turns this off when its hook Job migrates.",
    }),
  };
}
