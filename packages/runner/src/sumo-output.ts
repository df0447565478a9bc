// Reading what SUMO writes: its console output as lines (it ends step lines with `\r`), its
// step lines' vehicle counts, its end-of-run reason, and its statistic output.

import type { RunSummary } from "@sumo/scenario";
import { XMLParser } from "fast-xml-parser";

/**
 * Splits a stream's chunks into lines at `\n`, `\r\n` and a lone `\r` (SUMO ends each step
 * line with `\r` so a terminal overwrites it). Lines come out without their ending or SUMO's
 * trailing padding.
 */
export class LineSplitter {
  #pending = "";

  /** The complete lines in `chunk` (with what earlier chunks left). */
  push(chunk: string): string[] {
    let text = this.#pending + chunk;
    // A `\r` at the very end may be the first half of `\r\n`: it waits for the next chunk.
    const carry = text.endsWith("\r") ? "\r" : "";
    if (carry) text = text.slice(0, -1);
    const parts = text.split(/\r\n|\r|\n/);
    this.#pending = (parts.pop() ?? "") + carry;
    return parts.map((line) => line.trimEnd());
  }

  /** What is left once the stream ended. */
  end(): string[] {
    const rest = this.#pending.trimEnd();
    this.#pending = "";
    return rest === "" ? [] : [rest];
  }
}

export interface StepLine {
  time: number;
  /** TOT: vehicles inserted so far. */
  inserted: number;
  /** ACT: vehicles running. */
  running: number;
  /** BUF: vehicles waiting to be inserted. */
  waiting: number;
}

const STEP_LINE = /^Step #(\d+(?:\.\d+)?) \(.*vehicles TOT (\d+) ACT (\d+) BUF (\d+)\)/;

/** A step line's time and vehicle counts, e.g. `Step #50.00 (0ms ?*RT. ?UPS, vehicles TOT 51 ACT 44 BUF 0)`. */
export function parseStepLine(line: string): StepLine | undefined {
  const match = STEP_LINE.exec(line);
  if (!match) return undefined;
  const [, time, inserted, running, waiting] = match;
  return {
    time: Number(time),
    inserted: Number(inserted),
    running: Number(running),
    waiting: Number(waiting),
  };
}

/** The reasons SUMO gives for a run that reached its end (`Reason: ...` with -t). */
const FINISHED_REASONS = [
  "The final simulation step has been reached.",
  "All vehicles have left the simulation.",
];

/** What SUMO's `Reason:` line says about how the run ended. */
export function endReason(line: string): "finished" | "interrupted" | "other" | undefined {
  if (!line.startsWith("Reason: ")) return undefined;
  const reason = line.slice("Reason: ".length).trim();
  if (FINISHED_REASONS.includes(reason)) return "finished";
  if (reason.startsWith("Interrupted")) return "interrupted";
  return "other";
}

/** SUMO's version from the header of an output it wrote ("by Eclipse SUMO sumo 1.28.0"). */
export function sumoVersionOf(output: string): string | undefined {
  return /by Eclipse SUMO sumo (?:Version )?v?([\w.+-]+)/.exec(output)?.[1];
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseAttributeValue: false,
  processEntities: false,
});

/**
 * The run's numbers from SUMO's statistic output (`--statistic-output`, with
 * `--duration-log.statistics` so it has trip statistics): everything of a RunSummary but what
 * the runner knows itself (seed, options, wall time).
 */
export function parseStatistics(
  xml: string,
): Omit<RunSummary, "seed" | "options" | "wall_seconds"> {
  const document = parser.parse(xml) as { statistics?: Record<string, Record<string, string>> };
  const statistics = document.statistics;
  if (!statistics) throw new Error("the statistic output has no <statistics>");
  const number = (element: string, attribute: string): number => {
    const value = Number(statistics[element]?.[attribute]);
    if (!Number.isFinite(value)) {
      throw new Error(`the statistic output has no number at ${element}/@${attribute}`);
    }
    return value;
  };
  const count = (element: string, attribute: string) =>
    Math.max(0, Math.round(number(element, attribute)));
  const arrived = count("vehicleTripStatistics", "count");
  const begin = number("performance", "begin");
  const end = number("performance", "end");
  return {
    sumo_version: sumoVersionOf(xml) ?? "unknown",
    vehicles: {
      loaded: count("vehicles", "loaded"),
      inserted: count("vehicles", "inserted"),
      running: count("vehicles", "running"),
      waiting: count("vehicles", "waiting"),
      arrived,
      teleported: count("teleports", "total"),
      collided: count("safety", "collisions"),
    },
    ...(arrived > 0 && {
      trips: {
        count: arrived,
        mean_route_length_m: number("vehicleTripStatistics", "routeLength"),
        mean_speed_mps: number("vehicleTripStatistics", "speed"),
        mean_travel_time_s: number("vehicleTripStatistics", "duration"),
        mean_waiting_time_s: number("vehicleTripStatistics", "waitingTime"),
        mean_time_loss_s: number("vehicleTripStatistics", "timeLoss"),
        mean_depart_delay_s: number("vehicleTripStatistics", "departDelay"),
      },
    }),
    simulated_seconds: end - begin,
    end_time: end,
    real_time_factor: number("performance", "realTimeFactor"),
  };
}
