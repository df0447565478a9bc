import { createDatabaseClient, type DatabaseClient } from "@sumo/db/client";
import { createQueueClient } from "@sumo/db/queue-client";
import {
  JOB_SUBMITTED_DEAD_LETTER_QUEUE,
  JOB_SUBMITTED_QUEUE,
  QUEUE_SCHEMA,
} from "@sumo/db/queues";
import { createTestDatabase, type TestDatabase } from "@sumo/db/testing";
import { metricValue } from "@sumo/metrics/testing";
import type { PgBoss } from "pg-boss";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { registerQueueMetrics } from "./queue-metrics.ts";

let testDatabase: TestDatabase;
let database: DatabaseClient;
let boss: PgBoss;
beforeAll(async () => {
  testDatabase = await createTestDatabase(inject("templateDatabaseUrl"));
  database = createDatabaseClient(testDatabase.url, { maxConnections: 2 });
  boss = await createQueueClient(testDatabase.url, {
    role: "sender",
    instanceName: "test",
    registerInstance: false,
  });
});
afterAll(async () => {
  await boss.stop({ graceful: false, close: true });
  await database.close();
  await testDatabase.drop();
});

const queues = [JOB_SUBMITTED_QUEUE, JOB_SUBMITTED_DEAD_LETTER_QUEUE];
const message = () => ({ jobId: crypto.randomUUID(), tenantId: crypto.randomUUID() });

it("reports each queue's depth by state and its oldest waiting message's age", async () => {
  const registry = new Registry();
  registerQueueMetrics(registry, { db: database.db, queues, logger: pino({ level: "silent" }) });
  const depth = (queue: string, state: string) =>
    metricValue(registry, "sumo_queue_messages", { queue, state });
  const oldestAge = (queue: string) =>
    metricValue(registry, "sumo_queue_oldest_message_age_seconds", { queue });

  expect(await depth(JOB_SUBMITTED_QUEUE, "created")).toBe(0);
  expect(await oldestAge(JOB_SUBMITTED_QUEUE)).toBe(0);

  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const id = await boss.send(JOB_SUBMITTED_QUEUE, message());
    if (id) ids.push(id);
  }
  expect(ids).toHaveLength(3);
  // One submission has been waiting a minute and a half.
  await database.pool.query(
    `UPDATE ${QUEUE_SCHEMA}.job SET created_on = now() - interval '90 seconds' WHERE id = $1`,
    [ids[0]],
  );
  expect(await depth(JOB_SUBMITTED_QUEUE, "created")).toBe(3);
  expect(await depth(JOB_SUBMITTED_QUEUE, "active")).toBe(0);
  expect(await depth(JOB_SUBMITTED_DEAD_LETTER_QUEUE, "created")).toBe(0);
  const age = await oldestAge(JOB_SUBMITTED_QUEUE);
  expect(age).toBeGreaterThanOrEqual(90);
  expect(age).toBeLessThan(120);

  // A worker takes one (pg-boss hands out the oldest first): it moves to active.
  const fetched = await boss.fetch(JOB_SUBMITTED_QUEUE);
  expect(fetched.map((job) => job.id)).toEqual([ids[0]]);
  expect(await depth(JOB_SUBMITTED_QUEUE, "created")).toBe(2);
  expect(await depth(JOB_SUBMITTED_QUEUE, "active")).toBe(1);
  expect(await oldestAge(JOB_SUBMITTED_QUEUE)).toBeLessThan(90);
});

it("reports nothing rather than stale values when the database does not answer", async () => {
  const broken = createDatabaseClient(testDatabase.url, { maxConnections: 1 });
  await broken.close();
  const registry = new Registry();
  registerQueueMetrics(registry, { db: broken.db, queues, logger: pino({ level: "silent" }) });
  const text = await registry.metrics();
  expect(text).toContain("# TYPE sumo_queue_messages gauge");
  expect(text).not.toMatch(/^sumo_queue_messages\{/m);
});
