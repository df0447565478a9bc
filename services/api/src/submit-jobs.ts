import { type Database, transactionOnConnection } from "@sumo/db/client";
import {
  countJobsOfTenants,
  findIdempotencyRecords,
  findTenantScenarios,
  getActiveUse,
  insertIdempotencyRecords,
  insertSubmittedJobs,
  lockTenants,
  type ScenarioRef,
  scenarioRefKey,
} from "@sumo/db/queries";
import { enqueueInTransaction, JOB_SUBMITTED_QUEUE } from "@sumo/db/queues";
import type { JobView } from "@sumo/http/job-view";
import type { PgBoss } from "pg-boss";
import { v7 as uuidv7 } from "uuid";
import {
  admitSubmissions,
  type JobSubmission,
  type NewJobIdentity,
  type ResolvedScenario,
} from "./admission.ts";

/** A submission's scenario is the tenant's one its `request.scenario_id` names (submitJobs). */
export const SCENARIO_NAMED = "named";

/**
 * A submission as a route hands it to submitJobs: its scenario either SCENARIO_NAMED, looked up
 * with the batch, or given (a rerun runs the bundle its original ran: undefined when that is
 * gone).
 */
export type NewSubmission = Omit<JobSubmission, "scenario"> & {
  scenario: typeof SCENARIO_NAMED | ResolvedScenario | undefined;
};

export interface SubmitJobResult {
  status: 202;
  body: JobView;
  /** True when this is the stored answer to an earlier request with the same Idempotency-Key. */
  replayed: boolean;
}

const jobIdentity: NewJobIdentity = {
  // The uuid package's v7 counts up within a millisecond (Node's randomUUIDv7 does not), so
  // jobs submitted in the same millisecond still list in submission order.
  newJobId: () => uuidv7(),
  now: () => new Date(),
};

/**
 * Accepts a batch of submissions in one transaction: reads what admission needs under the
 * tenants' locks (with the scenarios the submissions name), decides each submission
 * (admission.ts), then writes the accepted jobs' rows and their JOB_SUBMITTED messages together,
 * so no job exists without its message or the other way round. Outcomes come in submission
 * order; a refusal is its ApiError.
 *
 * The tenants' rows stay locked until commit, so submissions of one tenant (in this batch or
 * another, on any replica) take turns: the concurrent-job count and the Idempotency-Key
 * lookups cannot race.
 */
export async function submitJobs(
  deps: {
    db: Database;
    boss: PgBoss;
    /** How long an accepted submission's Idempotency-Key replays it. */
    idempotencyKeyTtlMs: number;
  },
  batch: NewSubmission[],
): Promise<PromiseSettledResult<SubmitJobResult>[]> {
  return transactionOnConnection(deps.db, async (connection) => {
    const named = batch.flatMap(({ tenantId, request, scenario }): ScenarioRef[] =>
      scenario === SCENARIO_NAMED ? [{ tenantId, ref: request.scenario_id }] : [],
    );
    const tenantIds = [...new Set(batch.map((s) => s.tenantId))];
    // Sent together (the api's connections pipeline), and run by PostgreSQL one after the
    // other: the count and the key lookup take their snapshots once the locks are held, so
    // they see every job a transaction that held a lock before this one committed.
    // What a job asking to queue needs to know whether it fits now: only for its tenants.
    const queueing = [...new Set(batch.filter((s) => s.request.queue).map((s) => s.tenantId))];
    const [scenarios, tenants, counts, activeUse, earlier] = await Promise.all([
      // The scenarios' rows are not locked: a scenario deleted meanwhile leaves its bundle
      // stored while a job names it (by content), as when it is deleted after the job commits.
      findTenantScenarios(connection, named),
      lockTenants(connection, tenantIds),
      countJobsOfTenants(connection, tenantIds),
      Promise.all(queueing.map(async (id) => [id, await getActiveUse(connection, id)] as const)),
      findIdempotencyRecords(
        connection,
        batch.flatMap(({ tenantId, idempotencyKey: key }) =>
          key === undefined ? [] : [{ tenantId, key }],
        ),
      ),
    ]);
    const submissions = batch.map(
      (submission): JobSubmission => ({
        ...submission,
        scenario:
          submission.scenario === SCENARIO_NAMED
            ? scenarios.get(
                scenarioRefKey({
                  tenantId: submission.tenantId,
                  ref: submission.request.scenario_id,
                }),
              )
            : submission.scenario,
      }),
    );
    const admissions = admitSubmissions(
      submissions,
      {
        tenants: new Map(tenants.map((t) => [t.id, t])),
        activeJobs: counts.active,
        queuedJobs: counts.queued,
        activeUse: new Map(activeUse),
        earlier,
      },
      jobIdentity,
    );

    const accepted = admissions.filter((a) => a.kind === "accept");
    const jobs = accepted.map((a) => a.job);
    await Promise.all([
      insertSubmittedJobs(connection, jobs),
      enqueueInTransaction(
        deps.boss,
        connection,
        JOB_SUBMITTED_QUEUE,
        // A QUEUED job's message comes when its queue starts it (the scheduler's TenantQueue,
        // which the database tells of it).
        jobs
          .filter((job) => job.status === "PENDING")
          .map((job) => ({ id: job.id, data: { jobId: job.id, tenantId: job.tenantId } })),
      ),
      insertIdempotencyRecords(
        connection,
        accepted.flatMap((a) => a.idempotencyRecord ?? []),
        { ttlMs: deps.idempotencyKeyTtlMs },
      ),
    ]);

    return admissions.map((a): PromiseSettledResult<SubmitJobResult> => {
      if (a.kind === "refuse") return { status: "rejected", reason: a.refusal };
      return {
        status: "fulfilled",
        value: { status: 202, body: a.body, replayed: a.kind === "replay" },
      };
    });
  });
}
