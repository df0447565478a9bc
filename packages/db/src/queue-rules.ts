// The tenant queue's rules: which queued jobs may start, and why the others wait. Plain
// functions over what a caller read (under the tenant's lock when it acts on the answer): the
// scheduler's TenantQueue starts jobs by them, admission queues by them, the APIs show them.
import type { Tenant } from "./schema/tenants.ts";

/** What a tenant's jobs given to Kubernetes (PENDING, RUNNING) hold of its limits. */
export interface ActiveUse {
  jobs: number;
  cpu: number;
  memoryGi: number;
}

/** A job's size, as the queue weighs it. */
export interface QueuedJobSize {
  id: string;
  cpuRequest: number;
  memoryGi: number;
}

/**
 * Why a queued job does not start yet: its tenant has as many jobs given to Kubernetes as its
 * concurrent-job limit, or they leave too little of its CPU or memory (its namespace's
 * ResourceQuota) for this one.
 */
export type WaitingFor = "concurrent_job_limit" | "quota";

export type TenantLimits = Pick<Tenant, "maxConcurrentJobs" | "cpuLimit" | "memoryLimitGi">;

/** Why a job of this size cannot start now, or undefined when it can. */
export function waitingFor(
  tenant: TenantLimits,
  active: ActiveUse,
  job: Pick<QueuedJobSize, "cpuRequest" | "memoryGi">,
): WaitingFor | undefined {
  if (active.jobs >= tenant.maxConcurrentJobs) return "concurrent_job_limit";
  // Summed in millis: the columns are exact to 3 decimals, floats are not.
  const fits = (used: number, more: number, limit: number) =>
    Math.round(used * 1000) + Math.round(more * 1000) <= Math.round(limit * 1000);
  if (!fits(active.cpu, job.cpuRequest, tenant.cpuLimit)) return "quota";
  if (!fits(active.memoryGi, job.memoryGi, tenant.memoryLimitGi)) return "quota";
  return undefined;
}

/** Why a job can never start under these limits (larger than them), or undefined. */
export function neverFits(
  tenant: TenantLimits,
  job: Pick<QueuedJobSize, "cpuRequest" | "memoryGi">,
): string | undefined {
  const over: string[] = [];
  if (job.cpuRequest > tenant.cpuLimit) {
    over.push(`${job.cpuRequest} cores exceed the tenant's CPU limit of ${tenant.cpuLimit}`);
  }
  if (job.memoryGi > tenant.memoryLimitGi) {
    over.push(`${job.memoryGi} GiB exceed the tenant's memory limit of ${tenant.memoryLimitGi}`);
  }
  return over.length > 0 ? over.join("; ") : undefined;
}

export interface QueueStartPlan {
  /** The jobs to start now, in queue order. */
  start: string[];
  /** Jobs that can never start under the tenant's limits (lowered since they queued): FAILED. */
  neverFit: { id: string; reason: string }[];
  /** Why the rest wait, when some do. */
  waitingFor: WaitingFor | undefined;
}

/**
 * Which of a tenant's queued jobs start now: first in, first out, each while the tenant's
 * concurrent-job limit and what its active jobs leave of its quota allow it. The first that does
 * not fit stops the queue (no smaller job passes it, so a large one is never starved); one that
 * can never fit is taken out.
 */
export function planQueueStart(
  tenant: TenantLimits,
  active: ActiveUse,
  queued: readonly QueuedJobSize[],
): QueueStartPlan {
  const use = { ...active };
  const plan: QueueStartPlan = { start: [], neverFit: [], waitingFor: undefined };
  for (const job of queued) {
    const reason = neverFits(tenant, job);
    if (reason) {
      plan.neverFit.push({ id: job.id, reason });
      continue;
    }
    const wait = waitingFor(tenant, use, job);
    if (wait) {
      plan.waitingFor = wait;
      break;
    }
    plan.start.push(job.id);
    use.jobs += 1;
    use.cpu += job.cpuRequest;
    use.memoryGi += job.memoryGi;
  }
  return plan;
}
