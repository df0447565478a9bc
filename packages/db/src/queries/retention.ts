// Retention: what the scheduler's retention sweep deletes (services/scheduler/src/
// retention-sweep.ts), one small batch per transaction. A batch locks only rows nothing uses any
// more: ended jobs (skipping any another transaction holds), their kept logs, sweeps whose
// members have all ended, bundles nothing names, expired Idempotency-Key records. Submissions
// lock their tenant's row and write new jobs, counts of open statuses and records of live keys,
// none of which a batch touches, so they never wait for one.
import {
  and,
  eq,
  gte,
  inArray,
  isNull,
  lt,
  lte,
  notExists,
  notInArray,
  or,
  sql,
} from "drizzle-orm";
import type { Transaction } from "../client.ts";
import { TERMINAL_JOB_STATUSES } from "../job-status.ts";
import { idempotencyKeys } from "../schema/idempotency-keys.ts";
import { jobLogs } from "../schema/job-logs.ts";
import { jobs } from "../schema/jobs.ts";
import { scenarioBundles, scenarios } from "../schema/scenarios.ts";
import { sweeps } from "../schema/sweeps.ts";
import { isForeignKeyViolation } from "./postgres-errors.ts";

/** Rows one retention batch deleted, by table. */
export interface RetentionDeleted {
  jobs: number;
  jobLogs: number;
  sweeps: number;
  scenarioBundles: number;
}

/** A bundle, by tenant and content, that deleted rows named. */
interface NamedBundle {
  tenantId: string;
  sha256: string | null;
}

/**
 * Deletes up to `limit` ended jobs in no sweep whose end was written before `endedBefore`, with
 * their kept logs, and then their bundles if nothing names them any more (no scenario, job or
 * sweep). Run it in a transaction of its own: the jobs stay locked until it ends. A rerun of a
 * deleted job stays, its `rerun_of` cleared (the foreign key's ON DELETE SET NULL); the tenants'
 * job counts follow the deletes (migration 0002's triggers).
 */
export async function deleteEndedJobs(
  tx: Transaction,
  params: { endedBefore: Date; limit: number },
): Promise<RetentionDeleted> {
  // A job's end is its last write (updated_at): nothing writes an ended job again. The
  // submission time, never later than the end, lets the statuses' index narrow the scan; an
  // index of updated_at would make every status write a non-HOT update.
  const ended = await tx
    .select({ id: jobs.id })
    .from(jobs)
    .where(
      and(
        inArray(jobs.status, [...TERMINAL_JOB_STATUSES]),
        isNull(jobs.sweepId),
        lt(jobs.submittedAt, params.endedBefore),
        lt(jobs.updatedAt, params.endedBefore),
      ),
    )
    .limit(params.limit)
    .for("update", { skipLocked: true });
  return deleteJobsWithLogs(
    tx,
    ended.map((job) => job.id),
  );
}

/**
 * Deletes sweeps that ended before `endedBefore` (created before it, every member ended before
 * it), up to `limit` of their members per call: each sweep's row goes in the call that deletes
 * its last members, so a sweep is never left without members, and never loses one while another
 * runs or ended lately. Bundles then nothing names go too. Run it in a transaction of its own.
 */
export async function deleteEndedSweeps(
  tx: Transaction,
  params: { endedBefore: Date; limit: number },
): Promise<RetentionDeleted> {
  const unfinishedMember = tx
    .select({ id: jobs.id })
    .from(jobs)
    .where(
      and(
        eq(jobs.sweepId, sweeps.id),
        or(
          notInArray(jobs.status, [...TERMINAL_JOB_STATUSES]),
          gte(jobs.updatedAt, params.endedBefore),
        ),
      ),
    );
  const ended = await tx
    .select({ id: sweeps.id })
    .from(sweeps)
    .where(and(lt(sweeps.createdAt, params.endedBefore), notExists(unfinishedMember)))
    .orderBy(sweeps.createdAt)
    .limit(params.limit);
  if (ended.length === 0) return nothingDeleted();
  const sweepIds = ended.map((sweep) => sweep.id);

  const members = await tx
    .select({ id: jobs.id })
    .from(jobs)
    .where(inArray(jobs.sweepId, sweepIds))
    .orderBy(jobs.id)
    .limit(params.limit)
    .for("update", { skipLocked: true });
  const deleted = await deleteJobsWithLogs(
    tx,
    members.map((member) => member.id),
  );
  const emptied = await tx
    .delete(sweeps)
    .where(
      and(
        inArray(sweeps.id, sweepIds),
        notExists(tx.select({ id: jobs.id }).from(jobs).where(eq(jobs.sweepId, sweeps.id))),
      ),
    )
    .returning({ tenantId: sweeps.tenantId, sha256: sweeps.scenarioSha256 });
  return {
    ...deleted,
    sweeps: emptied.length,
    scenarioBundles: deleted.scenarioBundles + (await deleteUnnamedBundles(tx, emptied)),
  };
}

