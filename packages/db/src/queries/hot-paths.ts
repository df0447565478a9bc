// The platform's hot paths, prepared: every statement of a submission's transaction (find the
// scenarios the submissions name, lock the tenants, count their active and queued jobs, find
// earlier Idempotency-Key records, insert the jobs and the records), inserting a sweep's
// members, the API key lookup of every request, resolving a scenario, reading one job with its
// reruns, and the reconciler's read of a job's row and write of its observed status.
// Each is a named prepared statement: drizzle renders it once per process and PostgreSQL parses
// and plans it once per connection, where on these paths rendering and planning cost more than
// running it (docs/benchmarks.md). Every other query in queries/ is built per call with
// drizzle's query builder; this file is the exception, kept in one place, not a second way to
// write queries.
import {
  and,
  asc,
  eq,
  fillPlaceholders,
  getTableColumns,
  inArray,
  isNull,
  type SQL,
  sql,
} from "drizzle-orm";
import { alias, PgDialect } from "drizzle-orm/pg-core";
import type pg from "pg";
import type { DatabaseOrTransaction } from "../client.ts";
import { ACTIVE_JOB_STATUSES, statusesThatMayBecome } from "../job-status.ts";
import { apiKeys } from "../schema/api-keys.ts";
import {
  type IdempotencyRecord,
  idempotencyKeys,
  type NewIdempotencyRecord,
} from "../schema/idempotency-keys.ts";
import { jobLogs } from "../schema/job-logs.ts";
import { type Job, jobs } from "../schema/jobs.ts";
import { type Scenario, scenarios } from "../schema/scenarios.ts";
import { sweeps } from "../schema/sweeps.ts";
import { tenantJobCounts } from "../schema/tenant-job-counts.ts";
import { type Tenant, tenants } from "../schema/tenants.ts";
import type { ObservedJobStatus } from "./jobs.ts";
import { requireTenantId } from "./tenant-scope.ts";

// How the statements below are prepared.

/**
 * A query builder's statement, prepared once per database handle: drizzle renders it once, and
 * PostgreSQL plans it once per connection. A drizzle transaction is a handle of its own, so in
 * one the statement is prepared for that transaction only; a handle over one connection
 * (transactionOnConnection) keeps it for the connection's life.
 */
function preparedQuery<Prepared>(
  build: (db: DatabaseOrTransaction) => Prepared,
): (db: DatabaseOrTransaction) => Prepared {
  const prepared = new WeakMap<DatabaseOrTransaction, Prepared>();
  return (db) => {
    let query = prepared.get(db);
    if (query === undefined) {
      query = build(db);
      prepared.set(db, query);
    }
    return query;
  };
}

/** What runs a statement that is not a query builder's: a pool, or one connection of it. */
export interface StatementRunner {
  $client: pg.Pool | pg.PoolClient;
}

const dialect = new PgDialect({ casing: "snake_case" });

/**
 * A statement the query builder cannot express (INSERT ... SELECT FROM jsonb_to_recordset),
 * rendered by drizzle once and run as a named prepared statement. Its values are
 * `sql.placeholder`s, given per call.
 */
function preparedSql(
  name: string,
  query: SQL,
): (db: StatementRunner, values: Record<string, unknown>) => Promise<pg.QueryResult> {
  const { sql: text, params } = dialect.sqlToQuery(query);
  return (db, values) => db.$client.query({ name, text, values: fillPlaceholders(params, values) });
}

/** The tenant owning a live (not revoked) key with this hash, with the stored hash. */
export async function findTenantByApiKeyHash(
  db: DatabaseOrTransaction,
  keyHash: Buffer,
): Promise<{ tenantId: string; apiKeyId: string; keyHash: Buffer } | undefined> {
  const [row] = await tenantByApiKeyHash(db).execute({ keyHash });
  return row;
}

const tenantByApiKeyHash = preparedQuery((db) =>
  db
    .select({ tenantId: apiKeys.tenantId, apiKeyId: apiKeys.id, keyHash: apiKeys.keyHash })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, sql.placeholder("keyHash")), isNull(apiKeys.revokedAt)))
    .prepare("tenant_by_api_key_hash"),
);

