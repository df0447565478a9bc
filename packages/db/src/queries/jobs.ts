import type { RunSummary } from "@sumo/scenario";
import { and, eq, gt, inArray, isNotNull, lt, type SQL, sql } from "drizzle-orm";
import type { DatabaseOrTransaction } from "../client.ts";
import {
  JOB_STATUSES,
  type JobStatus,
  OPEN_JOB_STATUSES,
  statusesThatMayBecome,
} from "../job-status.ts";
import { type Job, jobs, type NewJob } from "../schema/jobs.ts";
import { tenantJobCounts } from "../schema/tenant-job-counts.ts";
import { ofTenant } from "./tenant-scope.ts";

export async function insertJob(db: DatabaseOrTransaction, job: NewJob): Promise<Job> {
  const [created] = await db.insert(jobs).values(job).returning();
  if (!created) throw new Error("INSERT ... RETURNING returned no job");
  return created;
}

/** Where a page of jobs ends: the next page starts strictly after this job. */
export interface JobCursor {
  submittedAt: Date;
  id: string;
}

export interface JobPage {
  jobs: Job[];
  /** Set when more jobs follow. */
  next: JobCursor | undefined;
}

/** A tenant's jobs, newest first, optionally in one status or of one sweep; keyset pagination. */
export async function listTenantJobs(
  db: DatabaseOrTransaction,
  params: {
    tenantId: string;
    status?: JobStatus;
    sweepId?: string;
    limit: number;
    after?: JobCursor;
  },
): Promise<JobPage> {
  return listJobsWhere(db, ofTenant(jobs.tenantId, params.tenantId), params);
}

/** Every tenant's jobs (admins), newest first, optionally of one tenant and in one status. */
export async function listAllJobs(
  db: DatabaseOrTransaction,
  params: { tenantId?: string; status?: JobStatus; limit: number; after?: JobCursor },
): Promise<JobPage> {
  const tenant =
    params.tenantId === undefined ? undefined : ofTenant(jobs.tenantId, params.tenantId);
  return listJobsWhere(db, tenant, params);
}

async function listJobsWhere(
  db: DatabaseOrTransaction,
  scope: SQL | undefined,
  params: { status?: JobStatus; sweepId?: string; limit: number; after?: JobCursor },
): Promise<JobPage> {
  const conditions: (SQL | undefined)[] = [scope];
  if (params.status) conditions.push(eq(jobs.status, params.status));
  if (params.sweepId) conditions.push(eq(jobs.sweepId, params.sweepId));
  if (params.after) {
    // A row comparison, so the cursor becomes a range of the index rather than a filter.
    conditions.push(
      sql`(${jobs.submittedAt}, ${jobs.id}) < (${params.after.submittedAt.toISOString()}::timestamptz, ${params.after.id}::uuid)`,
    );
  }
  const rows = await db
    .select()
    .from(jobs)
    .where(and(...conditions))
    // NULLS LAST as the indexes are built (drizzle's .desc()); plain DESC means NULLS FIRST,
    // which no index matches: every page would read and sort all of the matching jobs. Both
    // columns are NOT NULL, so the order itself is the same.
    .orderBy(sql`${jobs.submittedAt} desc nulls last`, sql`${jobs.id} desc nulls last`)
    .limit(params.limit + 1);
  const page = rows.slice(0, params.limit);
  const last = page.at(-1);
  return {
    jobs: page,
    next:
      rows.length > params.limit && last
        ? { submittedAt: last.submittedAt, id: last.id }
        : undefined,
  };
}

/**
 * How many of the tenant's jobs are in each status (statuses without jobs count 0), from the
 * counts the triggers keep (tenant_job_counts): a few rows however many jobs there are.
 */
export async function countTenantJobsByStatus(
  db: DatabaseOrTransaction,
  tenantId: string,
): Promise<Record<JobStatus, number>> {
  return countJobsByStatusWhere(db, ofTenant(tenantJobCounts.tenantId, tenantId));
}

/** How many jobs of all tenants are in each status (see countTenantJobsByStatus). */
export async function countAllJobsByStatus(
  db: DatabaseOrTransaction,
): Promise<Record<JobStatus, number>> {
  return countJobsByStatusWhere(db, undefined);
}

