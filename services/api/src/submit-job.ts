import { createHash } from "node:crypto";
import { type Database, transactionOnConnection } from "@sumo/db/client";
import { queryPrepared } from "@sumo/db/prepared";
import {
  countActiveJobsOfTenants,
  findIdempotencyRecords,
  idempotencyRecordKey,
  insertIdempotencyRecords,
  insertSubmittedJobs,
  lockTenants,
  type NewIdempotencyRecord,
  type SubmittedJob,
} from "@sumo/db/queries";
import { JOB_SUBMITTED_QUEUE, type JobSubmittedMessage } from "@sumo/db/queues";
import type { Tenant } from "@sumo/db/schema";
import { ApiError, type ErrorDetail } from "@sumo/http";
import { type JobView, toJobView } from "@sumo/http/job-view";
import type pg from "pg";
import type { PgBoss } from "pg-boss";
import type { Logger } from "pino";
import { stringify } from "safe-stable-stringify";
import { v7 as uuidv7 } from "uuid";
import type { SubmitJobRequest } from "./schemas/job.ts";
import type { SubmissionMetrics } from "./submission-metrics.ts";

/** Seconds a client is told to wait after hitting its concurrent-job limit. */
export const CONCURRENT_LIMIT_RETRY_AFTER_SECONDS = 10;

export interface JobSubmission {
  tenantId: string;
  request: SubmitJobRequest;
  idempotencyKey: string | undefined;
}

export interface SubmitJobResult {
  status: 202;
  body: JobView;
  /** True when this is the stored answer to an earlier request with the same Idempotency-Key. */
  replayed: boolean;
}

/** What became of one submission of a batch: accepted (or replayed), or refused. */
export type SubmissionOutcome = { result: SubmitJobResult } | { refusal: ApiError };

export interface JobSubmitterOptions {
  /** Most submissions written in one transaction. */
  maxBatchSize?: number;
  /** Transactions writing submissions at once; the rest wait and form the next batches. */
  maxConcurrentBatches?: number;
  metrics?: SubmissionMetrics;
  logger?: Logger;
}

interface WaitingSubmission {
  submission: JobSubmission;
  resolve(result: SubmitJobResult): void;
  reject(error: unknown): void;
}

/**
 * Accepts jobs, writing submissions that arrive together in one transaction (group commit).
 * A submission starts its transaction at once while fewer than `maxConcurrentBatches` are
 * running; under load the submissions that arrive meanwhile go together in the next one, so
 * a busy api spends a few round trips per batch instead of per job, and an idle one adds no
 * wait. Each submission still gets its own answer: one refused job does not refuse the others,
 * and a batch the database refuses is retried one submission at a time.
 */
export class JobSubmitter {
  readonly #deps: { db: Database; boss: PgBoss };
  readonly #maxBatchSize: number;
  readonly #maxConcurrentBatches: number;
  readonly #metrics: SubmissionMetrics | undefined;
  readonly #logger: Logger | undefined;
  #waiting: WaitingSubmission[] = [];
  #running = 0;
  #dispatchScheduled = false;

  constructor(deps: { db: Database; boss: PgBoss }, options: JobSubmitterOptions = {}) {
    this.#deps = deps;
    this.#maxBatchSize = options.maxBatchSize ?? 100;
    this.#maxConcurrentBatches = options.maxConcurrentBatches ?? 4;
    this.#metrics = options.metrics;
    this.#logger = options.logger;
  }

