CREATE TABLE "tenant_job_counts" (
	"tenant_id" uuid NOT NULL,
	"status" "job_status" NOT NULL,
	"jobs" bigint NOT NULL,
	CONSTRAINT "tenant_job_counts_tenant_id_status_pk" PRIMARY KEY("tenant_id","status")
);
--> statement-breakpoint
ALTER TABLE "tenant_job_counts" ADD CONSTRAINT "tenant_job_counts_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- The counts follow every statement that inserts, updates or deletes jobs. Statement triggers
-- with transition tables apply one delta per (tenant, status) however many rows a statement
-- touched, and the upserts go in (tenant, status) order, so concurrent statements lock the
-- counter rows in the same order and cannot deadlock on them.
CREATE FUNCTION "count_inserted_jobs"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tenant_job_counts (tenant_id, status, jobs)
  SELECT tenant_id, status, count(*) FROM inserted_jobs
  GROUP BY tenant_id, status ORDER BY tenant_id, status
  ON CONFLICT (tenant_id, status) DO UPDATE SET jobs = tenant_job_counts.jobs + EXCLUDED.jobs;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION "count_updated_jobs"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tenant_job_counts (tenant_id, status, jobs)
  SELECT tenant_id, status, sum(delta) FROM (
    SELECT o.tenant_id, o.status, -1 AS delta
    FROM old_jobs o JOIN new_jobs n ON n.id = o.id
    WHERE n.status <> o.status OR n.tenant_id <> o.tenant_id
    UNION ALL
    SELECT n.tenant_id, n.status, 1 AS delta
    FROM old_jobs o JOIN new_jobs n ON n.id = o.id
    WHERE n.status <> o.status OR n.tenant_id <> o.tenant_id
  ) AS changes
  GROUP BY tenant_id, status ORDER BY tenant_id, status
  ON CONFLICT (tenant_id, status) DO UPDATE SET jobs = tenant_job_counts.jobs + EXCLUDED.jobs;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION "count_deleted_jobs"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Only existing rows: when a tenant is deleted its counts may already be gone (cascade).
  UPDATE tenant_job_counts AS c SET jobs = c.jobs - d.jobs
  FROM (SELECT tenant_id, status, count(*) AS jobs FROM deleted_jobs GROUP BY tenant_id, status) AS d
  WHERE c.tenant_id = d.tenant_id AND c.status = d.status;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION "count_truncated_jobs"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM tenant_job_counts;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- No job may change while the counts are taken and the triggers go in.
LOCK TABLE "jobs" IN SHARE ROW EXCLUSIVE MODE;
--> statement-breakpoint
CREATE TRIGGER "jobs_count_inserted" AFTER INSERT ON "jobs"
  REFERENCING NEW TABLE AS inserted_jobs FOR EACH STATEMENT EXECUTE FUNCTION "count_inserted_jobs"();
--> statement-breakpoint
CREATE TRIGGER "jobs_count_updated" AFTER UPDATE ON "jobs"
  REFERENCING OLD TABLE AS old_jobs NEW TABLE AS new_jobs FOR EACH STATEMENT EXECUTE FUNCTION "count_updated_jobs"();
--> statement-breakpoint
CREATE TRIGGER "jobs_count_deleted" AFTER DELETE ON "jobs"
  REFERENCING OLD TABLE AS deleted_jobs FOR EACH STATEMENT EXECUTE FUNCTION "count_deleted_jobs"();
--> statement-breakpoint
CREATE TRIGGER "jobs_count_truncated" AFTER TRUNCATE ON "jobs"
  FOR EACH STATEMENT EXECUTE FUNCTION "count_truncated_jobs"();
--> statement-breakpoint
INSERT INTO "tenant_job_counts" ("tenant_id", "status", "jobs")
SELECT "tenant_id", "status", count(*) FROM "jobs" GROUP BY "tenant_id", "status";
