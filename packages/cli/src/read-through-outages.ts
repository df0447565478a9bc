// A watch or a follow lasts as long as the job: the api may restart meanwhile (a deployment, a
// crash). Such outages are waited out, said once each, rather than ending the watch.
import { setTimeout as sleep } from "node:timers/promises";
import { ApiProblem, NETWORK_ERROR } from "@sumo/api-client";
import type { CliContext } from "./cli-context.ts";

/** Whether a failure is one that passes: no answer, or the service failing (5xx). */
export function isTransientFailure(error: unknown): boolean {
  if (error instanceof ApiProblem) {
    return error.code === NETWORK_ERROR || (error.status ?? 0) >= 500;
  }
  // A followed log's stream cut off by the api going away: fetch's body fails "terminated".
  return error instanceof TypeError && error.message === "terminated";
}

/**
 * Tracks one outage of the API: `failed` notes its start (once) and waits a poll interval,
 * `answered` notes its end.
 */
export class OutageNotes {
  readonly #ctx: CliContext;
  #inOutage = false;

  constructor(ctx: CliContext) {
    this.#ctx = ctx;
  }

  /** Rethrows `error` unless it passes; else says so (once an outage) and waits a while. */
  async failed(error: unknown, signal: AbortSignal): Promise<void> {
    if (signal.aborted || !isTransientFailure(error)) throw error;
    if (!this.#inOutage) {
      const why = error instanceof Error ? error.message : String(error);
      this.#ctx.output.note(`${why}; trying again until it answers (Ctrl-C to stop)`);
    }
    this.#inOutage = true;
    await sleep(this.#ctx.deps.pollIntervalMs, undefined, { signal });
  }

  answered(): void {
    if (this.#inOutage) this.#ctx.output.note("the API answers again");
    this.#inOutage = false;
  }
}

/** `read()`, again after each transient failure, until it answers or `signal` aborts. */
export async function readThroughOutages<T>(
  ctx: CliContext,
  read: () => Promise<T>,
  signal: AbortSignal,
  outages = new OutageNotes(ctx),
): Promise<T> {
  for (;;) {
    try {
      const value = await read();
      outages.answered();
      return value;
    } catch (error) {
      await outages.failed(error, signal);
    }
  }
}