  submit(submission: JobSubmission): Promise<SubmitJobResult> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ submission, resolve, reject });
      this.#scheduleDispatch();
    });
  }

  // Dispatches after the requests whose I/O is being handled now have queued theirs too.
  #scheduleDispatch() {
    if (this.#dispatchScheduled || this.#running >= this.#maxConcurrentBatches) return;
    this.#dispatchScheduled = true;
    setImmediate(() => {
      this.#dispatchScheduled = false;
      this.#dispatch();
    });
  }

  #dispatch() {
    while (this.#running < this.#maxConcurrentBatches && this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0, this.#maxBatchSize);
      this.#running++;
      void this.#write(batch).finally(() => {
        this.#running--;
        if (this.#waiting.length > 0) this.#scheduleDispatch();
      });
    }
  }

  async #write(batch: WaitingSubmission[]): Promise<void> {
    let outcomes: SubmissionOutcome[];
    this.#metrics?.recordBatch(batch.length);
    try {
      outcomes = await submitJobBatch(
        this.#deps,
        batch.map((waiting) => waiting.submission),
      );
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      // One submission's data may be what the database refused: alone, it fails alone.
      this.#metrics?.recordSplit();
      this.#logger?.warn(
        { err: error, submissions: batch.length },
        "the database refused a batch of submissions: retrying them one at a time",
      );
      await Promise.all(batch.map((waiting) => this.#write([waiting])));
      return;
    }
    batch.forEach((waiting, i) => {
      const outcome = outcomes[i];
      if (!outcome) waiting.reject(new Error("submitJobBatch returned too few outcomes"));
      else if ("refusal" in outcome) waiting.reject(outcome.refusal);
      else waiting.resolve(outcome.result);
    });
  }
}

/**
 * Accepts a batch of submissions in one transaction: checks each against its tenant's limits,
 * then writes the accepted jobs' rows and their JOB_SUBMITTED queue messages together, so no
 * job exists without its message or the other way round. Outcomes come in submission order.
 *
 * The tenants' rows stay locked until commit, so submissions of one tenant (in this batch or
 * another, on any replica) take turns: the concurrent-job count and the Idempotency-Key
 * lookups cannot race. Within a batch, submissions are decided in arrival order.
 */
export async function submitJobBatch(
  deps: { db: Database; boss: PgBoss },
  submissions: JobSubmission[],
): Promise<SubmissionOutcome[]> {
  return transactionOnConnection(deps.db, async (connection) => {
    const tenantIds = [...new Set(submissions.map((s) => s.tenantId))];
    // Sent together (the api's connections pipeline), and run by PostgreSQL one after the
    // other: the count and the key lookup take their snapshots once the locks are held, so
    // they see every job a transaction that held a lock before this one committed.
    const [locked, active, stored] = await Promise.all([
      lockTenants(connection, tenantIds),
      countActiveJobsOfTenants(connection, tenantIds),
      findIdempotencyRecords(
        connection,
        submissions.flatMap(({ tenantId, idempotencyKey: key }) =>
          key === undefined ? [] : [{ tenantId, key }],
        ),
      ),
    ]);
    const tenants = new Map(locked.map((t) => [t.id, t]));
    const earlier: Map<string, Earlier> = stored;

    const decided = submissions.map((submission) => {
      const decision = decide(submission, { tenants, active, earlier });
      if (decision.kind === "accept") {
        active.set(submission.tenantId, (active.get(submission.tenantId) ?? 0) + 1);
        // A later submission with the same key in this batch replays this one.
        const record = decision.idempotencyRecord;
        if (record) earlier.set(idempotencyRecordKey(record), record);
      }
      return decision;
    });

    const accepted = decided.filter((d) => d.kind === "accept");
    const jobs = accepted.map((d) => d.job);
    await Promise.all([
      insertSubmittedJobs(connection, jobs),
      enqueueSubmittedJobs(deps.boss, connection.$client, jobs),
      insertIdempotencyRecords(
        connection,
        accepted.flatMap((d) => d.idempotencyRecord ?? []),
      ),
    ]);

    return decided.map((d): SubmissionOutcome => {
      if (d.kind === "refuse") return { refusal: d.refusal };
      return { result: { status: 202, body: d.body, replayed: d.kind === "replay" } };
    });
  });
}

/** An earlier submission's Idempotency-Key record: stored, or accepted earlier in this batch. */
type Earlier = Pick<NewIdempotencyRecord, "requestFingerprint" | "responseBody">;

type Decision =
  | {
      kind: "accept";
      job: SubmittedJob;
      body: JobView;
      /** What a retry with the same Idempotency-Key gets; none without a key. */
      idempotencyRecord: NewIdempotencyRecord | undefined;
    }
  | { kind: "replay"; body: JobView }
  | { kind: "refuse"; refusal: ApiError };