/** A job of this tenant; another tenant's job is not found, exactly like a missing one. */
export async function getTenantJob(
  db: DatabaseOrTransaction,
  params: { tenantId: string; jobId: string },
): Promise<Job | undefined> {
  const [job] = await tenantJob(db).execute({
    tenantId: requireTenantId(params.tenantId),
    jobId: params.jobId,
  });
  return job;
}

const tenantJob = preparedQuery((db) =>
  db
    .select()
    .from(jobs)
    .where(
      and(eq(jobs.id, sql.placeholder("jobId")), eq(jobs.tenantId, sql.placeholder("tenantId"))),
    )
    .prepare("tenant_job"),
);

/** How many of a job's reruns reading the job lists (getTenantJobWithReruns). */
export const JOB_RERUNS_LISTED = 100;

/**
 * A job of this tenant with the ids of its reruns (the tenant's jobs that run it again), oldest
 * first, at most JOB_RERUNS_LISTED: GET /v1/jobs/{id} in one round trip. Another tenant's job is
 * not found, exactly like a missing one.
 */
export async function getTenantJobWithReruns(
  db: DatabaseOrTransaction,
  params: { tenantId: string; jobId: string },
): Promise<(Job & { reruns: string[] }) | undefined> {
  const [job] = await tenantJobWithReruns(db).execute({
    tenantId: requireTenantId(params.tenantId),
    jobId: params.jobId,
  });
  return job;
}

const reruns = alias(jobs, "reruns");
const tenantJobWithReruns = preparedQuery((db) =>
  db
    .select({
      ...getTableColumns(jobs),
      reruns: sql<string[]>`ARRAY(${db
        .select({ id: sql`${reruns.id}::text` })
        .from(reruns)
        .where(and(eq(reruns.rerunOfJobId, jobs.id), eq(reruns.tenantId, jobs.tenantId)))
        .orderBy(reruns.submittedAt, reruns.id)
        .limit(JOB_RERUNS_LISTED)})`,
    })
    .from(jobs)
    .where(
      and(eq(jobs.id, sql.placeholder("jobId")), eq(jobs.tenantId, sql.placeholder("tenantId"))),
    )
    .prepare("tenant_job_with_reruns"),
);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The tenant's scenario with this id or name (names are never uuid-shaped, so the two cannot
 * collide); another tenant's scenario is not found, exactly like a missing one. Every
 * submission resolves its scenario_id here.
 */
export async function findTenantScenario(
  db: DatabaseOrTransaction,
  params: { tenantId: string; ref: string },
): Promise<Scenario | undefined> {
  const tenantId = requireTenantId(params.tenantId);
  const [row] = UUID.test(params.ref)
    ? await tenantScenarioById(db).execute({ tenantId, id: params.ref })
    : await tenantScenarioByName(db).execute({ tenantId, name: params.ref });
  return row;
}

const tenantScenarioById = preparedQuery((db) =>
  db
    .select()
    .from(scenarios)
    .where(
      and(
        eq(scenarios.id, sql.placeholder("id")),
        eq(scenarios.tenantId, sql.placeholder("tenantId")),
      ),
    )
    .prepare("tenant_scenario_by_id"),
);

const tenantScenarioByName = preparedQuery((db) =>
  db
    .select()
    .from(scenarios)
    .where(
      and(
        eq(scenarios.name, sql.placeholder("name")),
        eq(scenarios.tenantId, sql.placeholder("tenantId")),
      ),
    )
    .prepare("tenant_scenario_by_name"),
);

/** A scenario as a submission names it: by id or by name, among its tenant's. */
export interface ScenarioRef {
  tenantId: string;
  ref: string;
}

/** What a job takes of its scenario (findTenantScenarios). */
export type SubmittedScenario = Pick<
  Scenario,
  "tenantId" | "id" | "name" | "bundleSha256" | "config"
>;

/** The key of a ScenarioRef in findTenantScenarios' answer. */
export const scenarioRefKey = (ref: ScenarioRef) => `${ref.tenantId} ${ref.ref}`;

/**
 * The scenarios a batch of submissions names, each among its own tenant's (as
 * findTenantScenario finds one), by scenarioRefKey; a ref that names none is missing. One
 * statement for the whole batch, so it travels with the batch's other reads.
 */
