import type { V1Job, V1Pod } from "@kubernetes/client-node";
import type { ObservedJobStatus } from "@sumo/db/queries";
import { SIMULATION_CONTAINER } from "@sumo/kubernetes";

/**
 * What a job's Kubernetes Job and pods say about it, as a platform status. The pod is the
 * earliest signal (Running, then terminated with an exit code); the Job's conditions are the
 * verdict (Complete, Failed with BackoffLimitExceeded or DeadlineExceeded). `now` stands in for
 * end times Kubernetes did not record.
 */
export function deriveJobStatus(
  jobId: string,
  kubernetesJob: V1Job | undefined,
  pods: readonly V1Pod[],
  now: Date,
): ObservedJobStatus {
  const pod = newestPod(pods);
  const container =
    pod?.status?.containerStatuses?.find((c) => c.name === SIMULATION_CONTAINER) ??
    pod?.status?.containerStatuses?.[0];
  const terminated = container?.state?.terminated;
  const phase = pod?.status?.phase;
  const conditions = kubernetesJob?.status?.conditions ?? [];
  const isTrue = (type: string) => conditions.find((c) => c.type === type && c.status === "True");
  const complete = isTrue("Complete") ?? isTrue("SuccessCriteriaMet");
  const failed = isTrue("Failed") ?? isTrue("FailureTarget");

  const base: ObservedJobStatus = {
    jobId,
    status: "PENDING",
    podName: pod?.metadata?.name ?? null,
    startedAt: null,
    finishedAt: null,
    exitCode: null,
    failureReason: null,
  };
  const startedAt =
    toDate(container?.state?.running?.startedAt) ??
    toDate(terminated?.startedAt) ??
    toDate(pod?.status?.startTime);

  if (complete || (phase === "Succeeded" && !failed)) {
    return {
      ...base,
      status: "SUCCEEDED",
      startedAt: startedAt ?? toDate(kubernetesJob?.status?.startTime),
      finishedAt:
        toDate(terminated?.finishedAt) ??
        toDate(kubernetesJob?.status?.completionTime) ??
        toDate(complete?.lastTransitionTime) ??
        now,
      exitCode: terminated?.exitCode ?? 0,
    };
  }
  if (failed || phase === "Failed") {
    return {
      ...base,
      status: "FAILED",
      startedAt,
      finishedAt: toDate(terminated?.finishedAt) ?? toDate(failed?.lastTransitionTime) ?? now,
      exitCode: terminated?.exitCode ?? null,
      failureReason: failureReason(failed?.reason, failed?.message, terminated, pod),
    };
  }
  if (phase === "Running") return { ...base, status: "RUNNING", startedAt: startedAt ?? now };
  return base;
}

function failureReason(
  jobReason: string | undefined,
  jobMessage: string | undefined,
  terminated: { reason?: string; exitCode: number; message?: string } | undefined,
  pod: V1Pod | undefined,
): string {
  if (jobReason === "DeadlineExceeded") {
    return `DeadlineExceeded: ${jobMessage ?? "the job ran longer than its deadline"}`;
  }
  if (terminated) {
    const reason = terminated.reason ?? "Error";
    return `${reason}: exit code ${terminated.exitCode}${terminated.message ? `: ${terminated.message}` : ""}`;
  }
  const podReason = pod?.status?.reason;
  if (podReason) return `${podReason}: ${pod?.status?.message ?? ""}`.trim();
  return jobReason ? `${jobReason}${jobMessage ? `: ${jobMessage}` : ""}` : "Failed";
}

/** The most recently created of a job's pods: the one whose state is the job's. */
export function newestPod(pods: readonly V1Pod[]): V1Pod | undefined {
  let found: V1Pod | undefined;
  for (const pod of pods) {
    const created = toDate(pod.metadata?.creationTimestamp)?.getTime() ?? 0;
    const best = toDate(found?.metadata?.creationTimestamp)?.getTime() ?? -1;
    if (!found || created > best) found = pod;
  }
  return found;
}

function toDate(value: Date | string | undefined | null): Date | null {
  if (value === undefined || value === null) return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}
