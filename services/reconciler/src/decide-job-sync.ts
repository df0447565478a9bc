// The reconciler's decision table: from what the database and Kubernetes say about one job, what
// to do to converge them. Pure: no I/O, no clock of its own; decide-job-sync.test.ts walks it.
import { isTerminal, statusesThatMayBecome } from "@sumo/db/job-status";
import type { JobSyncState, ObservedJobStatus } from "@sumo/db/queries";
import {
  deriveJobStatus,
  newestPod,
  type ObservedJob,
  type ObservedPod,
} from "./derive-job-status.ts";

/** What Kubernetes says about one platform job. */
export interface SeenJob {
  /** Its Kubernetes Job; undefined when there is none (not created yet, or deleted). */
  job: ObservedJob | undefined;
  /** The Job's last state, from its delete event, when it has been deleted. */
  deletedJob: ObservedJob | undefined;
  /** Its pods (one, unless Kubernetes started it twice). */
  pods: ObservedPod[];
  /**
   * Where this was read: the watch caches, which may lag behind, or the apiserver, as of now.
   * Decisions that would end a job on missing information are taken on the apiserver's word only.
   */
  from: "watch-cache" | "apiserver";
}

/** Why a job ends FAILED when Kubernetes lost track of it: one reason, wherever it is noticed. */
export const LOST_REASON = "Lost: the Kubernetes Job disappeared before its end was recorded";

export type SyncDecision =
  /** The database already says what Kubernetes says (or the job is not Kubernetes' yet). */
  | { kind: "in-sync" }
  /** Write the observed status; `keepLogOf` names the pod whose log to keep once it ended. */
  | { kind: "record"; observed: ObservedJobStatus; keepLogOf: string | undefined }
  /** The job has ended, and its log is not kept yet: keep it from this pod. */
  | { kind: "keep-log"; podName: string }
  /** Kubernetes has no trace of a job that had not ended: it ends FAILED with LOST_REASON. */
  | { kind: "lost" }
  /** The watch caches cannot settle it: read the apiserver and decide again. */
  | { kind: "read-apiserver" };

export interface DecideOptions {
  now: Date;
  /** How long after scheduling a job's Kubernetes Job may be missing before the job is lost. */
  vanishedGraceMs: number;
}

const IN_SYNC: SyncDecision = { kind: "in-sync" };
const READ_APISERVER: SyncDecision = { kind: "read-apiserver" };

/**
 * Decides how to converge one job. `row` is the database's job, undefined when there is none
 * (deleted with its tenant): then there is nothing to do, as for any job that has ended with its
 * log kept. A Kubernetes verdict is only ever written forwards (JOB_STATUS_TRANSITIONS).
 */
export function decideJobSync(
  row: JobSyncState | undefined,
  seen: SeenJob,
  options: DecideOptions,
): SyncDecision {
  if (!row) return IN_SYNC;

  if (isTerminal(row.status)) {
    const pod = newestPod(seen.pods)?.metadata?.name;
    return !row.logKept && pod ? { kind: "keep-log", podName: pod } : IN_SYNC;
  }

  const job = seen.job ?? seen.deletedJob;
  if (!job && seen.pods.length === 0) {
    // Not created yet: the scheduler's queue retries it, and fails it when retries run out.
    if (!row.scheduledAt) return IN_SYNC;
    const missingForMs = options.now.getTime() - row.scheduledAt.getTime();
    if (missingForMs < options.vanishedGraceMs) return IN_SYNC;
    return seen.from === "apiserver" ? { kind: "lost" } : READ_APISERVER;
  }

  const observed = deriveJobStatus(row.id, job, seen.pods, options.now);
  if (isTerminal(observed.status)) {
    // The Job's verdict (Complete, Failed) can come before its pod's end does: the two watches
    // have no order between them. Written without the pod, the job would end without its exit
    // code for good, so the apiserver's pods are read first.
    if (!anyPodEnded(seen.pods) && seen.from === "watch-cache") return READ_APISERVER;
    return { kind: "record", observed, keepLogOf: observed.podName ?? undefined };
  }
  if (!seen.job && seen.deletedJob) {
    // Deleted before it ended.
    return seen.from === "apiserver" ? { kind: "lost" } : READ_APISERVER;
  }
  if (!statusesThatMayBecome(observed.status).includes(row.status)) return IN_SYNC;
  if (isRecorded(row, observed)) return IN_SYNC;
  return { kind: "record", observed, keepLogOf: undefined };
}

/**
 * All that decideJobSync reads of what the watch caches hold of a job, as one string: whether
 * its Job is there or was seen deleted, how many pods it has, which is newest and whether one
 * ended, and the status they add up to (deriveJobStatus). Equal strings mean that, with the
 * same row, the decision would be the same: a reconcile that finds the caches where it left them
 * has nothing to do, and skips the database. Most changes to a Job or pod (a condition, an IP,
 * a Job's ready count) change none of this. Undefined when the caches hold no Job and no pod,
 * where the decision turns on time.
 */
export function decisionInputs(jobId: string, seen: SeenJob, now: Date): string | undefined {
  if (!holdsAnything(seen)) return undefined;
  return JSON.stringify([
    seen.job !== undefined,
    seen.deletedJob !== undefined,
    seen.pods.length,
    newestPod(seen.pods)?.metadata?.name,
    anyPodEnded(seen.pods),
    deriveJobStatus(jobId, seen.job ?? seen.deletedJob, seen.pods, now),
  ]);
}

/** Whether Kubernetes has a Job or a pod of the job (as far as `seen` knows). */
export function holdsAnything(seen: SeenJob): boolean {
  return seen.job !== undefined || seen.pods.length > 0;
}

/** Whether one of the pods has ended (Succeeded or Failed). */
function anyPodEnded(pods: readonly ObservedPod[]): boolean {
  return pods.some((pod) => pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed");
}

/** Whether writing `observed` would change nothing (recordObservedJobStatus's own test). */
function isRecorded(row: JobSyncState, observed: ObservedJobStatus): boolean {
  return (
    row.status === observed.status &&
    (observed.podName === null || observed.podName === row.podName) &&
    (observed.startedAt === null || row.startedAt !== null)
  );
}
