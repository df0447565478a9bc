import { and, eq, inArray, sql } from "drizzle-orm";
import type { DatabaseOrTransaction } from "../client.ts";
import { JOB_STATUSES, type JobStatus, OPEN_JOB_STATUSES } from "../job-status.ts";
import { jobs } from "../schema/jobs.ts";
import { type NewSweep, type Sweep, sweeps } from "../schema/sweeps.ts";
import { insertSweepMembers, type StatementRunner, type SweepMember } from "./hot-paths.ts";
import { type CancelledBy, cancelledColumns } from "./jobs.ts";
import { ofTenant } from "./tenant-scope.ts";

/**
 * Stores a sweep and its members, all QUEUED, in the caller's transaction: the tenant's queue
 * (the scheduler's TenantQueue, told by the database) starts them in the members' order, which
 * their ids (UUIDv7, ascending) keep.
 */
export async function insertSweep(
  db: DatabaseOrTransaction & StatementRunner,
  sweep: NewSweep,
  members: SweepMember[],
): Promise<Sweep> {
  if (members.length !== sweep.memberCount) {
    throw new Error(`a sweep of ${sweep.memberCount} members given ${members.length}`);
  }
  const [created] = await db.insert(sweeps).values(sweep).returning();
  if (!created) throw new Error("INSERT ... RETURNING returned no sweep");
  await insertSweepMembers(db, created.id, members);
  return created;
}

export async function getTenantSweep(
  db: DatabaseOrTransaction,
  params: { tenantId: string; sweepId: string },
): Promise<Sweep | undefined> {
  const [sweep] = await db
    .select()
    .from(sweeps)
    .where(and(eq(sweeps.id, params.sweepId), ofTenant(sweeps.tenantId, params.tenantId)));
  return sweep;
}

export async function getSweep(
  db: DatabaseOrTransaction,
  sweepId: string,
): Promise<Sweep | undefined> {
  const [sweep] = await db.select().from(sweeps).where(eq(sweeps.id, sweepId));
  return sweep;
}

export interface SweepCursor {
  createdAt: Date;
  id: string;
}

/** Sweeps newest first, of one tenant or (for admins) all: a page of `limit` after `after`. */
export async function listSweeps(
  db: DatabaseOrTransaction,
  params: { tenantId?: string; limit: number; after?: SweepCursor },
): Promise<{ sweeps: Sweep[]; next: SweepCursor | undefined }> {
  const rows = await db
    .select()
    .from(sweeps)
    .where(
      and(
        params.tenantId === undefined ? undefined : ofTenant(sweeps.tenantId, params.tenantId),
        params.after
          ? sql`(${sweeps.createdAt}, ${sweeps.id}) < (${params.after.createdAt.toISOString()}::timestamptz, ${params.after.id}::uuid)`
          : undefined,
      ),
    )
    // NULLS LAST, as the indexes are built (see listJobsWhere).
    .orderBy(sql`${sweeps.createdAt} desc nulls last`, sql`${sweeps.id} desc nulls last`)
    .limit(params.limit + 1);
  const page = rows.slice(0, params.limit);
  const last = page.at(-1);
  return {
    sweeps: page,
    next:
      rows.length > params.limit && last ? { createdAt: last.createdAt, id: last.id } : undefined,
  };
}

/** How many of a sweep's members are in each status (every status, 0 when none). */
export async function countSweepMembersByStatus(
  db: DatabaseOrTransaction,
  sweepId: string,
): Promise<Record<JobStatus, number>> {
  const rows = await db
    .select({ status: jobs.status, n: sql<string>`count(*)` })
    .from(jobs)
    .where(eq(jobs.sweepId, sweepId))
    .groupBy(jobs.status);
  const counts = Object.fromEntries(JOB_STATUSES.map((status) => [status, 0])) as Record<
    JobStatus,
    number
  >;
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}

