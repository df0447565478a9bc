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
}): Promise<ServiceDatabase> {
  const embedded = options.databaseUrl ? undefined : await startEmbeddedPostgres();
  const url = options.databaseUrl ?? embedded?.url ?? "";
  const client = createDatabaseClient(url, {
    maxConnections: options.maxConnections,
    applicationName: options.applicationName,
    pipeline: options.pipeline,
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

/** Whether the database answers: what the services' readiness probes report. */
export async function isDatabaseReachable(db: Database): Promise<boolean> {
  try {
    await db.execute(sql`SELECT 1`);
    return true;
  } catch {
    return false;
  }
}