export async function findTenantScenarios(
  db: StatementRunner,
  refs: readonly ScenarioRef[],
): Promise<Map<string, SubmittedScenario>> {
  const found = new Map<string, SubmittedScenario>();
  if (refs.length === 0) return found;
  const byId = refs.filter((r) => UUID.test(r.ref));
  const byName = refs.filter((r) => !UUID.test(r.ref));
  const { rows } = await tenantScenarios(db, {
    idTenants: byId.map((r) => requireTenantId(r.tenantId)),
    ids: byId.map((r) => r.ref),
    nameTenants: byName.map((r) => requireTenantId(r.tenantId)),
    names: byName.map((r) => r.ref),
  });
  for (const row of rows as (SubmittedScenario & { byName: boolean; n: string })[]) {
    const { byName: named, n, ...scenario } = row;
    const ref = (named ? byName : byId)[Number(n) - 1];
    if (ref) found.set(scenarioRefKey(ref), scenario);
  }
  return found;
}

const scenarioColumns = sql`s.tenant_id AS "tenantId", s.id, s.name, s.bundle_sha256 AS "bundleSha256", s.config`;
const tenantScenarios = preparedSql(
  "tenant_scenarios",
  sql`SELECT ${scenarioColumns}, false AS "byName", r.n
      FROM unnest(${sql.placeholder("idTenants")}::uuid[], ${sql.placeholder("ids")}::uuid[])
        WITH ORDINALITY AS r(tenant_id, id, n)
      JOIN ${scenarios} s ON s.tenant_id = r.tenant_id AND s.id = r.id
    UNION ALL
    SELECT ${scenarioColumns}, true AS "byName", r.n
      FROM unnest(${sql.placeholder("nameTenants")}::uuid[], ${sql.placeholder("names")}::text[])
        WITH ORDINALITY AS r(tenant_id, name, n)
      JOIN ${scenarios} s ON s.tenant_id = r.tenant_id AND s.name = r.name`,
);

/**
 * Reads tenants and locks their rows until the transaction ends (missing ones are left out).
 * Submissions of one tenant take turns on this lock, which is what makes the concurrent-job
 * limit hold under parallel requests. Rows are locked in id order, so two transactions locking
 * overlapping sets of tenants wait for each other instead of deadlocking. The lock is FOR NO KEY
 * UPDATE: it does not stop foreign key checks of rows that name the tenant (a cancel adding the
 * tenant's first CANCELLED count), which would otherwise wait for it while holding jobs the
 * lock's holder goes on to update.
 */
export async function lockTenants(
  tx: DatabaseOrTransaction,
  tenantIds: string[],
): Promise<Tenant[]> {
  if (tenantIds.length === 0) return [];
  return lockedTenants(tx).execute({ tenantIds });
}

const lockedTenants = preparedQuery((db) =>
  db
    .select()
    .from(tenants)
    .where(sql`${tenants.id} = ANY(${sql.placeholder("tenantIds")}::uuid[])`)
    .orderBy(asc(tenants.id))
    .for("no key update")
    .prepare("lock_tenants"),
);

/** A tenant's jobs that count against its concurrent-job limit, and those waiting in its queue. */
export interface TenantJobCounts {
  /** Jobs of each tenant in ACTIVE_JOB_STATUSES. */
  active: Map<string, number>;
  /** Each tenant's QUEUED jobs. */
  queued: Map<string, number>;
}

/**
 * Each tenant's active and queued jobs, from tenant_job_counts, in one statement. Exact only
 * while the tenants' rows are locked (lockTenants): a tenant's submissions and its queue's
 * starts hold that lock, and its jobs only leave these statuses, never enter them, meanwhile.
 */
export async function countJobsOfTenants(
  db: DatabaseOrTransaction,
  tenantIds: string[],
): Promise<TenantJobCounts> {
  const rows = await jobCountsOfTenants(db).execute({ tenantIds });
  const counts: TenantJobCounts = {
    active: new Map(tenantIds.map((id) => [id, 0])),
    queued: new Map(tenantIds.map((id) => [id, 0])),
  };
  for (const row of rows) {
    counts.active.set(row.tenantId, Number(row.active));
    counts.queued.set(row.tenantId, Number(row.queued));
  }
  return counts;
}

