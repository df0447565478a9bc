import { z } from "@hono/zod-openapi";
import type { Database } from "@sumo/db/client";
import { isTerminal, JOB_STATUSES, type JobStatus } from "@sumo/db/job-status";
import {
  aggregateSweepResults,
  countSweepMembersByStatus,
  SWEEP_METRICS,
  type SweepCursor,
  type SweepMetric,
} from "@sumo/db/queries";
import type { Sweep } from "@sumo/db/schema";
import { jobCountsSchema } from "./job-view.ts";
import { encodePageCursor, pageCursorSchema } from "./page-cursor.ts";

// A sweep as the HTTP APIs show it; the api and admin share it.

const metricStatisticsSchema = z
  .object({
    count: z.number().int(),
    mean: z.number(),
    stddev: z
      .number()
      .nullable()
      .openapi({ description: "Sample standard deviation; null with one value." }),
    min: z.number(),
    p5: z.number(),
    p50: z.number(),
    p95: z.number(),
    max: z.number(),
  })
  .openapi("MetricStatistics");

export const sweepSchema = z
  .object({
    sweep_id: z.uuid(),
    scenario_id: z.string(),
    scenario_name: z.string().nullable(),
    scenario_sha256: z.string(),
    cpu_request: z.number(),
    memory_gi: z.number(),
    parameters: z
      .record(z.string(), z.unknown())
      .openapi({ description: "Shared by every member." }),
    vary: z.record(z.string(), z.unknown()).openapi({ description: "As given at creation." }),
    member_count: z.number().int(),
    counts: jobCountsSchema.openapi({ description: "Members in each status." }),
    progress: z.object({
      ended: z.number().int().openapi({ description: "Members SUCCEEDED, FAILED or CANCELLED." }),
      fraction: z.number().min(0).max(1),
    }),
    cancelled: z.object({ at: z.iso.datetime(), by: z.enum(["tenant", "admin"]) }).nullable(),
    created_at: z.iso.datetime(),
  })
  .openapi("Sweep");

export const sweepWithResultsSchema = sweepSchema
  .extend({
    results: z
      .partialRecord(
        z.enum(Object.keys(SWEEP_METRICS) as [SweepMetric, ...SweepMetric[]]),
        metricStatisticsSchema,
      )
      .openapi({
        description:
          "Each number of the run summary over the members that SUCCEEDED: count, mean, standard deviation, min, 5th/50th/95th percentiles, max. Metrics no member reported are absent.",
      }),
  })
  .openapi("SweepWithResults");

export type SweepView = z.infer<typeof sweepSchema>;

/** A sweep with its members' counts (and, with `results`, their aggregated results). */
export async function toSweepView(db: Database, sweep: Sweep): Promise<SweepView> {
  const counts = await countSweepMembersByStatus(db, sweep.id);
  return sweepView(sweep, counts);
}

export async function toSweepViewWithResults(db: Database, sweep: Sweep) {
  const [counts, results] = await Promise.all([
    countSweepMembersByStatus(db, sweep.id),
    aggregateSweepResults(db, sweep.id),
  ]);
  return { ...sweepView(sweep, counts), results };
}

function sweepView(sweep: Sweep, counts: Record<JobStatus, number>): SweepView {
  const ended = JOB_STATUSES.filter(isTerminal).reduce((sum, status) => sum + counts[status], 0);
  return {
    sweep_id: sweep.id,
    scenario_id: sweep.scenarioId,
    scenario_name: sweep.scenarioName,
    scenario_sha256: sweep.scenarioSha256,
    cpu_request: sweep.cpuRequest,
    memory_gi: sweep.memoryGi,
    parameters: sweep.parameters,
    vary: sweep.vary,
    member_count: sweep.memberCount,
    counts,
    progress: { ended, fraction: sweep.memberCount > 0 ? ended / sweep.memberCount : 0 },
    cancelled:
      sweep.cancelledAt && sweep.cancelledBy
        ? { at: sweep.cancelledAt.toISOString(), by: sweep.cancelledBy }
        : null,
    created_at: sweep.createdAt.toISOString(),
  };
}

/** A `cursor` query parameter of a list of sweeps. */
export const sweepCursorSchema = pageCursorSchema.transform(
  (cursor): SweepCursor => ({ createdAt: cursor.at, id: cursor.id }),
);

export function encodeSweepCursor(cursor: SweepCursor): string {
  return encodePageCursor({ at: cursor.createdAt, id: cursor.id });
}
