import type { RunReport, RunSummary } from "./runner-contract.ts";

/** A run summary with every field set to something valid, overridden where the test cares. */
export function makeRunSummary(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    sumo_version: "1.28.0",
    seed: 23423,
    options: ["--end", "600"],
    vehicles: {
      loaded: 40,
      inserted: 40,
      running: 0,
      waiting: 0,
      arrived: 39,
      teleported: 1,
      collided: 0,
    },
    trips: {
      count: 39,
      mean_route_length_m: 410.5,
      mean_speed_mps: 9.1,
      mean_travel_time_s: 45.2,
      mean_waiting_time_s: 3.4,
      mean_time_loss_s: 9.8,
      mean_depart_delay_s: 0.2,
    },
    simulated_seconds: 600,
    end_time: 600,
    wall_seconds: 0.4,
    real_time_factor: 1500,
    ...overrides,
  };
}

/** The termination message of a run that reached its end. */
export function succeededRunMessage(summary: RunSummary = makeRunSummary()): string {
  return JSON.stringify({ outcome: "succeeded", summary } satisfies RunReport);
}

/** The termination message of a run that did not succeed. */
export function failedRunMessage(
  outcome: Exclude<RunReport["outcome"], "succeeded">,
  reason: string,
): string {
  return JSON.stringify({ outcome, reason } satisfies RunReport);
}