const jobCountsOfTenants = preparedQuery((db) =>
  db
    .select({
      tenantId: tenantJobCounts.tenantId,
      active: sql<string>`COALESCE(sum(${tenantJobCounts.jobs}) FILTER (WHERE ${inArray(tenantJobCounts.status, [...ACTIVE_JOB_STATUSES])}), 0)`,
      queued: sql<string>`COALESCE(sum(${tenantJobCounts.jobs}) FILTER (WHERE ${eq(tenantJobCounts.status, "QUEUED")}), 0)`,
    })
    .from(tenantJobCounts)
    .where(
      and(
        sql`${tenantJobCounts.tenantId} = ANY(${sql.placeholder("tenantIds")}::uuid[])`,
        inArray(tenantJobCounts.status, [...ACTIVE_JOB_STATUSES, "QUEUED"]),
      ),
    )
    .groupBy(tenantJobCounts.tenantId)
    .prepare("count_jobs_of_tenants"),
);

/**
 * The records of these (tenant, key) pairs that exist and have not expired, keyed by
 * `idempotencyRecordKey`. An expired record is absent here from the moment it expires, whether
 * or not the retention sweep has deleted it yet: its key starts afresh.
 */
export async function findIdempotencyRecords(
  db: DatabaseOrTransaction,
  keys: { tenantId: string; key: string }[],
): Promise<Map<string, IdempotencyRecord>> {
  if (keys.length === 0) return new Map();
  const records = await recordsOfKeys(db).execute({
    tenantIds: keys.map((k) => k.tenantId),
    keys: keys.map((k) => k.key),
  });
  return new Map(records.map((record) => [idempotencyRecordKey(record), record]));
}

// The pairs travel as two arrays, so the statement's text, and its plan, fit every batch.
const recordsOfKeys = preparedQuery((db) =>
  db
    .select()
    .from(idempotencyKeys)
    .where(
      sql`(${idempotencyKeys.tenantId}, ${idempotencyKeys.key}) IN (
        SELECT * FROM unnest(${sql.placeholder("tenantIds")}::uuid[], ${sql.placeholder("keys")}::text[]))
        AND ${idempotencyKeys.expiresAt} > now()`,
    )
    .prepare("find_idempotency_records"),
);

/** How findIdempotencyRecords keys its answer. */
export function idempotencyRecordKey(record: { tenantId: string; key: string }): string {
  return `${record.tenantId} ${record.key}`;
}

/** A job as submitted: nothing known about it in Kubernetes yet. */
export type SubmittedJob = Pick<
  Job,
  | "id"
  | "tenantId"
  | "scenarioId"
  | "scenarioName"
  | "scenarioSha256"
  | "scenarioConfig"
  | "scenario"
  | "cpuRequest"
  | "memoryGi"
  | "rerunOfJobId"
  | "sweepId"
  | "submittedAt"
> & {
  /** PENDING, for the scheduler now; QUEUED, to wait in its tenant's queue. */
  status: "PENDING" | "QUEUED";
};

/**
 * Inserts submitted jobs, PENDING or QUEUED. The rows travel as one JSON parameter
 * (jsonb_to_recordset), so the statement's text is the same whatever the batch, and it is
 * planned once per connection. Nothing is read back: the caller has every value.
 */
export async function insertSubmittedJobs(
  db: StatementRunner,
  submitted: SubmittedJob[],
): Promise<void> {
  if (submitted.length === 0) return;
  const rows = JSON.stringify(
    submitted.map((job) => ({
      id: job.id,
      tenant_id: job.tenantId,
      scenario_id: job.scenarioId,
      scenario_name: job.scenarioName,
      scenario_sha256: job.scenarioSha256,
      scenario_config: job.scenarioConfig,
      scenario: job.scenario,
      cpu_request: job.cpuRequest,
      memory_gi: job.memoryGi,
      rerun_of_job_id: job.rerunOfJobId,
      sweep_id: job.sweepId,
      status: job.status,
      submitted_at: job.submittedAt.toISOString(),
    })),
  );
  await insertSubmitted(db, { rows });
}

