// How a job reads in the human output: a row of a table, its details, its run summary, and
// its progress for a live bar.
import type { TenantSchemas } from "@sumo/api-client";
import {
  formatDuration,
  formatNumber,
  formatPercent,
  formatTime,
  secondsBetween,
} from "./format-values.ts";
import type { ProgressState } from "./live-progress.ts";
import type { Output } from "./output.ts";

export type Job = TenantSchemas["Job"];
export type JobStatus = TenantSchemas["JobStatus"];
type RunSummary = NonNullable<TenantSchemas["RunSummary"]>;

export const JOB_STATUSES: readonly JobStatus[] = [
  "QUEUED",
  "PENDING",
  "RUNNING",
  "SUCCEEDED",
  "FAILED",
  "CANCELLED",
];

/** Whether a job's status is one it never leaves. */
export function isEnded(status: JobStatus): boolean {
  switch (status) {
    case "QUEUED":
    case "PENDING":
    case "RUNNING":
      return false;
    case "SUCCEEDED":
    case "FAILED":
    case "CANCELLED":
      return true;
    default:
      return assertNever(status);
  }
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${String(value)}`);
}

export const JOB_TABLE_HEAD = [
  "JOB",
  "SCENARIO",
  "STATUS",
  "CPU",
  "MEMORY",
  "PROGRESS",
  "SUBMITTED",
];

/** A job as a row of JOB_TABLE_HEAD. */
export function jobRow(output: Output, job: Job): string[] {
  return [
    job.job_id,
    job.scenario_name ?? job.scenario_id,
    styledStatus(output, job.status),
    formatNumber(job.cpu_request, 3),
    `${formatNumber(job.memory_gi)} GiB`,
    progressColumn(job),
    formatTime(job.submitted_at),
  ];
}

function progressColumn(job: Job): string {
  if (job.status === "RUNNING") return formatPercent(job.progress?.fraction);
  if (job.status === "QUEUED" && job.queue) return `#${job.queue.position} in queue`;
  if (job.started_at && job.finished_at) {
    return `took ${formatDuration(secondsBetween(job.started_at, job.finished_at))}`;
  }
  return "-";
}

export function styledStatus(output: Output, status: JobStatus): string {
  switch (status) {
    case "SUCCEEDED":
      return output.style("green", status);
    case "FAILED":
      return output.style("red", status);
    case "CANCELLED":
      return output.style("yellow", status);
    case "RUNNING":
      return output.style("cyan", status);
    case "QUEUED":
    case "PENDING":
      return status;
    default:
      return assertNever(status);
  }
}

/** A job's details, one a line, with its run summary once it has one. */
export function printJob(output: Output, job: Job & { reruns?: string[]; scenario?: unknown }) {
  const took =
    job.started_at && job.finished_at
      ? ` (ran ${formatDuration(secondsBetween(job.started_at, job.finished_at))})`
      : "";
  output.fields([
    ["job", job.job_id],
    ["scenario", `${job.scenario_name ?? "(deleted)"} ${job.scenario_id}`],
    [
      "status",
      `${styledStatus(output, job.status)}${job.exit_code === null ? "" : ` (exit code ${job.exit_code})`}`,
    ],
    ["resources", `${formatNumber(job.cpu_request, 3)} CPU, ${formatNumber(job.memory_gi)} GiB`],
    [
      "parameters",
      job.scenario && Object.keys(job.scenario).length > 0
        ? JSON.stringify(job.scenario)
        : undefined,
    ],
    [
      "queue",
      job.queue
        ? `position ${job.queue.position}${job.queue.waiting_for ? `, waiting for ${job.queue.waiting_for.replaceAll("_", " ")}` : ""}`
        : undefined,
    ],
    ["submitted", formatTime(job.submitted_at)],
    ["started", job.started_at ? formatTime(job.started_at) : undefined],
    ["finished", job.finished_at ? `${formatTime(job.finished_at)}${took}` : undefined],
    ["progress", job.progress ? progressDetail(job.progress) : undefined],
    ["failure", job.failure_reason ?? undefined],
    [
      "cancelled",
      job.cancelled ? `by ${job.cancelled.by} at ${formatTime(job.cancelled.at)}` : undefined,
    ],
    [
      "pod",
      job.kubernetes.pod_name
        ? `${job.kubernetes.namespace}/${job.kubernetes.pod_name}`
        : undefined,
    ],
    ["rerun of", job.rerun_of ?? undefined],
    ["reruns", job.reruns && job.reruns.length > 0 ? job.reruns.join(", ") : undefined],
  ]);
  if (job.result) {
    output.line();
    output.line("result");
    for (const line of runSummaryLines(job.result)) output.line(`  ${line}`);
  }
}

/** The run summary as a few lines a person reads at a glance. */
export function runSummaryLines(result: RunSummary): string[] {
  const v = result.vehicles;
  const lines = [
    `simulated ${formatNumber(result.simulated_seconds)} s in ${formatDuration(result.wall_seconds)} (${formatNumber(result.real_time_factor)}x real time), SUMO ${result.sumo_version}, seed ${result.seed}`,
    `vehicles: ${v.loaded} loaded, ${v.inserted} inserted, ${v.arrived} arrived, ${v.running} running, ${v.waiting} waiting, ${v.teleported} teleported, ${v.collided} collided`,
  ];
  const trips = result.trips;
  if (trips) {
    lines.push(
      `trips: ${trips.count}, mean route ${formatNumber(trips.mean_route_length_m, 1)} m, speed ${formatNumber(trips.mean_speed_mps)} m/s, travel time ${formatNumber(trips.mean_travel_time_s, 1)} s, waiting ${formatNumber(trips.mean_waiting_time_s, 1)} s, time loss ${formatNumber(trips.mean_time_loss_s, 1)} s`,
    );
  }
  return lines;
}

function progressDetail(progress: NonNullable<Job["progress"]>): string {
  const end = progress.end === null ? "" : ` of ${formatNumber(progress.end)}`;
  return `${formatPercent(progress.fraction)}: simulated ${formatNumber(progress.time)}${end} s, ${progress.vehicles.running} vehicles running`;
}

/** What a live bar shows of a job. */
export function jobProgressState(job: Job): ProgressState {
  const detail =
    job.status === "RUNNING" && job.progress
      ? `sim ${formatNumber(job.progress.time)}${job.progress.end === null ? "" : `/${formatNumber(job.progress.end)}`} s, ${job.progress.vehicles.running} vehicles`
      : job.status === "QUEUED" && job.queue
        ? `#${job.queue.position} in queue`
        : "";
  const fraction = isEnded(job.status) && job.status === "SUCCEEDED" ? 1 : job.progress?.fraction;
  return { status: job.status, fraction: fraction ?? undefined, detail };
}
