import { createHash } from "node:crypto";
import type { Database } from "@sumo/db/client";
import {
  countActiveJobs,
  findIdempotencyRecord,
  insertIdempotencyRecord,
  insertJob,
  lockTenant,
} from "@sumo/db/queries";
import { JOB_SUBMITTED_QUEUE, type JobSubmittedMessage } from "@sumo/db/queues";
import { ApiError, type ErrorDetail } from "@sumo/http";
import { type JobView, toJobView } from "@sumo/http/job-view";
import { sql } from "drizzle-orm";
import { fromDrizzle, type PgBoss } from "pg-boss";
import { stringify } from "safe-stable-stringify";
import { v7 as uuidv7 } from "uuid";
import type { SubmitJobRequest } from "./schemas/job.ts";

/** Seconds a client is told to wait after hitting its concurrent-job limit. */
export const CONCURRENT_LIMIT_RETRY_AFTER_SECONDS = 10;

export interface SubmitJobResult {
  status: 202;
  body: JobView;
  /** True when this is the stored answer to an earlier request with the same Idempotency-Key. */
  replayed: boolean;
}

/**
 * Accepts a job: checks it against the tenant's limits, then writes the job row and its
 * JOB_SUBMITTED queue message in one transaction, so neither can exist without the other.
 *
 * The tenant's row is locked for the transaction, so a tenant's submissions take turns: the
 * concurrent-job count and the Idempotency-Key lookup cannot race.
 */
export async function submitJob(
  deps: { db: Database; boss: PgBoss },
  params: { tenantId: string; request: SubmitJobRequest; idempotencyKey: string | undefined },
): Promise<SubmitJobResult> {
  const { request, tenantId, idempotencyKey } = params;
  const fingerprint = createHash("sha256")
    .update(stringify(request) ?? "")
    .digest();

  return deps.db.transaction(async (tx) => {
    const tenant = await lockTenant(tx, tenantId);
    if (!tenant) throw new ApiError("unauthorized", "Invalid API key");

    if (idempotencyKey !== undefined) {
      const earlier = await findIdempotencyRecord(tx, { tenantId, key: idempotencyKey });
      if (earlier) {
        if (!earlier.requestFingerprint.equals(fingerprint)) {
          throw new ApiError(
            "idempotency_key_reused",
            "This Idempotency-Key was already used with a different request body",
          );
        }
        return { status: 202, body: earlier.responseBody as JobView, replayed: true };
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
      throw new ApiError("job_exceeds_tenant_limits", `This job can never run: ${reasons}`, {
        details: overLimit,
      });
    }

    const active = await countActiveJobs(tx, tenantId);
    if (active >= tenant.maxConcurrentJobs) {
      throw new ApiError(
        "concurrent_job_limit_reached",
        `${active} jobs are already pending or running; the limit is ${tenant.maxConcurrentJobs}`,
        { headers: { "Retry-After": String(CONCURRENT_LIMIT_RETRY_AFTER_SECONDS) } },
      );
    }

    const now = new Date();
    const job = await insertJob(tx, {
      id: uuidv7(),
      tenantId,
      scenarioId: request.scenario_id,
      scenario: request.scenario ?? null,
      cpuRequest: request.cpu_request,
      memoryGi: request.memory_gi,
      status: "PENDING",
      submittedAt: now,
      updatedAt: now,
    });
    const message: JobSubmittedMessage = { jobId: job.id, tenantId };
    await deps.boss.send(JOB_SUBMITTED_QUEUE, message, { id: job.id, db: fromDrizzle(tx, sql) });

    const body = toJobView(job);
    if (idempotencyKey !== undefined) {
      await insertIdempotencyRecord(tx, {
        tenantId,
        key: idempotencyKey,
        requestFingerprint: fingerprint,
        responseStatus: 202,
        responseBody: body,
      });
    }
    return { status: 202, body, replayed: false };
  });
}
