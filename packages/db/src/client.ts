import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "./schema/index.ts";

export type Database = NodePgDatabase<typeof schema>;
/** A database handle or an open transaction on it: every query function accepts both. */
export type DatabaseOrTransaction =
  | Database
  | Parameters<Parameters<Database["transaction"]>[0]>[0];

export interface DatabaseClient {
  db: Database;
  pool: pg.Pool;
  close(): Promise<void>;
}

export interface DatabaseClientOptions {
  /** Connection pool size. */
  maxConnections?: number;
  applicationName?: string;
}

/** Opens a connection pool and a drizzle handle over it. */
export function createDatabaseClient(
  databaseUrl: string,
  options: DatabaseClientOptions = {},
): DatabaseClient {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.maxConnections ?? 10,
    application_name: options.applicationName ?? "sumo-k8",
  });
  // A connection lost in a database restart must not crash the process. The pool listens for
  // the errors of its idle clients only (and discards them); a client checked out for a
  // transaction has no listener while it waits between statements, and an error event without
  // a listener is thrown. Every client gets one of its own: the transaction's next statement
  // fails, its release discards the client, and the next query opens a new connection.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  const db = drizzle({ client: pool, schema, casing: "snake_case" });
  return { db, pool, close: () => pool.end() };
}
