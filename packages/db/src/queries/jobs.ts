import { and, count, desc, eq, inArray, lt, or, type SQL } from "drizzle-orm";
import type { DatabaseOrTransaction } from "../client.ts";
import {
  ACTIVE_JOB_STATUSES,
  type Job,
  type JobStatus,
  jobs,
  type NewJob,
} from "../schema/jobs.ts";

export async function insertJob(db: DatabaseOrTransaction, job: NewJob): Promise<Job> {
  const [created] = await db.insert(jobs).values(job).returning();
  if (!created) throw new Error("INSERT ... RETURNING returned no job");
  return created;
}

/** Jobs of the tenant that count against its concurrent-job limit (PENDING or RUNNING). */
export async function countActiveJobs(
  db: DatabaseOrTransaction,
  tenantId: string,
): Promise<number> {
  const [row] = await db
    .select({ active: count() })
    .from(jobs)
    .where(and(eq(jobs.tenantId, tenantId), inArray(jobs.status, [...ACTIVE_JOB_STATUSES])));
  return row?.active ?? 0;
}

/** A job of this tenant; another tenant's job is not found, exactly like a missing one. */
export async function getTenantJob(
  db: DatabaseOrTransaction,
  params: { tenantId: string; jobId: string },
): Promise<Job | undefined> {
  const [job] = await db
    .select()
    .from(jobs)
    .where(and(eq(jobs.id, params.jobId), eq(jobs.tenantId, params.tenantId)));
  return job;
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

/** A tenant's jobs, newest first, optionally in one status; keyset pagination. */
export async function listTenantJobs(
  db: DatabaseOrTransaction,
  params: { tenantId: string; status?: JobStatus; limit: number; after?: JobCursor },
): Promise<JobPage> {
  const conditions: (SQL | undefined)[] = [eq(jobs.tenantId, params.tenantId)];
  if (params.status) conditions.push(eq(jobs.status, params.status));
  if (params.after) {
    conditions.push(
      or(
        lt(jobs.submittedAt, params.after.submittedAt),
        and(eq(jobs.submittedAt, params.after.submittedAt), lt(jobs.id, params.after.id)),
      ),
    );
  }
  const rows = await db
    .select()
    .from(jobs)
    .where(and(...conditions))
    .orderBy(desc(jobs.submittedAt), desc(jobs.id))
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
