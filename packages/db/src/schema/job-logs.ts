import { integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { jobs } from "./jobs.ts";

/**
 * The last lines of a finished job's log, kept after Kubernetes deletes the pod (the Job's TTL),
 * so logs stay readable for as long as the job's history. The reconciler keeps at most
 * LOG_TAIL_LINES lines and LOG_TAIL_BYTES bytes, long lines cut, and says on a last line what it
 * left out (services/reconciler/src/kept-log.ts).
 */
export const jobLogs = pgTable("job_logs", {
  jobId: uuid("job_id")
    .primaryKey()
    .references(() => jobs.id, { onDelete: "cascade" }),
  /** The lines, newline-separated, oldest first. */
  content: text("content").notNull(),
  lineCount: integer("line_count").notNull(),
  capturedAt: timestamp("captured_at", { withTimezone: true }).notNull().defaultNow(),
});

export type JobLog = typeof jobLogs.$inferSelect;
