// Job activity over time as the APIs show it (GET /v1/activity, GET /admin/activity): per
// interval of a period, what was submitted, started and ended, the run times of what succeeded,
// and how many jobs ran and waited at the interval's end. All of it is read from the jobs'
// timestamps, so it needs no sampling and covers the whole period from the first request.
import { z } from "@hono/zod-openapi";
import type { JobStatus } from "@sumo/db/job-status";
import type { ActivityBucket, ActivityWindow } from "@sumo/db/queries";

/** The periods a chart covers, each with the length of its intervals. */
export const ACTIVITY_PERIODS = {
  "6h": { seconds: 6 * 3600, stepSeconds: 600 },
  "48h": { seconds: 48 * 3600, stepSeconds: 3600 },
  "30d": { seconds: 30 * 86400, stepSeconds: 86400 },
} as const;
export type ActivityPeriod = keyof typeof ACTIVITY_PERIODS;

export const activityPeriodSchema = z
  .enum(Object.keys(ACTIVITY_PERIODS) as [ActivityPeriod, ...ActivityPeriod[]])
  .openapi({
    description:
      "How far back: `6h` in 10-minute intervals, `48h` in hours, `30d` in days (UTC). The last interval is the current one, up to now.",
  });

const intervalSchema = z.object({
  start: z.iso.datetime().openapi({ description: "Where the interval starts." }),
  submitted: z.number().int(),
  started: z.number().int().openapi({ description: "Jobs whose pod started in the interval." }),
  succeeded: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
  running: z
    .number()
    .int()
    .openapi({ description: "Jobs running at the interval's end (the last: now)." }),
  waiting: z.number().int().openapi({
    description: "Jobs QUEUED or PENDING (not started) at the interval's end (the last: now).",
  }),
  run_seconds: z.object({ p50: z.number(), p90: z.number(), max: z.number() }).nullable().openapi({
    description:
      "Run time (started to finished) of the jobs that succeeded in the interval; null when none did.",
  }),
});

export const activitySchema = z
  .object({
    period: activityPeriodSchema,
    step_seconds: z.number().int().openapi({ description: "Each interval's length." }),
    intervals: z.array(intervalSchema).openapi({ description: "Oldest first, every interval." }),
  })
  .openapi("Activity");
export type ActivityView = z.infer<typeof activitySchema>;

/** The window of `period` that ends in the interval holding `now`. */
export function activityWindow(
  period: ActivityPeriod,
  now: Date,
): ActivityWindow & {
  intervals: number;
} {
  const { seconds, stepSeconds } = ACTIVITY_PERIODS[period];
  const intervals = seconds / stepSeconds;
  const stepMs = stepSeconds * 1000;
  const current = Math.floor(now.getTime() / stepMs) * stepMs;
  return { since: new Date(current - (intervals - 1) * stepMs), stepSeconds, intervals };
}

/**
 * The period's intervals, every one (those without events as zeros), with the jobs running and
 * waiting at each one's end: counted back from now (`openNow`, the jobs in each status now),
 * undoing each later interval's starts, ends and submissions.
 */
export function toActivityView(
  period: ActivityPeriod,
  now: Date,
  buckets: readonly ActivityBucket[],
  openNow: Pick<Record<JobStatus, number>, "QUEUED" | "PENDING" | "RUNNING">,
): ActivityView {
  const window = activityWindow(period, now);
  const stepMs = window.stepSeconds * 1000;
  const byStart = new Map(buckets.map((bucket) => [bucket.start.getTime(), bucket]));
  const intervals: ActivityView["intervals"] = new Array(window.intervals);
  let running = openNow.RUNNING;
  let waiting = openNow.QUEUED + openNow.PENDING;
  for (let index = window.intervals - 1; index >= 0; index--) {
    const start = window.since.getTime() + index * stepMs;
    const bucket = byStart.get(start);
    intervals[index] = {
      start: new Date(start).toISOString(),
      submitted: bucket?.submitted ?? 0,
      started: bucket?.started ?? 0,
      succeeded: bucket?.succeeded ?? 0,
      failed: bucket?.failed ?? 0,
      cancelled: bucket?.cancelled ?? 0,
      // Timestamps come from more than one clock (the database's, the nodes'), so a count
      // rebuilt from them can dip under zero by a job or two; none is shown as fewer than none.
      running: Math.max(0, running),
      waiting: Math.max(0, waiting),
      run_seconds: bucket?.runSeconds ?? null,
    };
    if (bucket) {
      running += bucket.endedAfterStart - bucket.started;
      waiting += bucket.started + bucket.endedBeforeStart - bucket.submitted;
    }
  }
  return { period, step_seconds: window.stepSeconds, intervals };
}
