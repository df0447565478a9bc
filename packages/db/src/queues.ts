import { createHash } from "node:crypto";
import type { PgBoss, Queue } from "pg-boss";
import { z } from "zod";
import type { ConnectionDatabase } from "./client.ts";

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

/**
 * A job that Kubernetes may have (PENDING, RUNNING) was cancelled: the scheduler deletes its
 * Kubernetes Job, if there is one, and with it the pod. Written in the same transaction as the
 * cancellation.
 */
export const JOB_CANCELLED_QUEUE = "job-cancelled";

export const jobCancelledMessage = z.object({ jobId: z.uuid(), tenantId: z.uuid() });
export type JobCancelledMessage = z.infer<typeof jobCancelledMessage>;

/**
 * Asks for a retention sweep: the scheduler deletes what is kept no longer (ended jobs past
 * their retention with their logs, ended sweeps, bundles nothing names, expired
 * Idempotency-Keys; services/scheduler/src/retention-sweep.ts). Every scheduler replica asks
 * periodically; the queue's policy keeps at most one message waiting or in hand, so one
 * replica at a time sweeps.
 */
export const RETENTION_SWEEP_QUEUE = "retention-sweep";

export const retentionSweepMessage = z.object({});
export type RetentionSweepMessage = z.infer<typeof retentionSweepMessage>;

/**
 * Not a pg-boss queue: the PostgreSQL NOTIFY channel on which a tenant's queue announces it may
 * move (a job joined it, a slot freed, its limits changed), with the tenant's id as payload
 * (migrations/0007_notify_tenant_queue.sql). The scheduler's TenantQueue listens.
 */
export const TENANT_QUEUE_CHANNEL = "tenant_queue";

/** The message each queue carries. */
export interface QueueMessages {
  [JOB_SUBMITTED_QUEUE]: JobSubmittedMessage;
  [JOB_SUBMITTED_DEAD_LETTER_QUEUE]: JobSubmittedMessage;
  [TENANT_LIMITS_CHANGED_QUEUE]: TenantLimitsChangedMessage;
  [JOB_CANCELLED_QUEUE]: JobCancelledMessage;
  [RETENTION_SWEEP_QUEUE]: RetentionSweepMessage;
}

/**
 * Writes messages into a queue inside the transaction open on `connection` (see
 * transactionOnConnection), so they commit or roll back with what the transaction writes: no
 * row without its message, no message without its row. A message's `id`, when given, is its
 * pg-boss id. pg-boss's insert statement runs prepared on the connection: it is one of the
 * submission's hot paths, and planning it cost more than running it (docs/benchmarks.md).
 */
export async function enqueueInTransaction<Name extends keyof QueueMessages>(
  boss: PgBoss,
  connection: ConnectionDatabase,
  queue: Name,
  messages: { id?: string; data: QueueMessages[Name] }[],
): Promise<void> {
  if (messages.length === 0) return;
  const client = connection.$client;
  await boss.insert(queue, messages, {
    db: {
      // Named by the text's hash: the same statement text shares one prepared statement.
      executeSql: (text, values) =>
        client.query({
          name: `sumo_${createHash("sha1").update(text).digest("base64url")}`,
          text,
          values: values ?? [],
        }),
    },
  });
}

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
    name: JOB_CANCELLED_QUEUE,
    notify: true,
    // Transient Kubernetes errors: the delete is retried until the Job is gone.
    retryLimit: 20,
    retryDelay: 1,
    retryBackoff: true,
    retryDelayMax: 60,
    heartbeatSeconds: 10,
  },
  {
    name: TENANT_LIMITS_CHANGED_QUEUE,
    notify: true,
    retryLimit: 20,
    retryDelay: 1,
    retryBackoff: true,
    retryDelayMax: 300,
  },
  {
    name: RETENTION_SWEEP_QUEUE,
    // One message waiting or in hand at a time: replicas asking at once make one sweep.
    policy: "exclusive",
    notify: true,
    // A failed sweep is not retried: the next period asks again.
    retryLimit: 0,
    // A replica that dies mid-sweep stops its heartbeat and frees the queue for the next ask.
    heartbeatSeconds: 30,
    // A backlog (a first sweep over years of jobs) is worked batch after batch in one message.
    expireInSeconds: 6 * 3600,
  },
];

/** pg-boss's schema name. */
export const QUEUE_SCHEMA = "pgboss";