function decide(
  submission: JobSubmission,
  state: {
    tenants: Map<string, Tenant>;
    active: Map<string, number>;
    earlier: Map<string, Earlier>;
  },
): Decision {
  const { tenantId, request, idempotencyKey } = submission;
  const tenant = state.tenants.get(tenantId);
  if (!tenant) return refuse(new ApiError("unauthorized", "Invalid API key"));

  // Only a request with a key is ever compared with another.
  const fingerprint = idempotencyKey === undefined ? undefined : requestFingerprint(request);
  if (idempotencyKey !== undefined && fingerprint) {
    const earlier = state.earlier.get(idempotencyRecordKey({ tenantId, key: idempotencyKey }));
    if (earlier) {
      if (!earlier.requestFingerprint.equals(fingerprint)) {
        return refuse(
          new ApiError(
            "idempotency_key_reused",
            "This Idempotency-Key was already used with a different request body",
          ),
        );
      }
      return { kind: "replay", body: earlier.responseBody as JobView };
    }
  }

  const overLimit: ErrorDetail[] = [];
  if (request.cpu_request > tenant.cpuLimit) {
    overLimit.push({
      field: "cpu_request",
      message: `${request.cpu_request} cores exceed the tenant's CPU limit of ${tenant.cpuLimit}`,
    });
  }
  if (request.memory_gi > tenant.memoryLimitGi) {
    overLimit.push({
      field: "memory_gi",
      message: `${request.memory_gi} GiB exceed the tenant's memory limit of ${tenant.memoryLimitGi}`,
    });
  }
  if (overLimit.length > 0) {
    const reasons = overLimit.map((d) => d.message).join("; ");
    return refuse(
      new ApiError("job_exceeds_tenant_limits", `This job can never run: ${reasons}`, {
        details: overLimit,
      }),
    );
  }

  const active = state.active.get(tenantId) ?? 0;
  if (active >= tenant.maxConcurrentJobs) {
    return refuse(
      new ApiError(
        "concurrent_job_limit_reached",
        `${active} jobs are already pending or running; the limit is ${tenant.maxConcurrentJobs}`,
        { headers: { "Retry-After": String(CONCURRENT_LIMIT_RETRY_AFTER_SECONDS) } },
      ),
    );
  }

  const now = new Date();
  const job: SubmittedJob = {
    // The uuid package's v7 counts up within a millisecond (Node's randomUUIDv7 does not), so
    // jobs submitted in the same millisecond still list in submission order.
    id: uuidv7(),
    tenantId,
    scenarioId: request.scenario_id,
    scenario: request.scenario ?? null,
    cpuRequest: request.cpu_request,
    memoryGi: request.memory_gi,
    submittedAt: now,
  };
  const body = toJobView({
    ...job,
    status: "PENDING",
    updatedAt: now,
    failureReason: null,
    exitCode: null,
    namespace: null,
    kubernetesJobName: null,
    podName: null,
    scheduledAt: null,
    startedAt: null,
    finishedAt: null,
  });
  return {
    kind: "accept",
    job,
    body,
    idempotencyRecord:
      idempotencyKey === undefined || !fingerprint
        ? undefined
        : {
            tenantId,
            key: idempotencyKey,
            requestFingerprint: fingerprint,
            responseStatus: 202,
            responseBody: body,
          },
  };
}

/** Hash of the request body, key order aside: the same key with another body is refused. */
function requestFingerprint(request: SubmitJobRequest): Buffer {
  return createHash("sha256")
    .update(stringify(request) ?? "")
    .digest();
}

function refuse(refusal: ApiError): Decision {
  return { kind: "refuse", refusal };
}

/**
 * One JOB_SUBMITTED message per job, in the transaction open on `connection`; the message id is
 * the job's. pg-boss's insert statement is prepared: planning it cost more than the rest of the
 * transaction's statements together.
 */
async function enqueueSubmittedJobs(
  boss: PgBoss,
  connection: pg.ClientBase,
  jobs: { id: string; tenantId: string }[],
): Promise<void> {
  if (jobs.length === 0) return;
  await boss.insert(
    JOB_SUBMITTED_QUEUE,
    jobs.map((job) => ({
      id: job.id,
      data: { jobId: job.id, tenantId: job.tenantId } satisfies JobSubmittedMessage,
    })),
    { db: { executeSql: (text, values) => queryPrepared(connection, text, values ?? []) } },
  );
}
