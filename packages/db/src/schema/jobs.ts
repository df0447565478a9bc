import type { RunProgress, RunSummary } from "@sumo/scenario";
import { sql } from "drizzle-orm";
import {
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  numeric,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { JOB_STATUSES } from "../job-status.ts";
import { scenarioBundles } from "./scenarios.ts";
import { sweeps } from "./sweeps.ts";
import { tenants } from "./tenants.ts";

/** The statuses of job-status.ts; the database refuses every move JOB_STATUS_TRANSITIONS does not allow. */
export const jobStatus = pgEnum("job_status", JOB_STATUSES);

/** Millisecond precision, so keyset cursors round-trip through JavaScript Dates exactly. */
const eventTime = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/**
 * One simulation job: what the tenant asked for, where it runs in Kubernetes, and a timestamp
 * for every event of its life.
 */
export const jobs = pgTable(
  "jobs",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    /** The scenario's id when submitted (jobs from before scenarios existed: what was sent). */
    scenarioId: text("scenario_id").notNull(),
    scenarioName: text("scenario_name"),
    /** The bundle the job runs, by content: fixed at submission, whatever the scenario becomes. */
    scenarioSha256: text("scenario_sha256"),
    /** The .sumocfg in the bundle it runs. */
    scenarioConfig: text("scenario_config"),
    /** The run parameters (the API's `scenario` object). */
    scenario: jsonb("scenario").$type<Record<string, unknown>>(),
    cpuRequest: numeric("cpu_request", { precision: 10, scale: 3, mode: "number" }).notNull(),
    memoryGi: numeric("memory_gi", { precision: 10, scale: 3, mode: "number" }).notNull(),
    status: jobStatus("status").notNull().default("PENDING"),
    failureReason: text("failure_reason"),
    exitCode: integer("exit_code"),
    /** The run summary the runner reported, stored when the job ended. */
    result: jsonb("result").$type<RunSummary>(),
    /** The last progress read from the running pod's log, with when it was read. */
    progress: jsonb("progress").$type<RunProgress & { readAt: string }>(),
    /** When a replica last took the turn to read the progress (claimProgressRead). */
    progressCheckedAt: eventTime("progress_checked_at"),
    namespace: text("namespace"),
    kubernetesJobName: text("kubernetes_job_name"),
    podName: text("pod_name"),
    /** When the job was cancelled, and by whom: "tenant" (its API) or "admin". */
    cancelledAt: eventTime("cancelled_at"),
    cancelledBy: text("cancelled_by").$type<"tenant" | "admin">(),
    /** The job this one runs again (POST /v1/jobs/{id}/rerun). */
    rerunOfJobId: uuid("rerun_of_job_id"),
    /** The sweep this job is a member of. */
    sweepId: uuid("sweep_id").references(() => sweeps.id, { onDelete: "cascade" }),
    submittedAt: eventTime("submitted_at").notNull().defaultNow(),
    scheduledAt: eventTime("scheduled_at"),
    startedAt: eventTime("started_at"),
    finishedAt: eventTime("finished_at"),
    updatedAt: eventTime("updated_at").notNull().defaultNow(),
  },
  (t) => [
    // A tenant's recent jobs, newest first (keyset pagination on submitted_at, id).
    index("jobs_tenant_recent_idx").on(t.tenantId, t.submittedAt.desc(), t.id.desc()),
    // A tenant's jobs in one status; also counts a tenant's active jobs for the concurrent limit.
    index("jobs_tenant_status_recent_idx").on(
      t.tenantId,
      t.status,
      t.submittedAt.desc(),
      t.id.desc(),
    ),
    // All jobs in one status across tenants (admin views, reconciler sweeps).
    index("jobs_status_recent_idx").on(t.status, t.submittedAt.desc(), t.id.desc()),
    // All jobs across tenants, newest first (admin views).
    index("jobs_recent_idx").on(t.submittedAt.desc(), t.id.desc()),
    // A bundle's jobs: whether one may be deleted (deleteTenantScenario, the foreign key's check).
    index("jobs_tenant_scenario_sha256_idx").on(t.tenantId, t.scenarioSha256),
    // A sweep's members, newest first, and their counts by status. Partial, as the next: most
    // jobs are in no sweep and rerun nothing, and their inserts need not pay for these.
    index("jobs_sweep_idx").on(t.sweepId, t.status).where(sql`${t.sweepId} IS NOT NULL`),
    index("jobs_sweep_recent_idx")
      .on(t.sweepId, t.submittedAt.desc(), t.id.desc())
      .where(sql`${t.sweepId} IS NOT NULL`),
    // Jobs by when they ended, of a tenant and of all: the activity charts (activity.ts).
    index("jobs_tenant_finished_idx")
      .on(t.tenantId, t.finishedAt)
      .where(sql`${t.finishedAt} IS NOT NULL`),
    index("jobs_finished_idx").on(t.finishedAt).where(sql`${t.finishedAt} IS NOT NULL`),
    // A job's reruns (the link back from the job they run again).
    index("jobs_rerun_of_idx").on(t.rerunOfJobId).where(sql`${t.rerunOfJobId} IS NOT NULL`),
    foreignKey({
      name: "jobs_rerun_of_fk",
      columns: [t.rerunOfJobId],
      foreignColumns: [t.id],
    }).onDelete("set null"),
    foreignKey({
      name: "jobs_scenario_bundle_fk",
      columns: [t.tenantId, t.scenarioSha256],
      foreignColumns: [scenarioBundles.tenantId, scenarioBundles.sha256],
    }),
    check(
      "jobs_cancelled_by_known",
      sql`${t.cancelledBy} IS NULL OR ${t.cancelledBy} IN ('tenant', 'admin')`,
    ),
    check("jobs_cpu_request_positive", sql`${t.cpuRequest} > 0`),
    check("jobs_memory_gi_positive", sql`${t.memoryGi} > 0`),
  ],
);

export type Job = typeof jobs.$inferSelect;
export type NewJob = typeof jobs.$inferInsert;
