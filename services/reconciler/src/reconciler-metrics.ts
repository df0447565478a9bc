import { assertNever } from "@sumo/db/job-status";
import type { ObservedJobStatus } from "@sumo/db/queries";
import { perRegistry } from "@sumo/metrics";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export const INFORMER_RESTART_REASONS = ["watch-error", "stalled"] as const;
export type InformerRestartReason = (typeof INFORMER_RESTART_REASONS)[number];

/** Every series a counter will have starts at 0, so rate() and alerts see a 0, not nothing. */
function zeroed<Label extends string>(
  counter: Counter<Label>,
  series: Partial<Record<Label, string>>[],
): Counter<Label> {
  for (const labels of series) counter.inc(labels, 0);
  return counter;
}

/** The reconciler's metrics in a registry (the same objects on every call with that registry). */
export const reconcilerMetrics = perRegistry((registry) => ({
  syncLag: new Histogram<"status">({
    name: "sumo_reconciler_sync_lag_seconds",
    help: "Time from a job's change in Kubernetes (its container's startedAt for RUNNING, finishedAt for SUCCEEDED and FAILED) to the database write, by the status written. Kubernetes timestamps have whole seconds: up to 1 s of it is rounding.",
    labelNames: ["status"],
    buckets: [0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  }),
  resyncDuration: new Histogram<"outcome">({
    name: "sumo_reconciler_resync_duration_seconds",
    help: "Time of a full resync (list every platform Job and pod, sync each job, resolve vanished ones), by outcome: ok or failed.",
    labelNames: ["outcome"],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  }),
  queueWait: new Histogram<"source">({
    name: "sumo_reconciler_queue_wait_seconds",
    help: "Time a job waited in the reconcile queue, from when it was named to when its reconcile started, by what named it: watch (a Job or pod event), resync, or retry.",
    labelNames: ["source"],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  }),
  informerRestarts: zeroed(
    new Counter<"reason">({
      name: "sumo_reconciler_informer_restarts_total",
      help: "Restarts of the Job and pod watches, by reason: watch-error (a watch failed and stopped), stalled (the watch cache fell behind the apiserver's lists).",
      labelNames: ["reason"],
      registers: [registry],
    }),
    INFORMER_RESTART_REASONS.map((reason) => ({ reason })),
  ),
  leader: new Gauge({
    name: "sumo_reconciler_leader",
    help: "1 while this replica holds the leader lock and reconciles, 0 while it stands by.",
    registers: [registry],
  }),
}));

/**
 * Seconds from the Kubernetes event an observed status stands for (the container started, the
 * container or Job finished) to `writtenAt`. Undefined for PENDING, which has no such event. A
 * node clock ahead of ours reads as 0, not as a negative lag.
 */
export function syncLagSeconds(observed: ObservedJobStatus, writtenAt: Date): number | undefined {
  const changedAt = changeTime(observed);
  if (!changedAt) return undefined;
  return Math.max(0, (writtenAt.getTime() - changedAt.getTime()) / 1000);
}

function changeTime(observed: ObservedJobStatus): Date | null {
  switch (observed.status) {
    // QUEUED and CANCELLED are the platform's own, never observed in Kubernetes.
    case "QUEUED":
    case "CANCELLED":
    case "PENDING":
      return null;
    case "RUNNING":
      return observed.startedAt;
    case "SUCCEEDED":
    case "FAILED":
      return observed.finishedAt;
    default:
      return assertNever(observed.status);
  }
}

/**
 * `sumo_reconciler_held{structure}`: how many jobs (or objects) each in-memory structure of the
 * leading reconciler holds, read at each scrape from the source set last (JobReconciler.heldJobs;
 * a replica leads again with a new JobReconciler, so the gauge is made once per registry and
 * its source replaced). It stays within the jobs not yet ended and those whose objects
 * Kubernetes still has, however many have ended. Nothing while the replica does not lead.
 */
export const heldJobsGauge = perRegistry((registry: Registry) => {
  let source: (() => Record<string, number>) | undefined;
  new Gauge<"structure">({
    name: "sumo_reconciler_held",
    help: "Jobs or objects each in-memory structure of the leading reconciler holds: converged (jobs known in step), deletedJobs (deleted Jobs' last states), cachedJobs and cachedPods (the watches' caches), waiting, running and failing (the reconcile queue).",
    labelNames: ["structure"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [structure, count] of Object.entries(source?.() ?? {})) {
        this.set({ structure }, count);
      }
    },
  });
  return {
    /** Reads `held` from now on. */
    readFrom(held: () => Record<string, number>): void {
      source = held;
    },
    /** Stops reading `held`, unless another source replaced it meanwhile. */
    stopReading(held: () => Record<string, number>): void {
      if (source === held) source = undefined;
    },
  };
});
