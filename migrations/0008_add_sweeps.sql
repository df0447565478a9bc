CREATE TABLE "sweeps" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"scenario_id" text NOT NULL,
	"scenario_name" text,
	"scenario_sha256" text NOT NULL,
	"scenario_config" text NOT NULL,
	"parameters" jsonb NOT NULL,
	"vary" jsonb NOT NULL,
	"cpu_request" numeric(10, 3) NOT NULL,
	"memory_gi" numeric(10, 3) NOT NULL,
	"member_count" integer NOT NULL,
	"cancelled_at" timestamp (3) with time zone,
	"cancelled_by" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sweeps_member_count_positive" CHECK ("sweeps"."member_count" > 0),
	CONSTRAINT "sweeps_cancelled_by_known" CHECK ("sweeps"."cancelled_by" IS NULL OR "sweeps"."cancelled_by" IN ('tenant', 'admin'))
);
--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "sweep_id" uuid;--> statement-breakpoint
ALTER TABLE "sweeps" ADD CONSTRAINT "sweeps_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sweeps" ADD CONSTRAINT "sweeps_scenario_bundle_fk" FOREIGN KEY ("tenant_id","scenario_sha256") REFERENCES "public"."scenario_bundles"("tenant_id","sha256") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sweeps_tenant_recent_idx" ON "sweeps" USING btree ("tenant_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "sweeps_recent_idx" ON "sweeps" USING btree ("created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_sweep_id_sweeps_id_fk" FOREIGN KEY ("sweep_id") REFERENCES "public"."sweeps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "jobs_sweep_idx" ON "jobs" USING btree ("sweep_id","status");--> statement-breakpoint
CREATE INDEX "jobs_sweep_recent_idx" ON "jobs" USING btree ("sweep_id","submitted_at" DESC NULLS LAST,"id" DESC NULLS LAST);