import type { Database } from "@sumo/db/client";
import { QUEUE_SCHEMA } from "@sumo/db/queues";
import { sql } from "drizzle-orm";
import type { Logger } from "pino";
import { Gauge, type Registry } from "prom-client";

/**
 * The pg-boss states a message waits or works in: `created` (waiting for a worker), `retry`
 * (waiting again after a failed attempt, possibly in backoff), `active` (a worker has it).
 */
export const QUEUE_MESSAGE_STATES = ["created", "retry", "active"] as const;
type QueueMessageState = (typeof QUEUE_MESSAGE_STATES)[number];
const WAITING_STATES: readonly QueueMessageState[] = ["created", "retry"];

export interface QueueMetricsDeps {
  db: Database;
  /** The queues to report. */
  queues: readonly string[];
  logger: Logger;
}

interface QueueStateRow {
  queue: string;
  state: QueueMessageState;
  messages: number;
  oldestSeconds: number;
}

/**
 * Queue depth by state and the age of the oldest waiting message of each queue, read when
 * Prometheus scrapes. Read from pg-boss's job table rather than getQueues(): pg-boss's cached
 * counts are only as fresh as its last monitor pass (and never refresh in a process that does not
 * supervise), while counting the live rows is one grouped query on pg-boss's own partial index
 * of live jobs. Every replica reports the same values: aggregate with max, not sum.
 */
export function registerQueueMetrics(registry: Registry, deps: QueueMetricsDeps): void {
  // Both gauges collect at once on a scrape: they share one query.
  let reading: Promise<QueueStateRow[] | undefined> | undefined;
  const read = () => {
    reading ??= readQueueStates(deps)
      .catch((error: unknown) => {
        deps.logger.warn({ err: error }, "reading queue metrics failed");
        return undefined;
      })
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };

  new Gauge<"queue" | "state">({
    name: "sumo_queue_messages",
    help: "Messages in each queue by pg-boss state: created (waiting), retry (waiting after a failed attempt), active (being worked).",
    labelNames: ["queue", "state"],
    registers: [registry],
    async collect() {
      const rows = await read();
      // No samples rather than stale ones when the database did not answer.
      this.reset();
      if (!rows) return;
      for (const queue of deps.queues) {
        for (const state of QUEUE_MESSAGE_STATES) {
          const row = rows.find((r) => r.queue === queue && r.state === state);
          this.set({ queue, state }, row?.messages ?? 0);
        }
      }
    },
  });
  new Gauge<"queue">({
    name: "sumo_queue_oldest_message_age_seconds",
    help: "Age of each queue's oldest waiting (created or retry) message since it was sent; 0 when none waits.",
    labelNames: ["queue"],
    registers: [registry],
    async collect() {
      const rows = await read();
      this.reset();
      if (!rows) return;
      for (const queue of deps.queues) {
        const ages = rows
          .filter((r) => r.queue === queue && WAITING_STATES.includes(r.state))
          .map((r) => r.oldestSeconds);
        this.set({ queue }, Math.max(0, ...ages));
      }
    },
  });
}

async function readQueueStates(deps: QueueMetricsDeps): Promise<QueueStateRow[]> {
  if (deps.queues.length === 0) return [];
  const queues = sql.join(
    deps.queues.map((queue) => sql`${queue}`),
    sql`, `,
  );
  // Literals, not parameters, so the planner can match pg-boss's partial index of live jobs.
  const states = sql.raw(QUEUE_MESSAGE_STATES.map((state) => `'${state}'`).join(", "));
  const result = await deps.db.execute<{
    queue: string;
    state: QueueMessageState;
    messages: number;
    oldest_seconds: number;
  }>(sql`
    SELECT name AS queue, state::text AS state, count(*)::int AS messages,
      EXTRACT(EPOCH FROM now() - min(created_on))::float8 AS oldest_seconds
    FROM ${sql.identifier(QUEUE_SCHEMA)}.job
    WHERE name IN (${queues}) AND state IN (${states})
    GROUP BY name, state`);
  return result.rows.map((row) => ({
    queue: row.queue,
    state: row.state,
    messages: row.messages,
    oldestSeconds: row.oldest_seconds,
  }));
}
