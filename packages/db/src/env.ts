import { z } from "zod";

/**
 * The database settings every service reads (spread into its env schema). `poolSize` is the
 * service's default for DATABASE_POOL_SIZE.
 */
export function databaseEnv(poolSize: number) {
  return {
    /** PostgreSQL URL. Unset: the embedded PostgreSQL in the checkout's data folder (dev only). */
    DATABASE_URL: z.url().optional(),
    /** Connections in this replica's pool. */
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(poolSize),
    /** Apply database migrations at boot (off when a Helm hook migrates). */
    MIGRATE_ON_START: z.stringbool().default(true),
  };
}
