import type {
  V1ContainerStatus,
  V1JobStatus,
  V1ObjectMeta,
  V1PodStatus,
} from "@kubernetes/client-node";
import type { ObservedJobStatus } from "@sumo/db/queries";
import { SIMULATION_CONTAINER } from "@sumo/kubernetes";
import { MAX_REASON_LENGTH, parseRunReport, type RunOutcome, type RunReport } from "@sumo/scenario";

/** What the reconciler reads of a Job or pod's metadata. */
export type ObservedMetadata = Pick<
  V1ObjectMeta,
  "name" | "namespace" | "labels" | "resourceVersion" | "creationTimestamp"
>;

/**
 * What the reconciler reads of a Kubernetes Job, and all its watch cache keeps of one
 * (keepWhatIsReadOfJob). A V1Job, as the apiserver returns it, is one.
 */
export interface ObservedJob {
  metadata?: ObservedMetadata;
  status?: Pick<V1JobStatus, "conditions" | "startTime" | "completionTime">;
}

/**
 * What the reconciler reads of a pod, and all its watch cache keeps of one (keepWhatIsReadOfPod).
 * A V1Pod, as the apiserver returns it, is one.
 */
export interface ObservedPod {
  metadata?: ObservedMetadata;
  status?: Pick<V1PodStatus, "phase" | "reason" | "message" | "startTime" | "conditions"> & {
    containerStatuses?: Pick<V1ContainerStatus, "name" | "state">[];
  };
}

/**
 * Why a job whose container exited 0 still ends FAILED: nothing shows that it simulated. A
 * job is SUCCEEDED only on the runner's report of a run that reached its end.
 */
export const NO_RUN_REPORT_REASON =
  "NoRunReport: the container exited 0 without the runner's report of a finished simulation";

/** How a failed run's reason starts, by the runner's outcome. */
const OUTCOME_REASONS: Record<Exclude<RunOutcome, "succeeded">, string> = {
  sumo_error: "SumoError",
  bad_bundle: "BadBundle",
  interrupted: "Interrupted",
  runner_error: "RunnerError",
};

/**
 * What a job's Kubernetes Job and pods say about it, as a platform status. The pod is the
 * earliest signal (Running, then terminated with an exit code and the runner's report in its
 * termination message); the Job's conditions are the verdict (Complete, Failed with
 * BackoffLimitExceeded or DeadlineExceeded). A Job Kubernetes calls Complete is SUCCEEDED only
 * with the report of a run that reached its end (NO_RUN_REPORT_REASON). `now` stands in for
 * end times Kubernetes did not record.
 */
