-- Only jobs in a sweep, or reruns, are indexed by their sweep or the job they rerun.
DROP INDEX "jobs_sweep_idx";--> statement-breakpoint
DROP INDEX "jobs_sweep_recent_idx";--> statement-breakpoint
DROP INDEX "jobs_rerun_of_idx";--> statement-breakpoint
CREATE INDEX "jobs_sweep_idx" ON "jobs" USING btree ("sweep_id","status") WHERE "jobs"."sweep_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "jobs_sweep_recent_idx" ON "jobs" USING btree ("sweep_id","submitted_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "jobs"."sweep_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "jobs_rerun_of_idx" ON "jobs" USING btree ("rerun_of_job_id") WHERE "jobs"."rerun_of_job_id" IS NOT NULL;--> statement-breakpoint
-- A sweep inserts its thousands of QUEUED members in one statement: the tenant's queue is told
-- once per statement and tenant, no longer once per row (0007's row trigger).
DROP TRIGGER "jobs_notify_tenant_queue_joined" ON "jobs";
--> statement-breakpoint
CREATE FUNCTION "notify_tenant_queues_of_joined_jobs"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('tenant_queue', joined.tenant_id::text)
  FROM (SELECT DISTINCT tenant_id FROM joined_jobs WHERE status::text = 'QUEUED') AS joined;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "jobs_notify_tenant_queue_joined" AFTER INSERT ON "jobs"
  REFERENCING NEW TABLE AS joined_jobs FOR EACH STATEMENT
  EXECUTE FUNCTION "notify_tenant_queues_of_joined_jobs"();
