import { afterAll, beforeAll, expect, inject, it, vi } from "vitest";
import { createDatabaseClient, type Database, type DatabaseClient } from "./client.ts";
import { databaseReachability, READINESS_CACHE_MS } from "./service-database.ts";
import { createTestDatabase, type TestDatabase } from "./testing.ts";

let database: TestDatabase;
let client: DatabaseClient;
beforeAll(async () => {
  database = await createTestDatabase(inject("templateDatabaseUrl"));
  client = createDatabaseClient(database.url, { maxConnections: 2 });
});
afterAll(async () => {
  await client.close();
  await database.drop();
});

/** The client's database, counting the statements it is asked to run. */
function countingDatabase(): { db: Database; statements: () => number } {
  let statements = 0;
  const db = new Proxy(client.db, {
    get(target, property, receiver) {
      if (property === "execute") {
        return (...args: Parameters<Database["execute"]>) => {
          statements++;
          return target.execute(...args);
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
  return { db, statements: () => statements };
}

it("asks the database once for any number of readiness checks within its cache time", async () => {
  const { db, statements } = countingDatabase();
  const reachable = databaseReachability(db);
  // A burst of probes at once, then more one after another.
  expect(await Promise.all(Array.from({ length: 50 }, () => reachable()))).toEqual(
    Array(50).fill(true),
  );
  for (let i = 0; i < 50; i++) expect(await reachable()).toBe(true);
  expect(statements()).toBe(1);
  // Once the answer is older than the cache time, the database is asked again.
  await vi.waitFor(
    async () => {
      expect(await reachable()).toBe(true);
      expect(statements()).toBe(2);
    },
    { timeout: READINESS_CACHE_MS * 5, interval: 50 },
  );
});

it("answers false when the database does not answer", async () => {
  const unreachable = createDatabaseClient("postgres://nobody:nothing@127.0.0.1:1/none", {
    maxConnections: 1,
  });
  try {
    expect(await databaseReachability(unreachable.db)()).toBe(false);
  } finally {
    await unreachable.close();
  }
});
