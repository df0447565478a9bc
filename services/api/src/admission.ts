// Admission: whether a submitted job is accepted, replayed or refused. Plain rules over what the
// submission's transaction read under the tenants' locks (submit-jobs.ts); nothing here touches
// the database, so every rule is tested on its own (admission.test.ts).
import { createHash } from "node:crypto";
import { idempotencyRecordKey, type SubmittedJob } from "@sumo/db/queries";
import { type ActiveUse, waitingFor } from "@sumo/db/queue-rules";
import type { NewIdempotencyRecord, Tenant } from "@sumo/db/schema";
import { ApiError, type ErrorDetail } from "@sumo/http";
import { type JobView, toJobView } from "@sumo/http/job-view";
import { stringify } from "safe-stable-stringify";
import type { SubmitJobRequest } from "./schemas/job.ts";

/** Seconds a client is told to wait after hitting its concurrent-job limit. */
export const CONCURRENT_LIMIT_RETRY_AFTER_SECONDS = 10;

export interface JobSubmission {
  tenantId: string;
  request: SubmitJobRequest;
  /** The tenant's scenario `request.scenario_id` names; undefined when it names none. */
  scenario: ResolvedScenario | undefined;
  idempotencyKey: string | undefined;
  /** The job this submission runs again (POST /v1/jobs/{id}/rerun); undefined otherwise. */
  rerunOf?: string;
}

/** What a job takes of its scenario when it is submitted: the bundle by content, and the config. */
export interface ResolvedScenario {
  id: string;
  name: string;
  bundleSha256: string;
  config: string;
}

/** An earlier submission's Idempotency-Key record: stored, or accepted earlier in this batch. */
export type EarlierSubmission = Pick<NewIdempotencyRecord, "requestFingerprint" | "responseBody">;

/** What admission knows when it decides a batch: read under the tenants' row locks. */
export interface AdmissionState {
  /** The submitting tenants; a tenant missing here was deleted after its key was checked. */
  tenants: ReadonlyMap<string, Tenant>;
  /** Each tenant's jobs that count against its concurrent-job limit. */
  activeJobs: ReadonlyMap<string, number>;
  /** Each tenant's QUEUED jobs. */
  queuedJobs: ReadonlyMap<string, number>;
  /**
   * What each tenant's active jobs hold of its CPU and memory: read for the tenants of
   * submissions that ask to queue (whether a job fits now), absent for the others.
   */
  activeUse: ReadonlyMap<string, ActiveUse>;
  /** Earlier submissions by `idempotencyRecordKey`. */
  earlier: ReadonlyMap<string, EarlierSubmission>;
}

export type Admission =
  | {
      kind: "accept";
      job: SubmittedJob;
      /** The 202 body. */
      body: JobView;
      /** What a retry with the same Idempotency-Key gets; none without a key. */
      idempotencyRecord: NewIdempotencyRecord | undefined;
    }
  | { kind: "replay"; body: JobView }
  | { kind: "refuse"; refusal: ApiError };

/** How accepted jobs get their id and submission time. */
export interface NewJobIdentity {
  newJobId(): string;
  now(): Date;
}

/**
 * Decides a batch of submissions in arrival order, each on its own tenant's limits and keys.
 * A submission accepted here counts against its tenant's limit for the ones after it, and a
 * later one with the same Idempotency-Key replays it.
 */
export function admitSubmissions(
  submissions: readonly JobSubmission[],
  state: AdmissionState,
  identity: NewJobIdentity,
): Admission[] {
  const activeJobs = new Map(state.activeJobs);
  const queuedJobs = new Map(state.queuedJobs);
  const activeUse = new Map(state.activeUse);
  const earlier = new Map(state.earlier);
  return submissions.map((submission) => {
    const fingerprint =
      submission.idempotencyKey === undefined
        ? undefined
        : requestFingerprint(submission.request, submission.rerunOf);
    const recordKey =
      submission.idempotencyKey === undefined
        ? undefined
        : idempotencyRecordKey({ tenantId: submission.tenantId, key: submission.idempotencyKey });
    const { tenantId } = submission;
    const admission = admitSubmission(submission, {
      tenant: state.tenants.get(tenantId),
      activeJobs: activeJobs.get(tenantId) ?? 0,
      queuedJobs: queuedJobs.get(tenantId) ?? 0,
      activeUse: activeUse.get(tenantId),
      earlier: recordKey === undefined ? undefined : earlier.get(recordKey),
      fingerprint,
      identity,
    });
    if (admission.kind === "accept") {
      const { job } = admission;
      if (job.status === "QUEUED") {
        queuedJobs.set(tenantId, (queuedJobs.get(tenantId) ?? 0) + 1);
      } else {
        activeJobs.set(tenantId, (activeJobs.get(tenantId) ?? 0) + 1);
        const use = activeUse.get(tenantId);
        if (use) {
          activeUse.set(tenantId, {
            jobs: use.jobs + 1,
            cpu: use.cpu + job.cpuRequest,
            memoryGi: use.memoryGi + job.memoryGi,
          });
        }
      }
      if (recordKey !== undefined && admission.idempotencyRecord) {
        earlier.set(recordKey, admission.idempotencyRecord);
      }
    }
    return admission;
  });
}