async function countJobsByStatusWhere(
  db: DatabaseOrTransaction,
  scope: SQL | undefined,
): Promise<Record<JobStatus, number>> {
  const rows = await db
    .select({ status: tenantJobCounts.status, jobs: sql<string>`sum(${tenantJobCounts.jobs})` })
    .from(tenantJobCounts)
    .where(scope)
    .groupBy(tenantJobCounts.status);
  const counts = Object.fromEntries(JOB_STATUSES.map((status) => [status, 0])) as Record<
    JobStatus,
    number
  >;
  for (const row of rows) counts[row.status] = Number(row.jobs);
  return counts;
}

/** Records where the scheduler put the job; the first call sets scheduled_at, retries keep it. */
export async function markJobScheduled(
  db: DatabaseOrTransaction,
  params: { jobId: string; namespace: string; kubernetesJobName: string; at: Date },
): Promise<void> {
  await db
    .update(jobs)
    .set({
      namespace: params.namespace,
      kubernetesJobName: params.kubernetesJobName,
      scheduledAt: sql`COALESCE(${jobs.scheduledAt}, ${params.at.toISOString()}::timestamptz)`,
      updatedAt: params.at,
    })
    .where(eq(jobs.id, params.jobId));
}

/** Ends a job FAILED with the reason, unless it has already ended. Returns whether it did. */
export async function failJob(
  db: DatabaseOrTransaction,
  params: { jobId: string; reason: string; at: Date },
): Promise<boolean> {
  const failed = await db
    .update(jobs)
    .set({
      status: "FAILED",
      failureReason: params.reason,
      finishedAt: params.at,
      updatedAt: params.at,
    })
    .where(and(eq(jobs.id, params.jobId), inArray(jobs.status, statusesThatMayBecome("FAILED"))))
    .returning({ id: jobs.id });
  return failed.length > 0;
}

/** What Kubernetes says about one job, as the reconciler derived it. */
export interface ObservedJobStatus {
  jobId: string;
  status: JobStatus;
  podName: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  exitCode: number | null;
  failureReason: string | null;
  /** The run summary the pod reported, when it ended with one. */
  result: RunSummary | null;
}

/**
 * Jobs that have not ended and should have a Kubernetes Job (the scheduler created one before
 * `scheduledBefore`): the reconciler checks each against what Kubernetes still has. In id order,
 * a page at a time: the next page starts after the last id of this one (`after`), so that,
 * however many jobs are open, every one of them is checked within a few pages.
 */
export async function listOpenScheduledJobs(
  db: DatabaseOrTransaction,
  params: { scheduledBefore: Date; after?: string | undefined; limit: number },
): Promise<Pick<Job, "id" | "namespace">[]> {
  return db
    .select({ id: jobs.id, namespace: jobs.namespace })
    .from(jobs)
    .where(
      and(
        inArray(jobs.status, [...OPEN_JOB_STATUSES]),
        lt(jobs.scheduledAt, params.scheduledBefore),
        params.after === undefined ? undefined : gt(jobs.id, params.after),
      ),
    )
    .orderBy(jobs.id)
    .limit(params.limit);
}

/** CPU and memory the tenant's RUNNING jobs hold, by the database's account. */
export async function sumTenantRunningResources(
  db: DatabaseOrTransaction,
  tenantId: string,
): Promise<{ cpu: number; memoryGi: number }> {
  const [row] = await db
    .select({
      cpu: sql<string>`COALESCE(sum(${jobs.cpuRequest}), 0)`,
      memoryGi: sql<string>`COALESCE(sum(${jobs.memoryGi}), 0)`,
    })
    .from(jobs)
    .where(and(ofTenant(jobs.tenantId, tenantId), eq(jobs.status, "RUNNING")));
  return { cpu: Number(row?.cpu ?? 0), memoryGi: Number(row?.memoryGi ?? 0) };
}

/** The tenant's jobs that have a Kubernetes Job but no running pod yet (waiting for quota or a node). */
export async function listTenantWaitingJobs(
  db: DatabaseOrTransaction,
  params: { tenantId: string; limit: number },
): Promise<Pick<Job, "id" | "cpuRequest" | "memoryGi">[]> {
  return db
    .select({ id: jobs.id, cpuRequest: jobs.cpuRequest, memoryGi: jobs.memoryGi })
    .from(jobs)
    .where(
      and(
        ofTenant(jobs.tenantId, params.tenantId),
        eq(jobs.status, "PENDING"),
        isNotNull(jobs.scheduledAt),
      ),
    )
    .limit(params.limit);
}

