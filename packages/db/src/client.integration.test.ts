import { sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  type ConnectionDatabase,
  createDatabaseClient,
  isDatabaseUnavailable,
  transactionOnConnection,
} from "./client.ts";
import { createTestDatabase, type TestDatabase } from "./testing.ts";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(inject("templateDatabaseUrl"));
});
afterAll(async () => {
  await database.drop();
});

it("fails a transaction whose connection is cut between statements, and serves the next query", async () => {
  const client = createDatabaseClient(database.url, { maxConnections: 1 });
  try {
    const transaction = client.db.transaction(async (tx) => {
      const backend = await tx.execute<{ pid: number }>(sql`SELECT pg_backend_pid() AS pid`);
      // The connection dies while the transaction's client is checked out and idle (as in a
      // database restart): the pool no longer listens for its errors then.
      await terminateBackend(database.url, backend.rows[0]?.pid ?? 0);
      await tx.execute(sql`SELECT 1`);
    });
    await expect(transaction).rejects.toThrow();
    const after = await client.db.execute<{ answer: number }>(sql`SELECT 42 AS answer`);
    expect(after.rows).toEqual([{ answer: 42 }]);
  } finally {
    await client.close();
  }
});

async function terminateBackend(url: string, pid: number): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    // With a timeout, PostgreSQL answers once the backend has exited, and so closed its socket.
    const { rows } = await admin.query<{ terminated: boolean }>(
      "SELECT pg_terminate_backend($1, 5000) AS terminated",
      [pid],
    );
    expect(rows).toEqual([{ terminated: true }]);
  } finally {
    await admin.end();
  }
}

// A statement of this test's own, prepared per connection like the submission path's.
const insertTenant = (connection: ConnectionDatabase, name: string) =>
  connection.$client.query({
    name: "test_insert_tenant",
    text: "INSERT INTO tenants (name) VALUES ($1)",
    values: [name],
  });

it("commits what a transaction on one connection wrote, and keeps nothing of one that threw", async () => {
  const client = createDatabaseClient(database.url, { maxConnections: 1, pipeline: true });
  try {
    await transactionOnConnection(client.db, async (connection) => {
      await Promise.all([insertTenant(connection, "kept-1"), insertTenant(connection, "kept-2")]);
    });
    const failed = transactionOnConnection(client.db, async (connection) => {
      await insertTenant(connection, "rolled-back");
      // The same statement again on the same connection, now refused (duplicate name).
      await insertTenant(connection, "kept-1");
    });
    await expect(failed).rejects.toThrow(/duplicate key/);
    // The connection, back in the pool, serves the next transaction, prepared statement and all.
    await transactionOnConnection(client.db, (connection) => insertTenant(connection, "kept-3"));
    const names = await client.db.execute<{ name: string }>(
      sql`SELECT name FROM tenants WHERE name LIKE 'kept-%' OR name = 'rolled-back' ORDER BY name`,
    );
    expect(names.rows.map((row) => row.name)).toEqual(["kept-1", "kept-2", "kept-3"]);
  } finally {
    await client.close();
  }
});

describe("a database that cannot serve", () => {
  it("gives up waiting for a connection after the acquire timeout, as unavailable", async () => {
    const client = createDatabaseClient(database.url, { maxConnections: 1, acquireTimeoutMs: 300 });
    try {
      const holder = await client.pool.connect();
      try {
        const waited = client.db.execute(sql`SELECT 1`);
        await expect(waited).rejects.toSatisfy(isDatabaseUnavailable);
      } finally {
        holder.release();
      }
      // Free again, it serves.
      expect((await client.db.execute(sql`SELECT 1 AS one`)).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.close();
    }
  });

  it("cancels a statement past the statement timeout, as unavailable", async () => {
    const client = createDatabaseClient(database.url, {
      maxConnections: 1,
      statementTimeoutMs: 200,
    });
    try {
      await expect(client.db.execute(sql`SELECT pg_sleep(5)`)).rejects.toSatisfy(
        isDatabaseUnavailable,
      );
      expect((await client.db.execute(sql`SELECT 1 AS one`)).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.close();
    }
  });

  it("tells a server that refuses connections from a wrong query", async () => {
    const nowhere = createDatabaseClient("postgres://nobody:nothing@127.0.0.1:1/none", {
      maxConnections: 1,
      acquireTimeoutMs: 2_000,
    });
    try {
      await expect(nowhere.db.execute(sql`SELECT 1`)).rejects.toSatisfy(isDatabaseUnavailable);
    } finally {
      await nowhere.close();
    }
    const client = createDatabaseClient(database.url, { maxConnections: 1 });
    try {
      const wrong = client.db.execute(sql`SELECT * FROM no_such_table`);
      await expect(wrong).rejects.toThrow();
      await expect(wrong.catch((error) => isDatabaseUnavailable(error))).resolves.toBe(false);
    } finally {
      await client.close();
    }
  });
});