/** Deletes up to `limit` Idempotency-Key records that have expired; returns how many. */
export async function deleteExpiredIdempotencyRecords(
  tx: Transaction,
  params: { limit: number },
): Promise<number> {
  const expired = tx
    .select({ tenantId: idempotencyKeys.tenantId, key: idempotencyKeys.key })
    .from(idempotencyKeys)
    .where(lte(idempotencyKeys.expiresAt, sql`now()`))
    .limit(params.limit)
    .for("update", { skipLocked: true });
  const deleted = await tx
    .delete(idempotencyKeys)
    .where(sql`(${idempotencyKeys.tenantId}, ${idempotencyKeys.key}) IN ${expired}`)
    .returning({ key: idempotencyKeys.key });
  return deleted.length;
}

async function deleteJobsWithLogs(tx: Transaction, ids: string[]): Promise<RetentionDeleted> {
  if (ids.length === 0) return nothingDeleted();
  // The logs first, explicitly (the foreign key would cascade), so they are counted.
  const logs = await tx
    .delete(jobLogs)
    .where(inArray(jobLogs.jobId, ids))
    .returning({ jobId: jobLogs.jobId });
  const deleted = await tx
    .delete(jobs)
    .where(inArray(jobs.id, ids))
    .returning({ tenantId: jobs.tenantId, sha256: jobs.scenarioSha256 });
  return {
    jobs: deleted.length,
    jobLogs: logs.length,
    sweeps: 0,
    scenarioBundles: await deleteUnnamedBundles(tx, deleted),
  };
}

/**
 * Deletes those of these bundles that no scenario, job or sweep names; returns how many. A
 * submission or upload naming one at the same moment makes the foreign keys refuse the delete:
 * then the bundles stay (the savepoint keeps the batch), and go when what names them does.
 */
async function deleteUnnamedBundles(tx: Transaction, named: NamedBundle[]): Promise<number> {
  const bundles = new Map<string, { tenantId: string; sha256: string }>();
  for (const { tenantId, sha256 } of named) {
    if (sha256 !== null) bundles.set(`${tenantId} ${sha256}`, { tenantId, sha256 });
  }
  if (bundles.size === 0) return 0;
  const candidates = sql.join(
    [...bundles.values()].map(({ tenantId, sha256 }) => sql`(${tenantId}::uuid, ${sha256}::text)`),
    sql`, `,
  );
  const { tenantId, sha256 } = scenarioBundles;
  try {
    return await tx.transaction(async (savepoint) => {
      const deleted = await savepoint
        .delete(scenarioBundles)
        .where(
          and(
            sql`(${tenantId}, ${sha256}) IN (${candidates})`,
            notExists(
              savepoint
                .select({ id: scenarios.id })
                .from(scenarios)
                .where(and(eq(scenarios.tenantId, tenantId), eq(scenarios.bundleSha256, sha256))),
            ),
            notExists(
              savepoint
                .select({ id: jobs.id })
                .from(jobs)
                .where(and(eq(jobs.tenantId, tenantId), eq(jobs.scenarioSha256, sha256))),
            ),
            notExists(
              savepoint
                .select({ id: sweeps.id })
                .from(sweeps)
                .where(and(eq(sweeps.tenantId, tenantId), eq(sweeps.scenarioSha256, sha256))),
            ),
          ),
        )
        .returning({ sha256 });
      return deleted.length;
    });
  } catch (error) {
    if (!isForeignKeyViolation(error)) throw error;
    return 0;
  }
}

function nothingDeleted(): RetentionDeleted {
  return { jobs: 0, jobLogs: 0, sweeps: 0, scenarioBundles: 0 };
}