/**
 * Takes the turn to read a RUNNING job's progress from its log: true for at most one caller
 * (of any replica) per `intervalMs`, so however many clients watch a job, its pod's log is
 * read at most once per interval.
 */
export async function claimProgressRead(
  db: DatabaseOrTransaction,
  params: { jobId: string; intervalMs: number },
): Promise<boolean> {
  const claimed = await db
    .update(jobs)
    .set({ progressCheckedAt: sql`now()` })
    .where(
      and(
        eq(jobs.id, params.jobId),
        eq(jobs.status, "RUNNING"),
        sql`(${jobs.progressCheckedAt} IS NULL OR ${jobs.progressCheckedAt} < now() - make_interval(secs => ${params.intervalMs / 1000}))`,
      ),
    )
    .returning({ id: jobs.id });
  return claimed.length > 0;
}

/** Stores the progress read from a RUNNING job's log (an ended job keeps what it had). */
export async function recordJobProgress(
  db: DatabaseOrTransaction,
  params: { jobId: string; progress: NonNullable<Job["progress"]> },
): Promise<void> {
  await db
    .update(jobs)
    .set({ progress: params.progress })
    .where(and(eq(jobs.id, params.jobId), eq(jobs.status, "RUNNING")));
}

/** Who cancels a job: its tenant (the api) or an admin (the admin API). */
export type CancelledBy = NonNullable<Job["cancelledBy"]>;

export type CancelOutcome =
  /** It had not ended and is CANCELLED now; `previousStatus` says whether Kubernetes had it. */
  | { kind: "cancelled"; job: Job; previousStatus: JobStatus }
  /** It was CANCELLED already: cancelling is idempotent. */
  | { kind: "already-cancelled"; job: Job }
  /** It ended otherwise (SUCCEEDED, FAILED) before it could be cancelled. */
  | { kind: "ended"; job: Job }
  | { kind: "not-found" };

/**
 * Marks a job that has not ended CANCELLED, with when and by whom, and its end time (cancelJob,
 * job-cancellation.ts, also has its Kubernetes Job deleted). The row is locked first, so a concurrent status write (the reconciler's end, the queue's dispatch)
 * either lands before and is seen, or waits and then finds an ended job. `tenantId` scopes the
 * job to a tenant (the api); without it any job is found (the admin API).
 */
export async function markJobCancelled(
  db: DatabaseOrTransaction,
  params: { jobId: string; tenantId: string | undefined; by: CancelledBy; at: Date },
): Promise<CancelOutcome> {
  const scope =
    params.tenantId === undefined
      ? eq(jobs.id, params.jobId)
      : and(eq(jobs.id, params.jobId), ofTenant(jobs.tenantId, params.tenantId));
  const [current] = await db.select().from(jobs).where(scope).for("update");
  if (!current) return { kind: "not-found" };
  if (current.status === "CANCELLED") return { kind: "already-cancelled", job: current };
  if (!statusesThatMayBecome("CANCELLED").includes(current.status)) {
    return { kind: "ended", job: current };
  }
  const [cancelled] = await db
    .update(jobs)
    .set(cancelledColumns(params))
    .where(eq(jobs.id, current.id))
    .returning();
  if (!cancelled) throw new Error(`job ${current.id} vanished while locked`);
  return { kind: "cancelled", job: cancelled, previousStatus: current.status };
}

/** A job's status, for a step that must not act on a job that has ended (or was cancelled). */
export async function getJobStatus(
  db: DatabaseOrTransaction,
  jobId: string,
): Promise<JobStatus | undefined> {
  const [row] = await db.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, jobId));
  return row?.status;
}

/** What a job's row becomes when it is cancelled: ended now, by whom, its progress gone. */
export function cancelledColumns(params: { by: CancelledBy; at: Date }) {
  return {
    status: "CANCELLED" as const,
    cancelledAt: params.at,
    cancelledBy: params.by,
    finishedAt: params.at,
    progress: null,
    updatedAt: params.at,
  };
}
