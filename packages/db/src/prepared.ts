import type { DatabaseOrTransaction } from "./client.ts";

/**
 * A query prepared once per database handle (a named server-side prepared statement: drizzle
 * builds the SQL once and PostgreSQL plans it once per connection). For the hot paths, where
 * building the query each call cost more than running it. Transactions are handles of their
 * own, so inside one the query is prepared for that transaction.
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
