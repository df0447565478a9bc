// Cancelling a job, for the api (a tenant's own jobs) and the admin API (any job).
import type { PgBoss } from "pg-boss";
import { type Database, transactionOnConnection } from "./client.ts";
import { isActive } from "./job-status.ts";
import { type CancelledBy, type CancelOutcome, markJobCancelled } from "./queries/jobs.ts";
import { enqueueInTransaction, JOB_CANCELLED_QUEUE } from "./queues.ts";

/**
 * Cancels a job that has not ended. When Kubernetes may have it (it was PENDING or RUNNING), a
 * JOB_CANCELLED message in the same transaction has the scheduler delete its Kubernetes Job, and
 * with it the pod: SUMO gets SIGTERM. A QUEUED job never reached Kubernetes: its row is all there
 * is. The job stops counting against its tenant's concurrent-job limit at once.
 */
export async function cancelJob(
  deps: { db: Database; boss: PgBoss },
  params: { jobId: string; tenantId: string | undefined; by: CancelledBy },
): Promise<CancelOutcome> {
  return transactionOnConnection(deps.db, async (connection) => {
    const outcome = await markJobCancelled(connection, { ...params, at: new Date() });
    if (outcome.kind === "cancelled" && isActive(outcome.previousStatus)) {
      await enqueueInTransaction(deps.boss, connection, JOB_CANCELLED_QUEUE, [
        { data: { jobId: outcome.job.id, tenantId: outcome.job.tenantId } },
      ]);
    }
    return outcome;
  });
}