/** The run summary's numbers a sweep's results are aggregated over, by name and JSON path. */
export const SWEEP_METRICS = {
  "vehicles.loaded": ["vehicles", "loaded"],
  "vehicles.inserted": ["vehicles", "inserted"],
  "vehicles.arrived": ["vehicles", "arrived"],
  "vehicles.running": ["vehicles", "running"],
  "vehicles.waiting": ["vehicles", "waiting"],
  "vehicles.teleported": ["vehicles", "teleported"],
  "vehicles.collided": ["vehicles", "collided"],
  "trips.count": ["trips", "count"],
  "trips.mean_route_length_m": ["trips", "mean_route_length_m"],
  "trips.mean_speed_mps": ["trips", "mean_speed_mps"],
  "trips.mean_travel_time_s": ["trips", "mean_travel_time_s"],
  "trips.mean_waiting_time_s": ["trips", "mean_waiting_time_s"],
  "trips.mean_time_loss_s": ["trips", "mean_time_loss_s"],
  "trips.mean_depart_delay_s": ["trips", "mean_depart_delay_s"],
  simulated_seconds: ["simulated_seconds"],
  wall_seconds: ["wall_seconds"],
  real_time_factor: ["real_time_factor"],
} as const satisfies Record<string, readonly string[]>;
export type SweepMetric = keyof typeof SWEEP_METRICS;

export interface MetricStatistics {
  count: number;
  mean: number;
  /** The sample standard deviation; null with one value. */
  stddev: number | null;
  min: number;
  p5: number;
  p50: number;
  p95: number;
  max: number;
}

/**
 * Each metric of the run summary over the sweep's SUCCEEDED members: count, mean, sample
 * standard deviation, min, the 5th, 50th and 95th percentiles (interpolated) and max. A metric
 * no member reported is left out.
 */
export async function aggregateSweepResults(
  db: DatabaseOrTransaction,
  sweepId: string,
): Promise<Partial<Record<SweepMetric, MetricStatistics>>> {
  const values = sql.join(
    Object.entries(SWEEP_METRICS).map(
      ([name, path]) => sql`(${name}, (${jobs.result} #>> ${`{${path.join(",")}}`})::float8)`,
    ),
    sql`, `,
  );
  const result = await db.execute<{
    name: SweepMetric;
    count: string;
    mean: number;
    stddev: number | null;
    min: number;
    percentiles: number[];
    max: number;
  }>(sql`
    SELECT metric.name, count(metric.value) AS count, avg(metric.value) AS mean,
      stddev_samp(metric.value) AS stddev, min(metric.value) AS min,
      percentile_cont(ARRAY[0.05, 0.5, 0.95]) WITHIN GROUP (ORDER BY metric.value) AS percentiles,
      max(metric.value) AS max
    FROM ${jobs} CROSS JOIN LATERAL (VALUES ${values}) AS metric(name, value)
    WHERE ${jobs.sweepId} = ${sweepId} AND ${jobs.status} = 'SUCCEEDED' AND metric.value IS NOT NULL
    GROUP BY metric.name`);
  const statistics: Partial<Record<SweepMetric, MetricStatistics>> = {};
  for (const row of result.rows) {
    const [p5 = row.min, p50 = row.min, p95 = row.max] = row.percentiles;
    statistics[row.name] = {
      count: Number(row.count),
      mean: row.mean,
      stddev: row.stddev,
      min: row.min,
      p5,
      p50,
      p95,
      max: row.max,
    };
  }
  return statistics;
}

/**
 * Cancels every member of a sweep that has not ended, and marks the sweep cancelled, in the
 * caller's transaction (rows locked first, as markJobCancelled does). Returns the members it
 * cancelled with the status each had: those that were PENDING or RUNNING need their Kubernetes
 * Jobs deleted.
 */
export async function cancelSweepMembers(
  db: DatabaseOrTransaction,
  params: { sweepId: string; by: CancelledBy; at: Date },
): Promise<{ id: string; tenantId: string; previousStatus: JobStatus }[]> {
  const open = await db
    .select({ id: jobs.id, tenantId: jobs.tenantId, status: jobs.status })
    .from(jobs)
    .where(and(eq(jobs.sweepId, params.sweepId), inArray(jobs.status, [...OPEN_JOB_STATUSES])))
    .orderBy(jobs.id)
    .for("update");
  if (open.length > 0) {
    await db
      .update(jobs)
      .set(cancelledColumns(params))
      .where(
        inArray(
          jobs.id,
          open.map((job) => job.id),
        ),
      );
  }
  await db
    .update(sweeps)
    .set({
      cancelledAt: sql`COALESCE(${sweeps.cancelledAt}, ${params.at.toISOString()}::timestamptz)`,
      cancelledBy: sql`COALESCE(${sweeps.cancelledBy}, ${params.by})`,
    })
    .where(eq(sweeps.id, params.sweepId));
  return open.map((job) => ({ id: job.id, tenantId: job.tenantId, previousStatus: job.status }));
}
