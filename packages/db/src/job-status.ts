// A job's status: the statuses, which are terminal, and which may follow which. Every service
// and query follows this one definition; the database's forward-only rule
// (`job_status_may_become`, see job-status-rule.ts) is generated from it, and a test holds the
// two together. No imports: any process can read it without loading a database driver.

/** Every status a job can be in, in the order a job moves through them. */
export const JOB_STATUSES = [
  "QUEUED",
  "PENDING",
  "RUNNING",
  "SUCCEEDED",
  "FAILED",
  "CANCELLED",
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** What each status means, as the APIs' documents tell it. */
export const JOB_STATUS_MEANINGS = {
  QUEUED:
    "accepted into its tenant's queue (a sweep's member, or a submission that asked to wait); it becomes PENDING when one of the tenant's slots frees, first in, first out",
  PENDING:
    "accepted; the scheduler has not created its Kubernetes Job yet, or its pod is not running yet (waiting for quota or a node)",
  RUNNING: "its pod's container has started",
  SUCCEEDED: "the simulation ran to its end and exited 0",
  FAILED:
    "it did not complete: a non-zero exit, killed (out of memory, deadline), refused by Kubernetes, never schedulable, or lost; or, queued, it can never fit its tenant's limits",
  CANCELLED: "a tenant or an admin cancelled it before it ended",
} as const satisfies Record<JobStatus, string>;

/**
 * What each status may become (see JOB_STATUS_MEANINGS). A status that may become nothing is
 * terminal: the job has ended, and nothing about it changes again. A job may end without ever
 * being seen RUNNING (a pod that ran between two observations).
 */
export const JOB_STATUS_TRANSITIONS = {
  QUEUED: ["PENDING", "FAILED", "CANCELLED"],
  PENDING: ["RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"],
  RUNNING: ["SUCCEEDED", "FAILED", "CANCELLED"],
  SUCCEEDED: [],
  FAILED: [],
  CANCELLED: [],
} as const satisfies Record<JobStatus, readonly JobStatus[]>;

/** A status no transition leaves: the job has ended. */
export type TerminalJobStatus = {
  [S in JobStatus]: (typeof JOB_STATUS_TRANSITIONS)[S] extends readonly [] ? S : never;
}[JobStatus];

/** A status a job has not ended in. */
export type OpenJobStatus = Exclude<JobStatus, TerminalJobStatus>;

export function isTerminal(status: JobStatus): status is TerminalJobStatus {
  return JOB_STATUS_TRANSITIONS[status].length === 0;
}

/** The terminal statuses, in JOB_STATUSES order. */
export const TERMINAL_JOB_STATUSES: readonly TerminalJobStatus[] = JOB_STATUSES.filter(isTerminal);

/** The statuses a job has not ended in, in JOB_STATUSES order. */
export const OPEN_JOB_STATUSES: readonly OpenJobStatus[] = JOB_STATUSES.filter(
  (status): status is OpenJobStatus => !isTerminal(status),
);

/**
 * Statuses that count against a tenant's concurrent-job limit: given to Kubernetes and not
 * ended (a QUEUED job waits for one of these slots). A job only ever leaves these statuses once
 * it is in one (see JOB_STATUS_TRANSITIONS), and enters them only under its tenant's lock
 * (admission, the queue's dispatch), which is what lets both count them there.
 */
export const ACTIVE_JOB_STATUSES = [
  "PENDING",
  "RUNNING",
] as const satisfies readonly OpenJobStatus[];
export type ActiveJobStatus = (typeof ACTIVE_JOB_STATUSES)[number];

/** Whether a job in this status counts against its tenant's concurrent-job limit. */
export function isActive(status: JobStatus): status is ActiveJobStatus {
  return (ACTIVE_JOB_STATUSES as readonly JobStatus[]).includes(status);
}

/** Whether a job in `from` may move to `to` (a status never "moves" to itself). */
export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return (JOB_STATUS_TRANSITIONS[from] as readonly JobStatus[]).includes(to);
}

/**
 * The statuses a job may be in for a write of `to` to apply to it: those that may move to `to`,
 * and `to` itself unless it is terminal (the same status with details filled in: a pod name, a
 * start time). An ended job is never written again.
 */
export function statusesThatMayBecome(to: JobStatus): JobStatus[] {
  return JOB_STATUSES.filter((from) => (from === to ? !isTerminal(from) : canTransition(from, to)));
}

/** For exhaustive switches: a status (or any union member) left unhandled fails to compile. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${String(value)}`);
}