export function deriveJobStatus(
  jobId: string,
  kubernetesJob: ObservedJob | undefined,
  pods: readonly ObservedPod[],
  now: Date,
): ObservedJobStatus {
  const conditions = kubernetesJob?.status?.conditions ?? [];
  const isTrue = (type: string) => conditions.find((c) => c.type === type && c.status === "True");
  const complete = isTrue("Complete") ?? isTrue("SuccessCriteriaMet");
  const failed = isTrue("Failed") ?? isTrue("FailureTarget");
  // A pod Kubernetes took away is replaced (the Job's podFailurePolicy): until the Job says
  // otherwise, its end is not the job's.
  const pod = newestPod(failed ? pods : pods.filter((p) => !isDisrupted(p)));
  const container =
    pod?.status?.containerStatuses?.find((c) => c.name === SIMULATION_CONTAINER) ??
    pod?.status?.containerStatuses?.[0];
  const terminated = container?.state?.terminated;
  const phase = pod?.status?.phase;

  const base: ObservedJobStatus = {
    jobId,
    status: "PENDING",
    podName: pod?.metadata?.name ?? null,
    startedAt: null,
    finishedAt: null,
    exitCode: null,
    failureReason: null,
    result: null,
  };
  const report = parseRunReport(terminated?.message);
  const startedAt =
    toDate(container?.state?.running?.startedAt) ??
    toDate(terminated?.startedAt) ??
    toDate(pod?.status?.startTime);

  if (complete || (phase === "Succeeded" && !failed)) {
    const ended = {
      ...base,
      startedAt: startedAt ?? toDate(kubernetesJob?.status?.startTime),
      finishedAt:
        toDate(terminated?.finishedAt) ??
        toDate(kubernetesJob?.status?.completionTime) ??
        toDate(complete?.lastTransitionTime) ??
        now,
      exitCode: terminated?.exitCode ?? 0,
    };
    if (report?.outcome === "succeeded" && report.summary) {
      return { ...ended, status: "SUCCEEDED", result: report.summary };
    }
    return {
      ...ended,
      status: "FAILED",
      failureReason: report ? reportReason(report) : NO_RUN_REPORT_REASON,
      result: report?.summary ?? null,
    };
  }
  if (failed || phase === "Failed") {
    // The kernel's or Kubernetes' verdict comes first: a runner whose SUMO the OOM killer took,
    // or that the deadline stopped, reports what it saw (killed, interrupted), not why.
    const killedByKubernetes =
      failed?.reason === "DeadlineExceeded" || terminated?.reason === "OOMKilled";
    return {
      ...base,
      status: "FAILED",
      startedAt,
      finishedAt: toDate(terminated?.finishedAt) ?? toDate(failed?.lastTransitionTime) ?? now,
      exitCode: terminated?.exitCode ?? null,
      failureReason:
        report && report.outcome !== "succeeded" && !killedByKubernetes
          ? reportReason(report)
          : failureReason(failed?.reason, failed?.message, terminated, pod, report),
      result: report?.summary ?? null,
    };
  }
  if (phase === "Running") return { ...base, status: "RUNNING", startedAt: startedAt ?? now };
  return base;
}

function failureReason(
  jobReason: string | undefined,
  jobMessage: string | undefined,
  terminated: { reason?: string; exitCode: number; message?: string } | undefined,
  pod: ObservedPod | undefined,
  report: RunReport | undefined,
): string {
  if (jobReason === "DeadlineExceeded") {
    return `DeadlineExceeded: ${jobMessage ?? "the job ran longer than its deadline"}`;
  }
  if (terminated?.reason === "OOMKilled") {
    const seen = report && report.outcome !== "succeeded" ? ` (${reportReason(report)})` : "";
    return `OOMKilled: the run went over its memory limit, exit code ${terminated.exitCode}${seen}`;
  }
  if (terminated) {
    const reason = terminated.reason ?? "Error";
    // No report: the message is the log's last lines (FallbackToLogsOnError), if anything.
    const message = terminated.message?.trim().slice(-MAX_REASON_LENGTH);
    return `${reason}: exit code ${terminated.exitCode}${message ? `: ${message}` : ""}`;
  }
  const podReason = pod?.status?.reason;
  if (podReason) return `${podReason}: ${pod?.status?.message ?? ""}`.trim();
  return jobReason ? `${jobReason}${jobMessage ? `: ${jobMessage}` : ""}` : "Failed";
}

/** A failed run's reason from the runner's report, e.g. `SumoError: Error: ...`. */
function reportReason(report: RunReport): string {
  const label = report.outcome === "succeeded" ? "RunnerError" : OUTCOME_REASONS[report.outcome];
  const detail =
    report.outcome === "succeeded"
      ? "the runner reported success without a summary"
      : (report.reason ?? "no reason given");
  return `${label}: ${detail}`;
}

/** Whether Kubernetes marked the pod as one it took away (DisruptionTarget). */
function isDisrupted(pod: ObservedPod): boolean {
  return (
    pod.status?.conditions?.some((c) => c.type === "DisruptionTarget" && c.status === "True") ??
    false
  );
}

/** The most recently created of a job's pods: the one whose state is the job's. */
export function newestPod<Pod extends ObservedPod>(pods: readonly Pod[]): Pod | undefined {
  let found: Pod | undefined;
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
