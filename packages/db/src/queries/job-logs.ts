import { and, eq } from "drizzle-orm";
import type { DatabaseOrTransaction } from "../client.ts";
import { type JobLog, jobLogs } from "../schema/job-logs.ts";
import { jobs } from "../schema/jobs.ts";

/** Keeps a finished job's last log lines as given (the reconciler caps them); the first capture wins. */
export async function saveJobLog(
  db: DatabaseOrTransaction,
  log: { jobId: string; lines: string[] },
): Promise<void> {
  await db
    .insert(jobLogs)
    .values({ jobId: log.jobId, content: log.lines.join("\n"), lineCount: log.lines.length })
    .onConflictDoNothing();
}

export async function hasJobLog(db: DatabaseOrTransaction, jobId: string): Promise<boolean> {
  const [row] = await db
    .select({ jobId: jobLogs.jobId })
    .from(jobLogs)
    .where(eq(jobLogs.jobId, jobId));
  return row !== undefined;
}

/** A job's kept log, only for the tenant that owns the job. */
export async function getTenantJobLog(
  db: DatabaseOrTransaction,
  params: { tenantId: string; jobId: string },
): Promise<JobLog | undefined> {
  const [row] = await db
    .select({ log: jobLogs })
    .from(jobLogs)
    .innerJoin(jobs, eq(jobs.id, jobLogs.jobId))
    .where(and(eq(jobLogs.jobId, params.jobId), eq(jobs.tenantId, params.tenantId)));
  return row?.log;
}
