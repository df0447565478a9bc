import { z } from "zod";

/**
 * The database settings every service reads (spread into its env schema). `poolSize` is the
 * service's default for DATABASE_POOL_SIZE, `statementTimeoutMs` its default for
 * DATABASE_STATEMENT_TIMEOUT_MS (short where a person waits for the answer). Each description is attached last, outside
 * `.default()` and `.optional()`, so the field itself carries it: docs/configuration.md is
 * generated from these.
 */
export function databaseEnv(poolSize: number, { statementTimeoutMs = 15_000 } = {}) {
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
    DATABASE_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000).meta({
      description:
        "Longest wait for a pooled connection (or a new one); past it the request gets 503 `service_unavailable`.",
    }),
    DATABASE_STATEMENT_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .min(100)
      .max(3_600_000)
      .default(statementTimeoutMs)
      .meta({
        description:
          "Longest a statement may run (PostgreSQL's statement_timeout) or go unanswered (a stopped or unreachable server); past it the request gets 503 `service_unavailable`.",
      }),
    MIGRATE_ON_START: z.stringbool().default(true).meta({
      description:
        "Apply the database migrations at boot; the Helm chart turns this off when its hook Job migrates.",
    }),
  };
}
