import { createTestDatabase, type TestDatabase } from "@sumo/db/testing";
import { metricValue } from "@sumo/metrics/testing";
import pg from "pg";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, expect, inject, it, vi } from "vitest";
import { PostgresLeaderElection } from "./leader-election.ts";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(inject("templateDatabaseUrl"));
});
afterAll(async () => {
  await database.drop();
});

function replica(name: string, events: string[], metricsRegistry = new Registry()) {
  return new PostgresLeaderElection({
    databaseUrl: database.url,
    lockId: 42,
    logger: pino({ level: "silent" }),
    metricsRegistry,
    intervalMs: 100,
    onStartedLeading: async () => void events.push(`${name} leads`),
    onStoppedLeading: async () => void events.push(`${name} stops`),
  });
}

const until = (condition: () => boolean) =>
  vi.waitFor(() => expect(condition()).toBe(true), { timeout: 10_000, interval: 20 });

async function lastQueries(): Promise<string[]> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const result = await client.query(
      "SELECT query FROM pg_stat_activity WHERE application_name = 'sumo-leader-election' AND datname = current_database()",
    );
    return result.rows.map((row) => row.query as string);
  } finally {
    await client.end();
  }
}

it("lets one replica lead at a time and hands over when the leader goes", async () => {
  const events: string[] = [];
  const registryA = new Registry();
  const registryB = new Registry();
  const leaderGauge = (registry: Registry) => metricValue(registry, "sumo_reconciler_leader");
  const a = replica("a", events, registryA);
  const b = replica("b", events, registryB);
  expect(await leaderGauge(registryA)).toBe(0);
  a.start();
  await until(() => a.isLeader);
  expect(await leaderGauge(registryA)).toBe(1);
  b.start();
  // Once b's connection has asked for the lock (a, leading, only checks its connection), b
  // must have been refused.
  await vi.waitFor(async () => {
    expect(await lastQueries()).toContainEqual(expect.stringContaining("pg_try_advisory_lock"));
  });
  expect(b.isLeader).toBe(false);
  expect(await leaderGauge(registryB)).toBe(0);

  await a.stop();
  await until(() => b.isLeader);
  expect([await leaderGauge(registryA), await leaderGauge(registryB)]).toEqual([0, 1]);
  expect(events).toEqual(["a leads", "a stops", "b leads"]);
  await b.stop();
});

it("steps down when its database connection is cut", async () => {
  const events: string[] = [];
  const a = replica("a", events);
  a.start();
  await until(() => a.isLeader);
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  await admin.query(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sumo-leader-election' AND datname = current_database()",
  );
  await admin.end();
  await until(() => events.includes("a stops"));
  await until(() => a.isLeader);
  await a.stop();
});
