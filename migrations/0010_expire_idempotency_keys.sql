-- Idempotency-Key records expire (expires_at, set by the api from IDEMPOTENCY_KEY_TTL_HOURS);
-- records stored before this migration expire the default time to live after they were stored.
DROP INDEX "idempotency_keys_created_idx";--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
UPDATE "idempotency_keys" SET "expires_at" = "created_at" + interval '24 hours';--> statement-breakpoint
ALTER TABLE "idempotency_keys" ALTER COLUMN "expires_at" SET NOT NULL;--> statement-breakpoint
CREATE INDEX "idempotency_keys_expires_idx" ON "idempotency_keys" USING btree ("expires_at");
