import { sql } from "drizzle-orm";
import { createDatabaseClient, type Database, type DatabaseClient } from "./client.ts";
import { startEmbeddedPostgres } from "./embedded-postgres.ts";

export interface ServiceDatabase extends DatabaseClient {
  url: string;
}

/**
 * A service's database: DATABASE_URL's, or with it unset (dev only) the embedded PostgreSQL in
 * the checkout's data folder, started or reused. `close()` ends the pool and stops an embedded
 * server this call started.
 */
export async function openServiceDatabase(options: {
  databaseUrl: string | undefined;
  maxConnections: number;
  applicationName: string;
  /** See DatabaseClientOptions.pipeline. */
  pipeline?: boolean;
  /** See DatabaseClientOptions (DATABASE_ACQUIRE_TIMEOUT_MS, DATABASE_STATEMENT_TIMEOUT_MS). */
  acquireTimeoutMs: number;
  statementTimeoutMs: number;
}): Promise<ServiceDatabase> {
  const embedded = options.databaseUrl ? undefined : await startEmbeddedPostgres();
  const url = options.databaseUrl ?? embedded?.url ?? "";
  const client = createDatabaseClient(url, {
    maxConnections: options.maxConnections,
    applicationName: options.applicationName,
    pipeline: options.pipeline,
    acquireTimeoutMs: options.acquireTimeoutMs,
    statementTimeoutMs: options.statementTimeoutMs,
  });
  return {
    ...client,
    url,
    async close() {
      await client.close();
      await embedded?.stop();
    },
  };
}

/** How long a readiness answer stands before the database is asked again. */
export const READINESS_CACHE_MS = 1_000;

/**
 * Whether the database answers: what the services' readiness probes report. Asked at most once
 * per READINESS_CACHE_MS however often probes (or anybody) call, with concurrent calls sharing
 * the one query in flight.
 */
export function databaseReachability(db: Database): () => Promise<boolean> {
  let answer: { reachable: boolean; at: number } | undefined;
  let asking: Promise<boolean> | undefined;
  return () => {
    if (answer && performance.now() - answer.at < READINESS_CACHE_MS) {
      return Promise.resolve(answer.reachable);
    }
    asking ??= db
      .execute(sql`SELECT 1`)
      .then(
        () => true,
        () => false,
      )
      .then((reachable) => {
        answer = { reachable, at: performance.now() };
        asking = undefined;
        return reachable;
      });
    return asking;
  };
}
