-- Jobs by when they ended, of one tenant and of all, for the activity charts (GET /v1/activity,
-- GET /admin/activity). Partial: a job is indexed once it has ended.
CREATE INDEX "jobs_tenant_finished_idx" ON "jobs" USING btree ("tenant_id","finished_at") WHERE "jobs"."finished_at" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "jobs_finished_idx" ON "jobs" USING btree ("finished_at") WHERE "jobs"."finished_at" IS NOT NULL;