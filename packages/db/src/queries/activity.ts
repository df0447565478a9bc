import { type SQL, sql } from "drizzle-orm";
import type { DatabaseOrTransaction } from "../client.ts";
import { OPEN_JOB_STATUSES } from "../job-status.ts";
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
  const open = sql.join(
    OPEN_JOB_STATUSES.map((status) => sql`${status}`),
    sql`, `,
  );
  // Every job with an event in the window was submitted in it, ended in it, or has not ended
  // (one that started in it and ended has ended in it too): three index range scans, so the
  // cost follows the window's jobs, not the tenant's whole history.
  const result = await db.execute<ActivityRow>(sql`
    WITH touched AS (
      SELECT id, status, submitted_at, started_at, finished_at FROM ${jobs}
        WHERE ${inScope} submitted_at >= ${since}
      UNION
      SELECT id, status, submitted_at, started_at, finished_at FROM ${jobs}
        WHERE ${inScope} finished_at >= ${since}
      UNION
      SELECT id, status, submitted_at, started_at, finished_at FROM ${jobs}
        WHERE ${inScope} status IN (${open})
    ),
    events AS (
      SELECT ${bin(sql`submitted_at`)} AS bucket, 'submitted' AS kind, NULL::job_status AS status,
             false AS after_start, NULL::double precision AS seconds
        FROM touched WHERE submitted_at >= ${since}
      UNION ALL
      SELECT ${bin(sql`started_at`)}, 'started', NULL, false, NULL
        FROM touched WHERE started_at >= ${since}
      UNION ALL
      SELECT ${bin(sql`finished_at`)}, 'ended', status, started_at IS NOT NULL,
             extract(epoch FROM finished_at - started_at)::double precision
        FROM touched WHERE finished_at >= ${since}
    )
    SELECT bucket,
      count(*) FILTER (WHERE kind = 'submitted')::int AS submitted,
      count(*) FILTER (WHERE kind = 'started')::int AS started,
      count(*) FILTER (WHERE kind = 'ended' AND status = 'SUCCEEDED')::int AS succeeded,
      count(*) FILTER (WHERE kind = 'ended' AND status = 'FAILED')::int AS failed,
      count(*) FILTER (WHERE kind = 'ended' AND status = 'CANCELLED')::int AS cancelled,
      count(*) FILTER (WHERE kind = 'ended' AND after_start)::int AS ended_after_start,
      count(*) FILTER (WHERE kind = 'ended' AND NOT after_start)::int AS ended_before_start,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds)
        FILTER (WHERE kind = 'ended' AND status = 'SUCCEEDED' AND after_start) AS p50,
      percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds)
        FILTER (WHERE kind = 'ended' AND status = 'SUCCEEDED' AND after_start) AS p90,
      max(seconds) FILTER (WHERE kind = 'ended' AND status = 'SUCCEEDED' AND after_start) AS max
    FROM events
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
