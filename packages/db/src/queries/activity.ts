import { type SQL, sql } from "drizzle-orm";
import type { DatabaseOrTransaction } from "../client.ts";
import { jobs } from "../schema/jobs.ts";
import { ofTenant } from "./tenant-scope.ts";

/** What happened to jobs in one interval of time, from their timestamps. */
export interface ActivityBucket {
  /** Where the interval starts; it lasts the period's step. */
  start: Date;
  submitted: number;
  /** Jobs whose pod started in the interval (started_at). */
  started: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  /** Jobs that ended in the interval having started (for the running count over time). */
  endedAfterStart: number;
  /** Jobs that ended in the interval without ever starting (cancelled or refused while waiting). */
  endedBeforeStart: number;
  /** Run time (started to finished) of the jobs that SUCCEEDED in the interval; null: none did. */
  runSeconds: { p50: number; p90: number; max: number } | null;
}

export interface ActivityWindow {
  /** The first interval's start (aligned to the step, counted from the Unix epoch in UTC). */
  since: Date;
  stepSeconds: number;
}

/**
 * A tenant's job activity in `window`: per interval, the jobs submitted, started and ended (by
 * status), and the run time of those that succeeded. Intervals with nothing in them are absent.
 * Each kind of event is read by its own timestamp; the jobs' partial index by finish time
 * (jobs_tenant_finished_idx) serves the ended ones.
 */
export function tenantJobActivity(
  db: DatabaseOrTransaction,
  params: ActivityWindow & { tenantId: string },
): Promise<ActivityBucket[]> {
  return jobActivityWhere(db, params, ofTenant(jobs.tenantId, params.tenantId));
}

/** Every tenant's job activity in `window` (see tenantJobActivity). */
export function platformJobActivity(
  db: DatabaseOrTransaction,
  params: ActivityWindow,
): Promise<ActivityBucket[]> {
  return jobActivityWhere(db, params, undefined);
}

interface ActivityRow extends Record<string, unknown> {
  bucket: Date | string;
  submitted: number;
  started: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  ended_after_start: number;
  ended_before_start: number;
  p50: number | null;
  p90: number | null;
  max: number | null;
}

async function jobActivityWhere(
  db: DatabaseOrTransaction,
  window: ActivityWindow,
  scope: SQL | undefined,
): Promise<ActivityBucket[]> {
  const since = sql`${window.since.toISOString()}::timestamptz`;
  const step = sql`make_interval(secs => ${window.stepSeconds})`;
  const bin = (column: SQL) => sql`date_bin(${step}, ${column}, TIMESTAMPTZ 'epoch')`;
  const inScope = scope ? sql`${scope} AND` : sql``;
  const runSeconds = sql`extract(epoch FROM finished_at - started_at)::double precision`;
  const succeededRun = sql`status = 'SUCCEEDED' AND started_at IS NOT NULL`;
  // Each kind of event counted on its own, grouped by hashing (one pass over the jobs each,
  // no row per event), then the three joined by interval.
  const result = await db.execute<ActivityRow>(sql`
    SELECT bucket,
      sum(submitted)::int AS submitted, sum(started)::int AS started,
      sum(succeeded)::int AS succeeded, sum(failed)::int AS failed,
      sum(cancelled)::int AS cancelled, sum(ended_after_start)::int AS ended_after_start,
      sum(ended_before_start)::int AS ended_before_start,
      max(p50) AS p50, max(p90) AS p90, max(longest) AS max
    FROM (
      SELECT ${bin(sql`submitted_at`)} AS bucket, count(*) AS submitted, 0 AS started,
        0 AS succeeded, 0 AS failed, 0 AS cancelled, 0 AS ended_after_start,
        0 AS ended_before_start, NULL::double precision AS p50, NULL::double precision AS p90,
        NULL::double precision AS longest
      FROM ${jobs} WHERE ${inScope} submitted_at >= ${since} GROUP BY 1
      UNION ALL
      SELECT ${bin(sql`started_at`)}, 0, count(*), 0, 0, 0, 0, 0, NULL, NULL, NULL
      FROM ${jobs} WHERE ${inScope} started_at >= ${since} GROUP BY 1
      UNION ALL
      SELECT ${bin(sql`finished_at`)}, 0, 0,
        count(*) FILTER (WHERE status = 'SUCCEEDED'),
        count(*) FILTER (WHERE status = 'FAILED'),
        count(*) FILTER (WHERE status = 'CANCELLED'),
        count(*) FILTER (WHERE started_at IS NOT NULL),
        count(*) FILTER (WHERE started_at IS NULL),
        percentile_cont(0.5) WITHIN GROUP (ORDER BY ${runSeconds}) FILTER (WHERE ${succeededRun}),
        percentile_cont(0.9) WITHIN GROUP (ORDER BY ${runSeconds}) FILTER (WHERE ${succeededRun}),
        max(${runSeconds}) FILTER (WHERE ${succeededRun})
      FROM ${jobs} WHERE ${inScope} finished_at >= ${since} GROUP BY 1
    ) AS kinds
    GROUP BY bucket
    ORDER BY bucket
  `);
  return result.rows.map((row) => ({
    start: new Date(row.bucket),
    submitted: row.submitted,
    started: row.started,
    succeeded: row.succeeded,
    failed: row.failed,
    cancelled: row.cancelled,
    endedAfterStart: row.ended_after_start,
    endedBeforeStart: row.ended_before_start,
    runSeconds:
      row.p50 === null || row.p90 === null || row.max === null
        ? null
        : { p50: row.p50, p90: row.p90, max: row.max },
  }));
}
