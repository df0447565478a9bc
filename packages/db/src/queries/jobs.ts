import { and, eq, inArray, isNotNull, lt, type SQL, sql } from "drizzle-orm";
import type { DatabaseOrTransaction } from "../client.ts";
import { preparedPerDatabase, preparedStatement, type StatementRunner } from "../prepared.ts";
import {
  ACTIVE_JOB_STATUSES,
  type Job,
  type JobStatus,
  jobs,
  type NewJob,
} from "../schema/jobs.ts";
import { tenantJobCounts } from "../schema/tenant-job-counts.ts";

export async function insertJob(db: DatabaseOrTransaction, job: NewJob): Promise<Job> {
  const [created] = await db.insert(jobs).values(job).returning();
  if (!created) throw new Error("INSERT ... RETURNING returned no job");
  return created;
}

/** A job as submitted: PENDING, nothing known about it in Kubernetes yet. */
export type SubmittedJob = Pick<
  Job,
  "id" | "tenantId" | "scenarioId" | "scenario" | "cpuRequest" | "memoryGi" | "submittedAt"
>;

/**
 * Inserts submitted jobs as PENDING in one prepared statement whose text never changes: the
 * rows travel as one JSON parameter (jsonb_to_recordset), so it is planned once per connection
 * whatever the batch. Nothing is read back: the caller has every value.
 */
export async function insertSubmittedJobs(
  db: StatementRunner,
  submitted: SubmittedJob[],
): Promise<void> {
  if (submitted.length === 0) return;
  const rows = JSON.stringify(
    submitted.map((job) => ({
      id: job.id,
      tenant_id: job.tenantId,
      scenario_id: job.scenarioId,
      scenario: job.scenario,
      cpu_request: job.cpuRequest,
      memory_gi: job.memoryGi,
      submitted_at: job.submittedAt.toISOString(),
    })),
  );
  await insertSubmitted(db, { rows });
}

const insertSubmitted = preparedStatement(
  "insert_submitted_jobs",
  sql`
    INSERT INTO ${jobs} (id, tenant_id, scenario_id, scenario, cpu_request, memory_gi, status, submitted_at, updated_at)
    SELECT id, tenant_id, scenario_id, scenario, cpu_request, memory_gi, 'PENDING', submitted_at, submitted_at
    FROM jsonb_to_recordset(${sql.placeholder("rows")}::jsonb) AS submitted(
      id uuid, tenant_id uuid, scenario_id text, scenario jsonb,
      cpu_request numeric, memory_gi numeric, submitted_at timestamptz
    )`,
);

/**
 * Jobs of each tenant that count against its concurrent-job limit (PENDING or RUNNING), from
 * tenant_job_counts. Exact only while the tenants' rows are locked (lockTenants): a tenant's
 * submissions hold that lock, and its jobs only leave these statuses, never enter them, meanwhile.
 */
export async function countActiveJobsOfTenants(
  db: DatabaseOrTransaction,
  tenantIds: string[],
): Promise<Map<string, number>> {
  const rows = await activeJobCounts(db).execute({ tenantIds });
  const active = new Map(tenantIds.map((id) => [id, 0]));
  for (const row of rows) active.set(row.tenantId, Number(row.active));
  return active;
}

const activeJobCounts = preparedPerDatabase((db) =>
  db
    .select({
      tenantId: tenantJobCounts.tenantId,
      active: sql<string>`sum(${tenantJobCounts.jobs})`,
    })
    .from(tenantJobCounts)
    .where(
      and(
        sql`${tenantJobCounts.tenantId} = ANY(${sql.placeholder("tenantIds")}::uuid[])`,
        inArray(tenantJobCounts.status, [...ACTIVE_JOB_STATUSES]),
      ),
    )
    .groupBy(tenantJobCounts.tenantId)
    .prepare("count_active_jobs"),
);

/** A job of this tenant; another tenant's job is not found, exactly like a missing one. */
export async function getTenantJob(
  db: DatabaseOrTransaction,
  params: { tenantId: string; jobId: string },
): Promise<Job | undefined> {
  const [job] = await tenantJob(db).execute(params);
  return job;
}

const tenantJob = preparedPerDatabase((db) =>
  db
    .select()
    .from(jobs)
    .where(
      and(eq(jobs.id, sql.placeholder("jobId")), eq(jobs.tenantId, sql.placeholder("tenantId"))),
    )
    .prepare("tenant_job"),
);

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

/** A tenant's jobs, newest first, optionally in one status; keyset pagination. */
export function listTenantJobs(
  db: DatabaseOrTransaction,
  params: { tenantId: string; status?: JobStatus; limit: number; after?: JobCursor },
): Promise<JobPage> {
  return listJobs(db, params);
}

