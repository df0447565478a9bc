import { failJob } from "@sumo/db/queries";
import {
  JOB_CANCELLED_QUEUE,
  JOB_SUBMITTED_DEAD_LETTER_QUEUE,
  JOB_SUBMITTED_QUEUE,
  jobCancelledMessage,
  jobSubmittedMessage,
  TENANT_LIMITS_CHANGED_QUEUE,
  tenantLimitsChangedMessage,
} from "@sumo/db/queues";
import type { JobResult, PgBoss, Job as QueueMessage } from "pg-boss";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { type ApplyTenantLimitsDeps, applyTenantLimits } from "./apply-tenant-limits.ts";
import { deleteCancelledJob } from "./delete-cancelled-job.ts";
import { type ScheduleJobDeps, scheduleJob } from "./schedule-job.ts";
import { type SchedulerMetrics, schedulerMetrics } from "./scheduler-metrics.ts";

/**
 * Submissions a worker takes per fetch. pg-boss puts a worker to sleep after every fetch until
 * the next NOTIFY or its backstop poll (notifyPollingIntervalSeconds), unless the fetch came back
 * full: then it fetches again at once (`burstWhenBatchFull`, which needs a batch of 2 or more).
 * With one message per fetch, a backlog left once the submissions' NOTIFYs stopped drained at
 * one message per worker per poll, whatever the cluster could take (docs/benchmarks.md).
 */
const SUBMISSION_BATCH_SIZE = 2;

export interface JobSchedulerDeps extends ScheduleJobDeps, ApplyTenantLimitsDeps {
  boss: PgBoss;
  logger: Logger;
  /** Submissions handled at once by this process. */
  concurrency: number;
  /** Where scheduling outcomes and durations are recorded (scheduler-metrics.ts). */
  metricsRegistry: Registry;
}

/**
 * The scheduler's worker: consumes JOB_SUBMITTED messages (woken by NOTIFY, so a submission
 * reaches Kubernetes within milliseconds), the dead-letter queue, where submissions end up
 * after their last retry and are marked FAILED rather than forgotten, and
 * TENANT_LIMITS_CHANGED, which keeps tenants' quotas in step with their limits. Any number of replicas
 * can run: pg-boss hands each message to one of them.
 */
export class JobScheduler {
  readonly #deps: JobSchedulerDeps;
  readonly #metrics: SchedulerMetrics;
  #started = false;

  constructor(deps: JobSchedulerDeps) {
    this.#deps = deps;
    this.#metrics = schedulerMetrics(deps.metricsRegistry);
  }

  async start(): Promise<void> {
    const { boss, concurrency } = this.#deps;
    const polling = { pollingIntervalSeconds: 2, notifyPollingIntervalSeconds: 10 };
    // `concurrency` submissions in flight: workers of SUBMISSION_BATCH_SIZE messages each, each
    // message settled on its own (a failed one retries alone, with the queue's backoff).
    const batchSize = Math.min(SUBMISSION_BATCH_SIZE, concurrency);
    await boss.work(
      JOB_SUBMITTED_QUEUE,
      {
        batchSize,
        localConcurrency: Math.ceil(concurrency / batchSize),
        burstWhenBatchFull: true,
        perJobResults: true,
        ...polling,
      },
      (messages) => Promise.all(messages.map((message) => this.#settleSubmitted(message))),
    );
    await boss.work(JOB_SUBMITTED_DEAD_LETTER_QUEUE, { batchSize: 1, ...polling }, ([message]) =>
      this.#onDeadLetter(message),
    );
    await boss.work(TENANT_LIMITS_CHANGED_QUEUE, { batchSize: 1, ...polling }, ([message]) =>
      this.#onTenantLimitsChanged(message),
    );
    await boss.work(
      JOB_CANCELLED_QUEUE,
      { batchSize: 1, localConcurrency: 2, ...polling },
      ([message]) => this.#onJobCancelled(message),
    );
    this.#started = true;
  }

  /** Stops taking messages and waits for the ones in hand. */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    await Promise.all(
      [
        JOB_SUBMITTED_QUEUE,
        JOB_SUBMITTED_DEAD_LETTER_QUEUE,
        TENANT_LIMITS_CHANGED_QUEUE,
        JOB_CANCELLED_QUEUE,
      ].map((queue) => this.#deps.boss.offWork(queue, { wait: true })),
    );
  }

  async #settleSubmitted(message: QueueMessage<unknown>): Promise<JobResult> {
    try {
      await this.#onSubmitted(message);
      return { id: message.id, status: "completed" };
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return { id: message.id, status: "failed", output: { message: detail } };
    }
  }

  async #onSubmitted(message: QueueMessage<unknown> | undefined): Promise<void> {
    if (!message) return;
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    const parsed = jobSubmittedMessage.safeParse(message.data);
    const logger = this.#deps.logger.child({ messageId: message.id });
    if (!parsed.success) {
      // Retrying cannot fix a malformed message; say so and drop it.
      logger.error({ data: message.data }, "dropping malformed job-submitted message");
      this.#metrics.recordAttempt("skipped", seconds());
      return;
    }
    const jobLogger = logger.child({ jobId: parsed.data.jobId, tenantId: parsed.data.tenantId });
    try {
      const outcome = await scheduleJob(this.#deps, parsed.data);
      this.#metrics.recordAttempt(outcome.kind, seconds());
      jobLogger.info({ outcome, ms: Math.round(seconds() * 1000) }, "job scheduled");
    } catch (error) {
      this.#metrics.recordAttempt("retried", seconds());
      jobLogger.warn({ err: error }, "scheduling failed; the queue will retry");
      throw error;
    }
  }

  async #onTenantLimitsChanged(message: QueueMessage<unknown> | undefined): Promise<void> {
    if (!message) return;
    const parsed = tenantLimitsChangedMessage.safeParse(message.data);
    if (!parsed.success) {
      this.#deps.logger.error(
        { data: message.data },
        "dropping malformed tenant-limits-changed message",
      );
      return;
    }
    const outcome = await applyTenantLimits(this.#deps, parsed.data);
    this.#deps.logger.info({ tenantId: parsed.data.tenantId, outcome }, "tenant limits applied");
  }

  async #onJobCancelled(message: QueueMessage<unknown> | undefined): Promise<void> {
    if (!message) return;
    const parsed = jobCancelledMessage.safeParse(message.data);
    if (!parsed.success) {
      this.#deps.logger.error({ data: message.data }, "dropping malformed job-cancelled message");
      return;
    }
    const outcome = await deleteCancelledJob(this.#deps, parsed.data);
    this.#deps.logger.info({ jobId: parsed.data.jobId, outcome }, "cancelled job's Kubernetes Job");
  }

  async #onDeadLetter(message: QueueMessage<unknown> | undefined): Promise<void> {
    if (!message) return;
    const started = performance.now();
    const parsed = jobSubmittedMessage.safeParse(message.data);
    if (!parsed.success) return;
    const failed = await failJob(this.#deps.db, {
      jobId: parsed.data.jobId,
      reason: "Could not be scheduled: Kubernetes kept failing, retries exhausted",
      at: new Date(),
    });
    this.#metrics.recordAttempt("dead-lettered", (performance.now() - started) / 1000);
    this.#deps.logger.error({ jobId: parsed.data.jobId, failed }, "submission dead-lettered");
  }
}
