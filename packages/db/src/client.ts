import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "./schema/index.ts";

/** The drizzle handle over a connection pool (`$client`). */
export type Database = NodePgDatabase<typeof schema> & { $client: pg.Pool };
/** A drizzle handle over one connection of the pool (see transactionOnConnection). */
export type ConnectionDatabase = NodePgDatabase<typeof schema> & { $client: pg.PoolClient };
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];
/** A database handle or an open transaction on it: every query function accepts both. */
export type DatabaseOrTransaction = NodePgDatabase<typeof schema> | Transaction;

export interface DatabaseClient {
  db: Database;
  pool: pg.Pool;
  close(): Promise<void>;
}

export interface DatabaseClientOptions {
  /** Connection pool size. */
  maxConnections?: number;
  applicationName?: string;
  /**
   * Pipeline the connections (node-postgres' pipeline mode): queries issued together on one
   * connection, like the statements of a transaction awaited with Promise.all, go out at once
   * and cost one round trip. Cursors and streams are refused on such connections.
   */
  pipeline?: boolean;
  /** Longest wait for a pooled connection or a new one (node-postgres' connectionTimeoutMillis). */
  acquireTimeoutMs?: number;
  /**
   * Longest a statement may take: PostgreSQL cancels it past this (statement_timeout), and the
   * client gives up on an answer that does not come (query_timeout: a stopped server, a cut
   * network). None when unset.
   */
  statementTimeoutMs?: number;
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
    ...(options.pipeline && { pipeline: true }),
    ...(options.acquireTimeoutMs !== undefined && {
      connectionTimeoutMillis: options.acquireTimeoutMs,
    }),
    ...(options.statementTimeoutMs !== undefined && {
      statement_timeout: options.statementTimeoutMs,
      // The server's own timeout answers first; this one is for a server that cannot answer.
      query_timeout: options.statementTimeoutMs + 1_000,
    }),
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

/**
 * Runs `work` in a transaction on one connection of the pool, through a drizzle handle over that
 * connection, made once per connection. Unlike a drizzle transaction handle, which is new in each
 * transaction, it keeps its prepared statements (queries/hot-paths.ts) for the
 * connection's life. Commits when `work` resolves, rolls back when it throws.
 *
 * BEGIN is not awaited before `work` starts: on a pipelined connection it travels with the
 * transaction's first statements, one round trip saved. PostgreSQL still runs it first; it fails
 * only on a broken connection or one left in a failed transaction, where the statements behind
 * it fail too, and then nothing is committed.
 */
export async function transactionOnConnection<T>(
  db: Database,
  work: (connection: ConnectionDatabase) => Promise<T>,
): Promise<T> {
  const client = await db.$client.connect();
  try {
    // Settled both, so that no statement of `work` can run after the ROLLBACK.
    const [begin, outcome] = await Promise.allSettled([
      client.query("BEGIN"),
      work(databaseOnConnection(client)),
    ]);
    if (begin.status === "fulfilled" && outcome.status === "fulfilled") {
      await client.query("COMMIT");
      return outcome.value;
    }
    await client.query("ROLLBACK").catch(() => {
      // The connection broke: the server ended the transaction with it.
    });
    throw outcome.status === "rejected" ? outcome.reason : (begin as PromiseRejectedResult).reason;
  } finally {
    // A connection that broke meanwhile is not queryable, and the pool discards it.
    client.release();
  }
}

const connectionDatabases = new WeakMap<pg.PoolClient, ConnectionDatabase>();

function databaseOnConnection(client: pg.PoolClient): ConnectionDatabase {
  let db = connectionDatabases.get(client);
  if (!db) {
    db = drizzle({ client, schema, casing: "snake_case" });
    connectionDatabases.set(client, db);
  }
  return db;
}

/** SQLSTATE classes and codes that say the database cannot serve now, not that a query is wrong. */
const UNAVAILABLE_SQLSTATES = new Set(["57014", "57P01", "57P02", "57P03", "53300"]);
const UNAVAILABLE_NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);
const UNAVAILABLE_MESSAGES = [
  "timeout exceeded when trying to connect",
  "Query read timeout",
  "Connection terminated",
  "Client has encountered a connection error",
  "Connection ended unexpectedly",
];

/**
 * Whether an error (or one it was caused by: drizzle wraps the driver's) says the database is
 * unreachable, too slow or out of connections, rather than that the query was wrong: no
 * connection within the acquire timeout, a statement past its timeout, a refused or cut
 * connection, a server shutting down or starting. What a service answers 503 for.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let cause = error, depth = 0; cause && depth < 5; depth++) {
    if (!(cause instanceof Error)) return false;
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string") {
      if (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith("08")) return true;
      if (UNAVAILABLE_NETWORK_CODES.has(code)) return true;
    }
    if (
      UNAVAILABLE_MESSAGES.some(
        (message) => cause instanceof Error && cause.message.includes(message),
      )
    ) {
      return true;
    }
    cause = cause.cause;
  }
  return false;
}
