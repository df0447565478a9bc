// Cancelling a job or a sweep's members, for the api (a tenant's own) and the admin API (any).
import type { PgBoss } from "pg-boss";
import { type Database, transactionOnConnection } from "./client.ts";
import { isActive } from "./job-status.ts";
import { type CancelledBy, type CancelOutcome, markJobCancelled } from "./queries/jobs.ts";
import { cancelSweepMembers, getSweep, getTenantSweep } from "./queries/sweeps.ts";
import { enqueueInTransaction, JOB_CANCELLED_QUEUE } from "./queues.ts";
import type { Sweep } from "./schema/sweeps.ts";

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

export type SweepCancelOutcome =
  | { kind: "cancelled"; sweep: Sweep; cancelledMembers: number }
  | { kind: "not-found" };

/**
 * Cancels every member of a sweep that has not ended (as cancelJob cancels one, the Kubernetes
 * Jobs of those that had them deleted by the scheduler) and marks the sweep cancelled.
 * Idempotent: a sweep whose members have all ended is answered as it is. `tenantId` scopes the
 * sweep to a tenant (the api); without it any sweep is found (the admin API).
 */
export async function cancelSweep(
  deps: { db: Database; boss: PgBoss },
  params: { sweepId: string; tenantId: string | undefined; by: CancelledBy },
): Promise<SweepCancelOutcome> {
  return transactionOnConnection(deps.db, async (connection) => {
    const found =
      params.tenantId === undefined
        ? await getSweep(connection, params.sweepId)
        : await getTenantSweep(connection, { tenantId: params.tenantId, sweepId: params.sweepId });
    if (!found) return { kind: "not-found" };
    const cancelled = await cancelSweepMembers(connection, {
      sweepId: found.id,
      by: params.by,
      at: new Date(),
    });
    await enqueueInTransaction(
      deps.boss,
      connection,
      JOB_CANCELLED_QUEUE,
      cancelled
        .filter((job) => isActive(job.previousStatus))
        .map((job) => ({ data: { jobId: job.id, tenantId: job.tenantId } })),
    );
    const sweep = (await getSweep(connection, found.id)) ?? found;
    return { kind: "cancelled", sweep, cancelledMembers: cancelled.length };
  });
}
