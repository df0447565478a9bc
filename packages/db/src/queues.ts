import type { Queue } from "pg-boss";
import { z } from "zod";

/**
 * The queues that connect the services, all in PostgreSQL (pg-boss). The api writes a
 * JOB_SUBMITTED message in the same transaction as the job row; the scheduler consumes it.
 */
export const JOB_SUBMITTED_QUEUE = "job-submitted";

/** Where a JOB_SUBMITTED message lands after its last retry; the scheduler marks the job FAILED. */
export const JOB_SUBMITTED_DEAD_LETTER_QUEUE = "job-submitted-dead-letter";

export const jobSubmittedMessage = z.object({
  jobId: z.uuid(),
  tenantId: z.uuid(),
});
export type JobSubmittedMessage = z.infer<typeof jobSubmittedMessage>;

/**
 * An admin changed a tenant's limits; the scheduler re-applies the tenant's ResourceQuota and
 * LimitRange (if the tenant has a namespace yet). Written in the same transaction as the change.
 */
export const TENANT_LIMITS_CHANGED_QUEUE = "tenant-limits-changed";

export const tenantLimitsChangedMessage = z.object({ tenantId: z.uuid() });
export type TenantLimitsChangedMessage = z.infer<typeof tenantLimitsChangedMessage>;

/** Every queue with its options; the migrate command creates or updates them. */
export const QUEUE_DEFINITIONS: readonly Queue[] = [
  {
    name: JOB_SUBMITTED_DEAD_LETTER_QUEUE,
    notify: true,
    retryLimit: 5,
    retryBackoff: true,
  },
  {
    name: JOB_SUBMITTED_QUEUE,
    // Workers wake on NOTIFY instead of waiting out a poll: submission -> Kubernetes Job fast.
    notify: true,
    // Transient Kubernetes or database errors: retry with exponential backoff, up to ~10 minutes.
    retryLimit: 12,
    retryDelay: 1,
    retryBackoff: true,
    retryDelayMax: 120,
    expireInSeconds: 300,
    // A scheduler that dies mid-message stops its heartbeat: the message is retried by
    // another replica within seconds, not after expireInSeconds.
    heartbeatSeconds: 10,
    deadLetter: JOB_SUBMITTED_DEAD_LETTER_QUEUE,
  },
  {
    name: TENANT_LIMITS_CHANGED_QUEUE,
    notify: true,
    retryLimit: 20,
    retryDelay: 1,
    retryBackoff: true,
    retryDelayMax: 300,
  },
];

/** pg-boss's schema name. */
export const QUEUE_SCHEMA = "pgboss";
