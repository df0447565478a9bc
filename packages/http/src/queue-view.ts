import type { DatabaseOrTransaction } from "@sumo/db/client";
import { getActiveUse, getTenant, listQueuedJobs, queuePositions } from "@sumo/db/queries";
import { planQueueStart } from "@sumo/db/queue-rules";
import type { Job } from "@sumo/db/schema";
import { type JobView, toJobView } from "./job-view.ts";

/**
 * Jobs as the APIs show them, a QUEUED job with its place in its tenant's queue and why the
 * queue waits (as the scheduler's TenantQueue would decide now). All of one tenant. Costs
 * nothing more when none is QUEUED.
 */
export async function toJobViewsWithQueue(
  db: DatabaseOrTransaction,
  tenantId: string,
  jobs: readonly Job[],
): Promise<JobView[]> {
  const queued = jobs.filter((job) => job.status === "QUEUED").map((job) => job.id);
  if (queued.length === 0) return jobs.map(toJobView);
  const [positions, tenant, active, head] = await Promise.all([
    queuePositions(db, { tenantId, jobIds: queued }),
    getTenant(db, tenantId),
    getActiveUse(db, tenantId),
    listQueuedJobs(db, { tenantId, limit: 1 }),
  ]);
  const waitingFor = tenant ? (planQueueStart(tenant, active, head).waitingFor ?? null) : null;
  return jobs.map((job) => {
    const view = toJobView(job);
    const position = positions.get(job.id);
    return position === undefined
      ? view
      : { ...view, queue: { position, waiting_for: waitingFor } };
  });
}

/** One job as the APIs show it (toJobViewsWithQueue). */
export async function toJobViewWithQueue(db: DatabaseOrTransaction, job: Job): Promise<JobView> {
  const [view] = await toJobViewsWithQueue(db, job.tenantId, [job]);
  return view ?? toJobView(job);
}
