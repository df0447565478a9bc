import { and, asc, eq, gt, inArray, sql } from "drizzle-orm";
import type { DatabaseOrTransaction } from "../client.ts";
import { ACTIVE_JOB_STATUSES } from "../job-status.ts";
import type { ActiveUse, QueuedJobSize } from "../queue-rules.ts";
import { jobs } from "../schema/jobs.ts";
import { tenantJobCounts } from "../schema/tenant-job-counts.ts";
import { ofTenant, requireTenantId } from "./tenant-scope.ts";

/** What the tenant's jobs given to Kubernetes (PENDING, RUNNING) hold of its limits. */
export async function getActiveUse(
  db: DatabaseOrTransaction,
  tenantId: string,
): Promise<ActiveUse> {
  const [row] = await db
    .select({
      jobs: sql<string>`count(*)`,
      cpu: sql<string>`COALESCE(sum(${jobs.cpuRequest}), 0)`,
      memoryGi: sql<string>`COALESCE(sum(${jobs.memoryGi}), 0)`,
    })
    .from(jobs)
    .where(and(ofTenant(jobs.tenantId, tenantId), inArray(jobs.status, [...ACTIVE_JOB_STATUSES])));
  return {
    jobs: Number(row?.jobs ?? 0),
    cpu: Number(row?.cpu ?? 0),
    memoryGi: Number(row?.memoryGi ?? 0),
  };
}

/** The tenant's QUEUED jobs, first in, first out: at most `limit`. */
export async function listQueuedJobs(
  db: DatabaseOrTransaction,
  params: { tenantId: string; limit: number },
): Promise<QueuedJobSize[]> {
  return db
    .select({ id: jobs.id, cpuRequest: jobs.cpuRequest, memoryGi: jobs.memoryGi })
    .from(jobs)
    .where(and(ofTenant(jobs.tenantId, params.tenantId), eq(jobs.status, "QUEUED")))
    .orderBy(asc(jobs.submittedAt), asc(jobs.id))
    .limit(params.limit);
}

/**
 * Moves queued jobs to PENDING: they count against the concurrent-job limit from now on. Only
 * jobs still QUEUED move (a cancelled one stays cancelled). Returns the ones that moved.
 */
export async function startQueuedJobs(
  db: DatabaseOrTransaction,
  jobIds: string[],
): Promise<{ id: string; tenantId: string }[]> {
  if (jobIds.length === 0) return [];
  return db
    .update(jobs)
    .set({ status: "PENDING", updatedAt: sql`now()` })
    .where(and(inArray(jobs.id, jobIds), eq(jobs.status, "QUEUED")))
    .returning({ id: jobs.id, tenantId: jobs.tenantId });
}

/** Tenants that have QUEUED jobs (tenant_job_counts), for a sweep over every queue. */
export async function listTenantsWithQueuedJobs(db: DatabaseOrTransaction): Promise<string[]> {
  const rows = await db
    .select({ tenantId: tenantJobCounts.tenantId })
    .from(tenantJobCounts)
    .where(and(eq(tenantJobCounts.status, "QUEUED"), gt(tenantJobCounts.jobs, 0)));
  return rows.map((row) => row.tenantId);
}

/**
 * Each of these QUEUED jobs' place in its tenant's queue (1: the next to start), by id. Jobs
 * not QUEUED (or not the tenant's) are left out.
 */
export async function queuePositions(
  db: DatabaseOrTransaction,
  params: { tenantId: string; jobIds: string[] },
): Promise<Map<string, number>> {
  if (params.jobIds.length === 0) return new Map();
  // Each job's count of queued jobs of its tenant ahead of it: an index range
  // (jobs_tenant_status_recent_idx) per job.
  const result = await db.execute<{ id: string; ahead: string }>(sql`
    SELECT job.id, (
      SELECT count(*) FROM ${jobs} AS earlier
      WHERE earlier.tenant_id = job.tenant_id AND earlier.status = 'QUEUED'
        AND (earlier.submitted_at, earlier.id) < (job.submitted_at, job.id)
    ) AS ahead
    FROM ${jobs} AS job
    WHERE job.id IN ${params.jobIds} AND job.tenant_id = ${requireTenantId(params.tenantId)}
      AND job.status = 'QUEUED'`);
  return new Map(result.rows.map((row) => [row.id, Number(row.ahead) + 1]));
}

/** What each tenant's queue holds and its active jobs use, for a page of tenants at once. */
export interface TenantQueueSummary {
  active: ActiveUse;
  queued: number;
  /** The tenant's first QUEUED job, the next to start; undefined when none waits. */
  next: QueuedJobSize | undefined;
}

/**
 * Each of these tenants' active use, queued count and next queued job, by tenant id: three
 * statements for the whole page (admin views; not tenant-scoped).
 */
export async function summarizeTenantQueues(
  db: DatabaseOrTransaction,
  tenantIds: readonly string[],
): Promise<Map<string, TenantQueueSummary>> {
  const summaries = new Map<string, TenantQueueSummary>(
    tenantIds.map((id) => [
      id,
      { active: { jobs: 0, cpu: 0, memoryGi: 0 }, queued: 0, next: undefined },
    ]),
  );
  if (tenantIds.length === 0) return summaries;
  const ids = [...tenantIds];
  const [active, queued, next] = await Promise.all([
    db
      .select({
        tenantId: jobs.tenantId,
        jobs: sql<string>`count(*)`,
        cpu: sql<string>`COALESCE(sum(${jobs.cpuRequest}), 0)`,
        memoryGi: sql<string>`COALESCE(sum(${jobs.memoryGi}), 0)`,
      })
      .from(jobs)
      .where(and(inArray(jobs.tenantId, ids), inArray(jobs.status, [...ACTIVE_JOB_STATUSES])))
      .groupBy(jobs.tenantId),
    db
      .select({ tenantId: tenantJobCounts.tenantId, jobs: tenantJobCounts.jobs })
      .from(tenantJobCounts)
      .where(and(inArray(tenantJobCounts.tenantId, ids), eq(tenantJobCounts.status, "QUEUED"))),
    db
      .selectDistinctOn([jobs.tenantId], {
        tenantId: jobs.tenantId,
        id: jobs.id,
        cpuRequest: jobs.cpuRequest,
        memoryGi: jobs.memoryGi,
      })
      .from(jobs)
      .where(and(inArray(jobs.tenantId, ids), eq(jobs.status, "QUEUED")))
      .orderBy(jobs.tenantId, asc(jobs.submittedAt), asc(jobs.id)),
  ]);
  for (const row of active) {
    const summary = summaries.get(row.tenantId);
    if (summary) {
      summary.active = {
        jobs: Number(row.jobs),
        cpu: Number(row.cpu),
        memoryGi: Number(row.memoryGi),
      };
    }
  }
  for (const row of queued) {
    const summary = summaries.get(row.tenantId);
    if (summary) summary.queued = Number(row.jobs);
  }
  for (const { tenantId, ...job } of next) {
    const summary = summaries.get(tenantId);
    if (summary) summary.next = job;
  }
  return summaries;
}