/**
 * The rules for one submission, in order: the tenant must exist; a repeated Idempotency-Key
 * replays the first answer (or is refused when the body differs); the scenario must be one of
 * the tenant's; a job larger than the
 * tenant's CPU or memory limit can never run; at the concurrent-job limit the answer is 429.
 */
export function admitSubmission(
  submission: JobSubmission,
  known: {
    tenant: Tenant | undefined;
    activeJobs: number;
    queuedJobs: number;
    activeUse: ActiveUse | undefined;
    earlier: EarlierSubmission | undefined;
    /** requestFingerprint(request), when the submission has an Idempotency-Key. */
    fingerprint: Buffer | undefined;
    identity: NewJobIdentity;
  },
): Admission {
  const { tenantId, request, idempotencyKey } = submission;
  const { tenant, earlier, fingerprint } = known;
  if (!tenant) return refuse(new ApiError("unauthorized", "Invalid API key"));

  if (earlier && fingerprint) {
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

  const { scenario } = submission;
  if (!scenario) {
    return refuse(
      new ApiError(
        "unknown_scenario",
        `No scenario ${request.scenario_id} among the tenant's scenarios`,
        {
          details: [{ field: "scenario_id", message: "names none of the tenant's scenarios" }],
        },
      ),
    );
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

  // Asked to queue: it waits (QUEUED) behind the tenant's queued jobs, or when it cannot start
  // now; the scheduler's TenantQueue starts it when it may.
  const use = known.activeUse ?? { jobs: known.activeJobs, cpu: 0, memoryGi: 0 };
  const waits = request.queue
    ? waitingFor(tenant, use, { cpuRequest: request.cpu_request, memoryGi: request.memory_gi })
    : undefined;
  const queued = request.queue === true && (known.queuedJobs > 0 || waits !== undefined);

  if (!queued && known.activeJobs >= tenant.maxConcurrentJobs) {
    return refuse(
      new ApiError(
        "concurrent_job_limit_reached",
        `${known.activeJobs} jobs are already pending or running; the limit is ${tenant.maxConcurrentJobs}`,
        { headers: { "Retry-After": String(CONCURRENT_LIMIT_RETRY_AFTER_SECONDS) } },
      ),
    );
  }

  const now = known.identity.now();
  const job: SubmittedJob = {
    id: known.identity.newJobId(),
    tenantId,
    scenarioId: scenario.id,
    scenarioName: scenario.name,
    scenarioSha256: scenario.bundleSha256,
    scenarioConfig: scenario.config,
    scenario: request.scenario ?? null,
    cpuRequest: request.cpu_request,
    memoryGi: request.memory_gi,
    rerunOfJobId: submission.rerunOf ?? null,
    sweepId: null,
    status: queued ? "QUEUED" : "PENDING",
    submittedAt: now,
  };
  const view = toJobView({
    ...job,
    cancelledAt: null,
    cancelledBy: null,
    updatedAt: now,
    failureReason: null,
    exitCode: null,
    result: null,
    progress: null,
    progressCheckedAt: null,
    namespace: null,
    kubernetesJobName: null,
    podName: null,
    scheduledAt: null,
    startedAt: null,
    finishedAt: null,
  });
  const body: JobView = queued
    ? { ...view, queue: { position: known.queuedJobs + 1, waiting_for: waits ?? null } }
    : view;
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

/**
 * Hash of the request body, key order aside, and of the job a rerun runs again: the same key
 * with another body (or a rerun of another job) is refused.
 */
export function requestFingerprint(request: SubmitJobRequest, rerunOf?: string): Buffer {
  return createHash("sha256")
    .update(stringify(rerunOf === undefined ? request : { ...request, rerun_of: rerunOf }) ?? "")
    .digest();
}

function refuse(refusal: ApiError): Admission {
  return { kind: "refuse", refusal };
}
