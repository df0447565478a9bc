import { failActiveJob } from "@sumo/db/queries";
import {
  JOB_SUBMITTED_DEAD_LETTER_QUEUE,
  JOB_SUBMITTED_QUEUE,
  jobSubmittedMessage,
} from "@sumo/db/queues";
import type { PgBoss, Job as QueueMessage } from "pg-boss";
import type { Logger } from "pino";
import { type ScheduleJobDeps, scheduleJob } from "./schedule-job.ts";

export interface JobSchedulerDeps extends ScheduleJobDeps {
  boss: PgBoss;
  logger: Logger;
  /** Submissions handled at once by this process. */
  concurrency: number;
}

/**
 * The scheduler's worker: consumes JOB_SUBMITTED messages (woken by NOTIFY, so a submission
 * reaches Kubernetes within milliseconds) and the dead-letter queue, where submissions end up
 * after their last retry and are marked FAILED rather than forgotten. Any number of replicas
 * can run: pg-boss hands each message to one of them.
 */
export class JobScheduler {
  readonly #deps: JobSchedulerDeps;
  #started = false;

  constructor(deps: JobSchedulerDeps) {
    this.#deps = deps;
  }

  async start(): Promise<void> {
    const { boss, concurrency } = this.#deps;
    const polling = { pollingIntervalSeconds: 2, notifyPollingIntervalSeconds: 10 };
    await boss.work(
      JOB_SUBMITTED_QUEUE,
      { batchSize: 1, localConcurrency: concurrency, ...polling },
      ([message]) => this.#onSubmitted(message),
    );
    await boss.work(JOB_SUBMITTED_DEAD_LETTER_QUEUE, { batchSize: 1, ...polling }, ([message]) =>
      this.#onDeadLetter(message),
    );
    this.#started = true;
  }

  /** Stops taking messages and waits for the ones in hand. */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    await Promise.all(
      [JOB_SUBMITTED_QUEUE, JOB_SUBMITTED_DEAD_LETTER_QUEUE].map((queue) =>
        this.#deps.boss.offWork(queue, { wait: true }),
      ),
    );
  }

  async #onSubmitted(message: QueueMessage<unknown> | undefined): Promise<void> {
    if (!message) return;
    const parsed = jobSubmittedMessage.safeParse(message.data);
    const logger = this.#deps.logger.child({ messageId: message.id });
    if (!parsed.success) {
      // Retrying cannot fix a malformed message; say so and drop it.
      logger.error({ data: message.data }, "dropping malformed job-submitted message");
      return;
    }
    const jobLogger = logger.child({ jobId: parsed.data.jobId, tenantId: parsed.data.tenantId });
    const started = performance.now();
    try {
      const outcome = await scheduleJob(this.#deps, parsed.data);
      jobLogger.info({ outcome, ms: Math.round(performance.now() - started) }, "job scheduled");
    } catch (error) {
      jobLogger.warn({ err: error }, "scheduling failed; the queue will retry");
      throw error;
    }
  }

  async #onDeadLetter(message: QueueMessage<unknown> | undefined): Promise<void> {
    if (!message) return;
    const parsed = jobSubmittedMessage.safeParse(message.data);
    if (!parsed.success) return;
    const failed = await failActiveJob(this.#deps.db, {
      jobId: parsed.data.jobId,
      reason: "Could not be scheduled: Kubernetes kept failing, retries exhausted",
      at: new Date(),
    });
    this.#deps.logger.error({ jobId: parsed.data.jobId, failed }, "submission dead-lettered");
  }
}
