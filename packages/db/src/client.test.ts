import { sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { createDatabaseClient } from "./client.ts";
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
      await new Promise((resolve) => setTimeout(resolve, 200));
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
    await admin.query("SELECT pg_terminate_backend($1)", [pid]);
  } finally {
    await admin.end();
  }
}