/** Jobs of all tenants (admins), or of one; newest first, optionally in one status. */
export async function listJobs(
  db: DatabaseOrTransaction,
  params: { tenantId?: string; status?: JobStatus; limit: number; after?: JobCursor },
): Promise<JobPage> {
  const conditions: (SQL | undefined)[] = [];
  if (params.tenantId) conditions.push(eq(jobs.tenantId, params.tenantId));
  if (params.status) conditions.push(eq(jobs.status, params.status));
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
 * How many jobs are in each status: of one tenant, or of all (statuses without jobs count 0).
 * Reads the counts the triggers keep (tenant_job_counts): a few rows per tenant, however many
 * jobs there are.
 */
export async function countJobsByStatus(
  db: DatabaseOrTransaction,
  params: { tenantId?: string } = {},
): Promise<Record<JobStatus, number>> {
  const rows = await db
    .select({ status: tenantJobCounts.status, jobs: sql<string>`sum(${tenantJobCounts.jobs})` })
    .from(tenantJobCounts)
    .where(params.tenantId ? eq(tenantJobCounts.tenantId, params.tenantId) : undefined)
    .groupBy(tenantJobCounts.status);
  const counts: Record<JobStatus, number> = { PENDING: 0, RUNNING: 0, SUCCEEDED: 0, FAILED: 0 };
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

/** Ends a job that has not ended yet as FAILED; a job already SUCCEEDED or FAILED is left as is. */
export async function failActiveJob(
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
    .where(and(eq(jobs.id, params.jobId), inArray(jobs.status, [...ACTIVE_JOB_STATUSES])))
    .returning({ id: jobs.id });
  return failed.length > 0;
}

/** What the reconciler saw in Kubernetes for one job. */
export interface ObservedJobStatus {
  jobId: string;
  status: JobStatus;
  podName: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  exitCode: number | null;
  failureReason: string | null;
}

const STATUS_RANK = sql`CASE ${jobs.status} WHEN 'PENDING' THEN 0 WHEN 'RUNNING' THEN 1 ELSE 2 END`;
const rankOf = (status: JobStatus) => (status === "PENDING" ? 0 : status === "RUNNING" ? 1 : 2);

/**
 * Writes an observed status, only ever forwards (PENDING -> RUNNING -> SUCCEEDED / FAILED): a
 * late or replayed observation never undoes a newer one, and an ended job stays as it ended.
 * Fields already known are kept. Returns whether the row changed; an identical observation
 * (every resync repeats them) writes nothing.
 */
export async function recordObservedJobStatus(
  db: DatabaseOrTransaction,
  observed: ObservedJobStatus,
): Promise<boolean> {
  const iso = (date: Date | null) => date?.toISOString() ?? null;
  const changed = await db
    .update(jobs)
    .set({
      status: observed.status,
      podName: sql`COALESCE(${observed.podName}, ${jobs.podName})`,
      startedAt: sql`COALESCE(${jobs.startedAt}, ${iso(observed.startedAt)}::timestamptz)`,
      finishedAt: sql`COALESCE(${jobs.finishedAt}, ${iso(observed.finishedAt)}::timestamptz)`,
      exitCode: sql`COALESCE(${jobs.exitCode}, ${observed.exitCode}::integer)`,
      failureReason: sql`COALESCE(${jobs.failureReason}, ${observed.failureReason})`,
      updatedAt: sql`now()`,
    })
    .where(
      and(
        eq(jobs.id, observed.jobId),
        inArray(jobs.status, [...ACTIVE_JOB_STATUSES]),
        sql`${STATUS_RANK} <= ${rankOf(observed.status)}`,
        sql`(${jobs.status} IS DISTINCT FROM ${observed.status}::job_status
          OR (${observed.podName}::text IS NOT NULL AND ${jobs.podName} IS DISTINCT FROM ${observed.podName})
          OR (${jobs.startedAt} IS NULL AND ${iso(observed.startedAt)}::timestamptz IS NOT NULL))`,
      ),
    )
    .returning({ id: jobs.id });
  return changed.length > 0;
}

/**
 * Jobs that should have a Kubernetes Job (the scheduler created one before `scheduledBefore`)
 * and have not ended: the reconciler checks these against what Kubernetes still has.
 */
export async function listUnfinishedScheduledJobs(
  db: DatabaseOrTransaction,
  params: { scheduledBefore: Date; limit: number },
): Promise<Pick<Job, "id" | "tenantId" | "namespace" | "kubernetesJobName" | "status">[]> {
  return db
    .select({
      id: jobs.id,
      tenantId: jobs.tenantId,
      namespace: jobs.namespace,
      kubernetesJobName: jobs.kubernetesJobName,
      status: jobs.status,
    })
    .from(jobs)
    .where(
      and(
        inArray(jobs.status, [...ACTIVE_JOB_STATUSES]),
        lt(jobs.scheduledAt, params.scheduledBefore),
      ),
    )
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
    .where(and(eq(jobs.tenantId, tenantId), eq(jobs.status, "RUNNING")));
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
        eq(jobs.tenantId, params.tenantId),
        eq(jobs.status, "PENDING"),
        isNotNull(jobs.scheduledAt),
      ),
    )
    .limit(params.limit);
}