const insertSubmitted = preparedSql(
  "insert_submitted_jobs",
  sql`
    INSERT INTO ${jobs} (id, tenant_id, scenario_id, scenario_name, scenario_sha256, scenario_config, scenario, cpu_request, memory_gi, rerun_of_job_id, sweep_id, status, submitted_at, updated_at)
    SELECT id, tenant_id, scenario_id, scenario_name, scenario_sha256, scenario_config, scenario, cpu_request, memory_gi, rerun_of_job_id, sweep_id, status, submitted_at, submitted_at
    FROM jsonb_to_recordset(${sql.placeholder("rows")}::jsonb) AS submitted(
      id uuid, tenant_id uuid, scenario_id text, scenario_name text, scenario_sha256 text, scenario_config text, scenario jsonb,
      cpu_request numeric, memory_gi numeric, rerun_of_job_id uuid, sweep_id uuid, status job_status, submitted_at timestamptz
    )`,
);

/** A sweep's member as it is stored: its job's id and its own run parameters. */
export interface SweepMember {
  id: string;
  scenario: Job["scenario"];
}

/**
 * Inserts a sweep's members, QUEUED, in the caller's transaction, after the sweep's row: what
 * every member shares is read from that row, so only ids and run parameters travel.
 */
export async function insertSweepMembers(
  db: StatementRunner,
  sweepId: string,
  members: SweepMember[],
): Promise<void> {
  await insertMembers(db, {
    sweepId,
    ids: members.map((member) => member.id),
    scenarios: JSON.stringify(members.map((member) => member.scenario)),
  });
}

const insertMembers = preparedSql(
  "insert_sweep_members",
  sql`
    INSERT INTO ${jobs} (id, tenant_id, scenario_id, scenario_name, scenario_sha256, scenario_config, scenario, cpu_request, memory_gi, sweep_id, status, submitted_at, updated_at)
    SELECT member.id, sweep.tenant_id, sweep.scenario_id, sweep.scenario_name, sweep.scenario_sha256, sweep.scenario_config, member.scenario, sweep.cpu_request, sweep.memory_gi, sweep.id, 'QUEUED', sweep.created_at, sweep.created_at
    FROM ${sweeps} AS sweep,
      unnest(${sql.placeholder("ids")}::uuid[], ARRAY(SELECT jsonb_array_elements(${sql.placeholder("scenarios")}::jsonb))) AS member(id, scenario)
    WHERE sweep.id = ${sql.placeholder("sweepId")}`,
);

/**
 * Stores Idempotency-Key records, as insertSubmittedJobs stores jobs (one JSON parameter), each
 * expiring `ttlMs` after now. A key whose earlier record has expired (findIdempotencyRecords did
 * not find it) gets the new record in its place.
 */
export async function insertIdempotencyRecords(
  db: StatementRunner,
  records: NewIdempotencyRecord[],
  params: { ttlMs: number },
): Promise<void> {
  if (records.length === 0) return;
  const rows = JSON.stringify(
    records.map((record) => ({
      tenant_id: record.tenantId,
      key: record.key,
      request_fingerprint: record.requestFingerprint.toString("hex"),
      response_status: record.responseStatus,
      response_body: record.responseBody,
    })),
  );
  await insertRecords(db, { rows, ttlSeconds: params.ttlMs / 1000 });
}

// Only an expired record is replaced: under the tenant's lock (submitJobs) a live one was found
// and replayed instead, so the update's condition holds for every conflict that reaches it.
const insertRecords = preparedSql(
  "insert_idempotency_records",
  sql`
    INSERT INTO ${idempotencyKeys} (tenant_id, key, request_fingerprint, response_status, response_body, expires_at)
    SELECT tenant_id, key, decode(request_fingerprint, 'hex'), response_status, response_body,
      now() + make_interval(secs => ${sql.placeholder("ttlSeconds")}::float8)
    FROM jsonb_to_recordset(${sql.placeholder("rows")}::jsonb) AS record(
      tenant_id uuid, key text, request_fingerprint text, response_status integer, response_body jsonb
    )
    ON CONFLICT (tenant_id, key) DO UPDATE SET
      request_fingerprint = EXCLUDED.request_fingerprint,
      response_status = EXCLUDED.response_status,
      response_body = EXCLUDED.response_body,
      created_at = EXCLUDED.created_at,
      expires_at = EXCLUDED.expires_at
    WHERE ${idempotencyKeys}.expires_at <= now()`,
);

