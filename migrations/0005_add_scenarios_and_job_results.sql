CREATE TABLE "scenario_bundles" (
	"tenant_id" uuid NOT NULL,
	"sha256" text NOT NULL,
	"bytes" "bytea" NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "scenario_bundles_tenant_id_sha256_pk" PRIMARY KEY("tenant_id","sha256"),
	CONSTRAINT "scenario_bundles_sha256_hex" CHECK ("scenario_bundles"."sha256" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
CREATE TABLE "scenarios" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text NOT NULL,
	"bundle_sha256" text NOT NULL,
	"config" text NOT NULL,
	"format" text NOT NULL,
	"size_bytes" integer NOT NULL,
	"uncompressed_bytes" integer NOT NULL,
	"files" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "scenarios_tenant_name_unique" UNIQUE("tenant_id","name")
);
--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "scenario_name" text;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "scenario_sha256" text;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "scenario_config" text;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "result" jsonb;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "progress" jsonb;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "progress_checked_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "scenario_bundles" ADD CONSTRAINT "scenario_bundles_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scenarios" ADD CONSTRAINT "scenarios_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scenarios" ADD CONSTRAINT "scenarios_bundle_fk" FOREIGN KEY ("tenant_id","bundle_sha256") REFERENCES "public"."scenario_bundles"("tenant_id","sha256") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "scenarios_tenant_recent_idx" ON "scenarios" USING btree ("tenant_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_scenario_bundle_fk" FOREIGN KEY ("tenant_id","scenario_sha256") REFERENCES "public"."scenario_bundles"("tenant_id","sha256") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "jobs_tenant_scenario_sha256_idx" ON "jobs" USING btree ("tenant_id","scenario_sha256");