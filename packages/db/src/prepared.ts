import { createHash } from "node:crypto";
import { fillPlaceholders, type SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import type pg from "pg";
import type { DatabaseOrTransaction } from "./client.ts";

/**
 * A query prepared once per database handle (a named server-side prepared statement: drizzle
 * builds the SQL once and PostgreSQL plans it once per connection). For the hot paths, where
 * building the query each call cost more than running it. Transactions are handles of their
 * own, so inside one the query is prepared for that transaction; a handle over one connection
 * (transactionOnConnection) keeps it for the connection's life.
 */
export function preparedPerDatabase<Prepared>(
  build: (db: DatabaseOrTransaction) => Prepared,
): (db: DatabaseOrTransaction) => Prepared {
  const prepared = new WeakMap<DatabaseOrTransaction, Prepared>();
  return (db) => {
    let query = prepared.get(db);
    if (query === undefined) {
      query = build(db);
      prepared.set(db, query);
    }
    return query;
  };
}

/** What runs named statements: a pool, or one connection of it (and its open transaction). */
export interface StatementRunner {
  $client: pg.Pool | pg.PoolClient;
}

const dialect = new PgDialect({ casing: "snake_case" });

/**
 * A statement that is not a query builder's (INSERT ... SELECT FROM jsonb_to_recordset, say),
 * rendered by drizzle once and run as a named prepared statement: PostgreSQL parses and plans
 * it on each connection's first call only. Its values are `sql.placeholder`s, given per call.
 */
export function preparedStatement<Row extends pg.QueryResultRow = pg.QueryResultRow>(
  name: string,
  query: SQL,
): (db: StatementRunner, values: Record<string, unknown>) => Promise<pg.QueryResult<Row>> {
  const { sql: text, params } = dialect.sqlToQuery(query);
  return (db, values) =>
    db.$client.query<Row>({ name, text, values: fillPlaceholders(params, values) });
}

/**
 * Runs a statement someone else wrote as a named prepared statement of the connection. For big
 * statements on hot paths, where planning costs more than running: pg-boss's insert takes about
 * 0.6 ms of PostgreSQL's CPU per call planned each time, 0.15 ms prepared. The name is the
 * text's hash, so calls with the same text share one.
 */
export function queryPrepared<Row extends pg.QueryResultRow = pg.QueryResultRow>(
  connection: pg.ClientBase,
  text: string,
  values: unknown[],
): Promise<pg.QueryResult<Row>> {
  const name = `sumo_${createHash("sha1").update(text).digest("base64url")}`;
  return connection.query<Row>({ name, text, values });
}