/**
 * Writes an observed status, only ever forwards (JOB_STATUS_TRANSITIONS; the database refuses
 * anything else too): a late or replayed observation never undoes a newer one, and an ended job
 * stays as it ended. Fields already known are kept. Returns whether the row changed; an
 * identical observation writes nothing. The reconciler's write of every status it sees.
 */
export async function recordObservedJobStatus(
  db: DatabaseOrTransaction,
  observed: ObservedJobStatus,
): Promise<boolean> {
  const changed = await observedJobStatus(db).execute({
    jobId: observed.jobId,
    status: observed.status,
    mayBecome: statusesThatMayBecome(observed.status),
    podName: observed.podName,
    startedAt: observed.startedAt?.toISOString() ?? null,
    finishedAt: observed.finishedAt?.toISOString() ?? null,
    exitCode: observed.exitCode,
    failureReason: observed.failureReason,
    result: observed.result === null ? null : JSON.stringify(observed.result),
  });
  return changed.length > 0;
}

const observedJobStatus = preparedQuery((db) => {
  const podName = sql`${sql.placeholder("podName")}::text`;
  const startedAt = sql`${sql.placeholder("startedAt")}::timestamptz`;
  return db
    .update(jobs)
    .set({
      status: sql`${sql.placeholder("status")}::job_status`,
      podName: sql`COALESCE(${podName}, ${jobs.podName})`,
      startedAt: sql`COALESCE(${jobs.startedAt}, ${startedAt})`,
      finishedAt: sql`COALESCE(${jobs.finishedAt}, ${sql.placeholder("finishedAt")}::timestamptz)`,
      exitCode: sql`COALESCE(${jobs.exitCode}, ${sql.placeholder("exitCode")}::integer)`,
      failureReason: sql`COALESCE(${jobs.failureReason}, ${sql.placeholder("failureReason")}::text)`,
      result: sql`COALESCE(${jobs.result}, ${sql.placeholder("result")}::jsonb)`,
      updatedAt: sql`now()`,
    })
    .where(
      and(
        eq(jobs.id, sql.placeholder("jobId")),
        sql`${jobs.status} = ANY(${sql.placeholder("mayBecome")}::job_status[])`,
        sql`(${jobs.status} IS DISTINCT FROM ${sql.placeholder("status")}::job_status
          OR (${podName} IS NOT NULL AND ${jobs.podName} IS DISTINCT FROM ${podName})
          OR (${jobs.startedAt} IS NULL AND ${startedAt} IS NOT NULL))`,
      ),
    )
    .returning({ id: jobs.id })
    .prepare("record_observed_job_status");
});

/** What the reconciler needs of a job's row to converge it with Kubernetes. */
export type JobSyncState = Pick<
  Job,
  "id" | "tenantId" | "status" | "namespace" | "podName" | "scheduledAt" | "startedAt"
> & {
  /** Whether the job's last log lines are kept in job_logs. */
  logKept: boolean;
};

/**
 * A job's row as the reconciler reads it, at every change of its Kubernetes objects that could
 * change a decision; undefined when there is no such job.
 */
export async function getJobSyncState(
  db: DatabaseOrTransaction,
  jobId: string,
): Promise<JobSyncState | undefined> {
  const [row] = await jobSyncState(db).execute({ jobId });
  return row;
}

const jobSyncState = preparedQuery((db) =>
  db
    .select({
      id: jobs.id,
      tenantId: jobs.tenantId,
      status: jobs.status,
      namespace: jobs.namespace,
      podName: jobs.podName,
      scheduledAt: jobs.scheduledAt,
      startedAt: jobs.startedAt,
      logKept: sql<boolean>`${jobLogs.jobId} IS NOT NULL`,
    })
    .from(jobs)
    .leftJoin(jobLogs, eq(jobLogs.jobId, jobs.id))
    .where(eq(jobs.id, sql.placeholder("jobId")))
    .prepare("job_sync_state"),
);
