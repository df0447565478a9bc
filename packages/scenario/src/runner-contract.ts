// The contract between the simulation container's runner and the platform: what the pod is
// given (files, not environment variables), its exit codes, the progress lines it writes to
// its log, and the run report it leaves in its termination message. The runner writes these;
// the reconciler and the api read them; the local cluster's simulated pods imitate them.
import { z } from "zod";
import { runParametersSchema } from "./run-parameters.ts";

/** The SUMO version images/simulation installs (its requirements.txt pins the same). */
export const SUMO_VERSION = "1.28.0";
/** The simulation image the scheduler runs by default: the runner with the pinned SUMO. */
export const DEFAULT_SIMULATION_IMAGE = `ghcr.io/sumo-k8/simulation:sumo-${SUMO_VERSION}`;

/** Where the pod's scenario volume (the job's ConfigMap) is mounted, read-only. */
export const SCENARIO_MOUNT = "/scenario";
/** Keys of the job's ConfigMap, each a file under SCENARIO_MOUNT. */
export const BUNDLE_FILE = "bundle";
export const RUN_FILE = "run.json";
/** The size-limited emptyDir the runner unpacks the bundle into and SUMO writes to. */
export const WORK_MOUNT = "/work";

/** What run.json holds: everything the runner needs besides the bundle. */
export const runSpecSchema = z.strictObject({
  job_id: z.string(),
  /** SHA-256 (hex) of the bundle file; the runner refuses a bundle that does not match. */
  bundle_sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The .sumocfg to run, a path inside the bundle. */
  config: z.string().min(1),
  parameters: runParametersSchema,
});
export type RunSpec = z.infer<typeof runSpecSchema>;

/**
 * The runner's exit codes. Kubernetes' own outcomes have theirs: 137 for a memory kill,
 * and a Job past its deadline has its pod killed.
 */
export const RUNNER_EXIT_CODES = {
  /** SUMO simulated to the end and the summary was written. */
  succeeded: 0,
  /** SUMO exited with an error (exit 1, "Error: ..." lines). */
  sumo_error: 10,
  /** The bundle or run.json could not be used: not what was stored, unsafe, incomplete. */
  bad_bundle: 11,
  /** The runner was told to stop (SIGTERM/SIGINT) and SUMO stopped before its end. */
  interrupted: 12,
  /** Anything else that went wrong in the runner itself. */
  runner_error: 13,
} as const;

export type RunOutcome = keyof typeof RUNNER_EXIT_CODES;
export const RUN_OUTCOMES = Object.keys(RUNNER_EXIT_CODES) as RunOutcome[];

/** The outcome an exit code stands for, or undefined for one the runner never uses. */
export function outcomeOfExitCode(exitCode: number): RunOutcome | undefined {
  return RUN_OUTCOMES.find((outcome) => RUNNER_EXIT_CODES[outcome] === exitCode);
}

const count = z.int().min(0);
const finite = z.number();

/** What happened in a run: small enough for a termination message (kubelet keeps 4 KiB). */
export const runSummarySchema = z.object({
  sumo_version: z.string().max(64),
  /** The seed SUMO used (its default when the parameters set none). */
  seed: z.int(),
  /** The SUMO options the runner added for the parameters, as passed. */
  options: z.array(z.string().max(256)).max(32),
  vehicles: z.object({
    loaded: count,
    inserted: count,
    running: count,
    waiting: count,
    arrived: count,
    teleported: count,
    collided: count,
  }),
  /** Means over the vehicles that arrived; absent when none did. */
  trips: z
    .object({
      count: count,
      mean_route_length_m: finite,
      mean_speed_mps: finite,
      mean_travel_time_s: finite,
      mean_waiting_time_s: finite,
      mean_time_loss_s: finite,
      mean_depart_delay_s: finite,
    })
    .optional(),
  /** Simulated seconds from begin to where the run ended. */
  simulated_seconds: finite,
  /** The simulation time the run ended at. */
  end_time: finite,
  wall_seconds: finite,
  /** Simulated seconds per wall-clock second. */
  real_time_factor: finite,
});
export type RunSummary = z.infer<typeof runSummarySchema>;

/** Longest reason in a run report, in characters: SUMO's last error lines, shortened. */
export const MAX_REASON_LENGTH = 1000;

/** The runner's termination message: JSON, at most TERMINATION_MESSAGE_BYTES. */
export const runReportSchema = z.object({
  outcome: z.enum(RUN_OUTCOMES),
  reason: z.string().max(MAX_REASON_LENGTH).optional(),
  summary: runSummarySchema.optional(),
});
export type RunReport = z.infer<typeof runReportSchema>;

/** The kubelet truncates a termination message to 4096 bytes. */
export const TERMINATION_MESSAGE_BYTES = 4096;

/** The run report in a termination message, or undefined when it holds none (or garbage). */
export function parseRunReport(message: string | undefined): RunReport | undefined {
  if (!message) return undefined;
  try {
    const parsed = runReportSchema.safeParse(JSON.parse(message));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A run's progress as one log line shows it. */
export interface RunProgress {
  /** The simulation time reached, in seconds. */
  time: number;
  /** The time the run ends at, when known (the parameters' or the configuration's end). */
  end: number | null;
  /** Vehicles inserted so far (SUMO's TOT), running now (ACT), and waiting to be inserted (BUF). */
  inserted: number;
  running: number;
  waiting: number;
}

export const PROGRESS_LINE_PREFIX = "[sumo-runner] progress ";

/**
 * One progress line, e.g.
 * `[sumo-runner] progress time=120.00 end=600.00 (20.0%) vehicles inserted=150 running=34 waiting=2`.
 * Humans read it in the log; the api reads the last one from the log's tail.
 */
export function formatProgressLine(progress: RunProgress): string {
  const fraction = progressFraction(progress);
  const percent = fraction === null ? "" : ` (${(fraction * 100).toFixed(1)}%)`;
  const end = progress.end === null ? "-" : progress.end.toFixed(2);
  return `${PROGRESS_LINE_PREFIX}time=${progress.time.toFixed(2)} end=${end}${percent} vehicles inserted=${progress.inserted} running=${progress.running} waiting=${progress.waiting}`;
}

const PROGRESS_LINE =
  /^\[sumo-runner\] progress time=(\d+(?:\.\d+)?) end=(\d+(?:\.\d+)?|-)(?: \([\d.]+%\))? vehicles inserted=(\d+) running=(\d+) waiting=(\d+)$/;

/** The progress a log line reports, or undefined when it is not a progress line. */
export function parseProgressLine(line: string): RunProgress | undefined {
  const match = PROGRESS_LINE.exec(line.trimEnd());
  if (!match) return undefined;
  const [, time, end, inserted, running, waiting] = match;
  return {
    time: Number(time),
    end: end === "-" || end === undefined ? null : Number(end),
    inserted: Number(inserted),
    running: Number(running),
    waiting: Number(waiting),
  };
}

/** The last progress line in a stretch of log, or undefined when it has none. */
export function lastProgress(log: string): RunProgress | undefined {
  const lines = log.split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const progress = parseProgressLine(lines[i] ?? "");
    if (progress) return progress;
  }
  return undefined;
}

/** How far the run is, from 0 to 1, or null when its end is unknown. */
export function progressFraction(progress: RunProgress): number | null {
  if (progress.end === null || progress.end <= 0) return null;
  return Math.min(1, Math.max(0, progress.time / progress.end));
}
