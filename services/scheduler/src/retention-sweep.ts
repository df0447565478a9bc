import type { Database } from "@sumo/db/client";
import {
  deleteEndedJobs,
  deleteEndedSweeps,
  deleteExpiredIdempotencyRecords,
  type RetentionDeleted,
} from "@sumo/db/queries";
import { RETENTION_SWEEP_QUEUE } from "@sumo/db/queues";
import type { PgBoss } from "pg-boss";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import {
  type RetentionMetrics,
  type RetentionTable,
  retentionMetrics,
} from "./scheduler-metrics.ts";

export interface RetentionSweepDeps {
  db: Database;
  boss: PgBoss;
  logger: Logger;
  /** Where deleted rows and sweep durations are recorded (scheduler-metrics.ts). */
  metricsRegistry: Registry;
  /**
   * How long an ended job (with its kept log and result), and an ended sweep, stay after their
   * end; 0 keeps them for ever. Expired Idempotency-Keys go whatever this is.
   */
  jobRetentionMs: number;
  /** Jobs (or Idempotency-Key records) deleted per transaction. */
  batchSize: number;
  /** How often this replica asks for a sweep. */
  intervalMs: number;
}

/** Rows one sweep deleted, by table. */
export type RetentionTotals = Record<RetentionTable, number>;

/**
 * Deletes what the platform keeps no longer, in small batches, each its own short
 * transaction: expired Idempotency-Key records, then jobs ended longer than the retention ago
 * with their kept logs, then sweeps whose members have all ended that long ago, and the bundles
 * nothing names any more (packages/db/src/queries/retention.ts). A batch locks only rows nothing
 * uses any more, so submissions never wait for it. Every replica asks for a sweep at start and
 * every `intervalMs` (RETENTION_SWEEP_QUEUE, whose policy keeps one message at a time): one
 * replica sweeps while the others' asks are dropped.
 */
export class RetentionSweep {
  readonly #deps: RetentionSweepDeps;
  readonly #metrics: RetentionMetrics;
  #timer: NodeJS.Timeout | undefined;
  #started = false;
  /** Aborted by stop(): a sweep in hand ends after its current batch. */
  readonly #stopping = new AbortController();

  constructor(deps: RetentionSweepDeps) {
    this.#deps = deps;
    this.#metrics = retentionMetrics(deps.metricsRegistry);
  }

  async start(): Promise<void> {
    await this.#deps.boss.work(
      RETENTION_SWEEP_QUEUE,
      { batchSize: 1, pollingIntervalSeconds: 10 },
      async ([message]) => {
        await this.run(message?.signal);
      },
    );
    this.#started = true;
    await this.request();
    this.#timer = setInterval(() => void this.request(), this.#deps.intervalMs);
    this.#timer.unref();
  }

  /** Stops asking and taking sweeps, and waits for a sweep in hand to end its current batch. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#stopping.abort();
    if (!this.#started) return;
    this.#started = false;
    await this.#deps.boss.offWork(RETENTION_SWEEP_QUEUE, { wait: true });
  }

  /** Asks for a sweep; none is added while one waits or runs. */
  async request(): Promise<void> {
    try {
      await this.#deps.boss.send(RETENTION_SWEEP_QUEUE, {});
    } catch (error) {
      this.#deps.logger.warn(
        { err: error },
        "asking for a retention sweep failed; next period asks again",
      );
    }
  }

  /**
   * One sweep: batch after batch until each kind has nothing more to delete, `signal` says the
   * message is no longer this replica's, or the sweep is stopped. Returns what it deleted.
   */
  async run(signal?: AbortSignal): Promise<RetentionTotals> {
    const started = performance.now();
    const totals: RetentionTotals = {
      jobs: 0,
      job_logs: 0,
      sweeps: 0,
      scenario_bundles: 0,
      idempotency_keys: 0,
    };
    const record = (table: RetentionTable, rows: number) => {
      totals[table] += rows;
      this.#metrics.recordDeleted(table, rows);
    };
    const recordBatch = (deleted: RetentionDeleted) => {
      record("jobs", deleted.jobs);
      record("job_logs", deleted.jobLogs);
      record("sweeps", deleted.sweeps);
      record("scenario_bundles", deleted.scenarioBundles);
    };
    const { db, batchSize: limit, jobRetentionMs } = this.#deps;
    const going = () => !signal?.aborted && !this.#stopping.signal.aborted;
    try {
      for (let full = true; full && going(); ) {
        const deleted = await db.transaction((tx) =>
          deleteExpiredIdempotencyRecords(tx, { limit }),
        );
        record("idempotency_keys", deleted);
        full = deleted === limit;
      }
      if (jobRetentionMs > 0) {
        const endedBefore = new Date(Date.now() - jobRetentionMs);
        for (let full = true; full && going(); ) {
          const deleted = await db.transaction((tx) => deleteEndedJobs(tx, { endedBefore, limit }));
          recordBatch(deleted);
          full = deleted.jobs === limit;
        }
        for (let more = true; more && going(); ) {
          const deleted = await db.transaction((tx) =>
            deleteEndedSweeps(tx, { endedBefore, limit }),
          );
          recordBatch(deleted);
          more = deleted.jobs > 0 || deleted.sweeps > 0;
        }
      }
    } catch (error) {
      this.#metrics.recordSweep("failed", (performance.now() - started) / 1000);
      this.#deps.logger.warn(
        { err: error, deleted: totals },
        "retention sweep failed; next period retries",
      );
      throw error;
    }
    const ms = performance.now() - started;
    this.#metrics.recordSweep("ok", ms / 1000);
    if (Object.values(totals).some((rows) => rows > 0)) {
      this.#deps.logger.info({ deleted: totals, ms: Math.round(ms) }, "retention sweep");
    }
    return totals;
  }
}
