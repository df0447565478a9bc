import { perRegistry } from "@sumo/metrics";
import { Counter, Histogram } from "prom-client";
import type { ScheduleOutcome } from "./schedule-job.ts";

/**
 * How one delivery of a submission ended: what scheduleJob returned (`created`,
 * `already-created` for a redelivery that found its Job, `skipped` for a job that no longer
 * needs it or a malformed message, `failed` when Kubernetes refused it for good), `retried` when
 * it threw and the queue tries again (or dead-letters it after the last retry), and
 * `dead-lettered` when a submission out of retries was marked FAILED.
 */
export const SCHEDULING_OUTCOMES = [
  "created",
  "already-created",
  "skipped",
  "failed",
  "retried",
  "dead-lettered",
] as const satisfies readonly (ScheduleOutcome["kind"] | "retried" | "dead-lettered")[];
export type SchedulingOutcome = (typeof SCHEDULING_OUTCOMES)[number];

export interface SchedulerMetrics {
  /** One delivery handled: its outcome and how long handling it took. */
  recordAttempt(outcome: SchedulingOutcome, seconds: number): void;
}

/** The scheduler's metrics in a registry (the same objects on every call with that registry). */
export const schedulerMetrics = perRegistry((registry): SchedulerMetrics => {
  const attempts = new Counter<"outcome">({
    name: "sumo_scheduler_scheduling_attempts_total",
    help: "Deliveries of job submissions handled, by outcome: created, already-created, skipped, failed, retried, dead-lettered.",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const duration = new Histogram<"outcome">({
    name: "sumo_scheduler_scheduling_duration_seconds",
    help: "Time to handle one delivery of a job submission (tenant namespace objects, the Kubernetes Job, the row update), by outcome.",
    labelNames: ["outcome"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  // Every outcome is a series from the start, so rate() and alerts see a 0, not nothing.
  for (const outcome of SCHEDULING_OUTCOMES) attempts.inc({ outcome }, 0);
  return {
    recordAttempt(outcome, seconds) {
      attempts.inc({ outcome });
      duration.observe({ outcome }, seconds);
    },
  };
});

/** The tables the retention sweep deletes rows of, as its metric labels them. */
export const RETENTION_TABLES = [
  "jobs",
  "job_logs",
  "sweeps",
  "scenario_bundles",
  "idempotency_keys",
] as const;
export type RetentionTable = (typeof RETENTION_TABLES)[number];

export interface RetentionMetrics {
  /** Rows one retention batch deleted from a table. */
  recordDeleted(table: RetentionTable, rows: number): void;
  /** One retention sweep ended, every batch it ran included. */
  recordSweep(outcome: "ok" | "failed", seconds: number): void;
}

/** The retention sweep's metrics in a registry (the same objects on every call with that registry). */
export const retentionMetrics = perRegistry((registry): RetentionMetrics => {
  const deleted = new Counter<"table">({
    name: "sumo_retention_deleted_rows_total",
    help: "Rows the retention sweep deleted, by table: jobs, job_logs, sweeps, scenario_bundles, idempotency_keys.",
    labelNames: ["table"],
    registers: [registry],
  });
  const sweeps = new Histogram<"outcome">({
    name: "sumo_retention_sweep_duration_seconds",
    help: "Time one retention sweep took, all its batches, by outcome: ok, failed.",
    labelNames: ["outcome"],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800],
    registers: [registry],
  });
  for (const table of RETENTION_TABLES) deleted.inc({ table }, 0);
  return {
    recordDeleted(table, rows) {
      if (rows > 0) deleted.inc({ table }, rows);
    },
    recordSweep(outcome, seconds) {
      sweeps.observe({ outcome }, seconds);
    },
  };
});
