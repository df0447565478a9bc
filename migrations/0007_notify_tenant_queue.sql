-- A tenant's queue may move when a job joins it (inserted QUEUED), when one of its slots frees (a
-- job given to Kubernetes, PENDING or RUNNING, ends) and when its limits change. Each is
-- announced on the channel tenant_queue with the tenant's id, after commit; the scheduler's
-- TenantQueue listens and starts the queue's next jobs (services/scheduler/src/tenant-queue.ts).
-- Statuses compare as text: on a fresh database this runs in the transaction that added QUEUED.
CREATE FUNCTION "notify_tenant_queue_of_job"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('tenant_queue', NEW.tenant_id::text);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "jobs_notify_tenant_queue_joined" AFTER INSERT ON "jobs"
  FOR EACH ROW WHEN (NEW.status::text = 'QUEUED')
  EXECUTE FUNCTION "notify_tenant_queue_of_job"();
--> statement-breakpoint
CREATE TRIGGER "jobs_notify_tenant_queue_slot_freed" AFTER UPDATE OF "status" ON "jobs"
  FOR EACH ROW WHEN (OLD.status::text IN ('PENDING', 'RUNNING')
    AND NEW.status::text NOT IN ('PENDING', 'RUNNING'))
  EXECUTE FUNCTION "notify_tenant_queue_of_job"();
--> statement-breakpoint
CREATE FUNCTION "notify_tenant_queue_of_tenant"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('tenant_queue', NEW.id::text);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "tenants_notify_tenant_queue_limits" AFTER UPDATE OF "cpu_limit", "memory_limit_gi", "max_concurrent_jobs" ON "tenants"
  FOR EACH ROW WHEN (OLD.cpu_limit IS DISTINCT FROM NEW.cpu_limit
    OR OLD.memory_limit_gi IS DISTINCT FROM NEW.memory_limit_gi
    OR OLD.max_concurrent_jobs IS DISTINCT FROM NEW.max_concurrent_jobs)
  EXECUTE FUNCTION "notify_tenant_queue_of_tenant"();
