// An open-loop load generator: requests at a steady rate, each sent on its own schedule
// whether or not earlier ones have been answered, with latency counted from the moment the
// request was due. (autocannon's rate limit lets each connection send its share of a second
// back to back at the start of that second: bursts, not a steady rate.)
import { performance } from "node:perf_hooks";
import { Pool } from "undici";
import { summary } from "./stats.ts";

export interface SteadyRequest {
  method: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface SteadyResult {
  /** Requests answered per second over the run. */
  rps: number;
  p50: number;
  p99: number;
  max: number;
  /** Transport errors and non-2xx answers. */
  errors: number;
}

/**
 * Sends `rate` requests per second to `origin` for `seconds`, spread evenly in time; `next`
 * gives each request. Latency (ms) runs from when a request was due to when its body was read,
 * so a slow answer also counts against the requests queued behind it (no coordinated omission).
 */
export async function steadyLoad(options: {
  origin: string;
  rate: number;
  seconds: number;
  next: () => SteadyRequest;
  connections?: number;
}): Promise<SteadyResult> {
  const pool = new Pool(options.origin, { connections: options.connections ?? 64 });
  const total = Math.round(options.rate * options.seconds);
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  const send = (dueAt: number) => {
    const request = options.next();
    return pool
      .request({
        method: request.method,
        path: request.path,
        headers: request.headers ?? {},
        ...(request.body !== undefined && { body: request.body }),
      })
      .then(async (response) => {
        await response.body.dump();
        if (response.statusCode >= 300) errors++;
      })
      .catch(() => {
        errors++;
      })
      .finally(() => latencies.push(performance.now() - dueAt));
  };
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * options.rate));
    for (; sent < due; sent++) inFlight.push(send(start + (sent / options.rate) * 1000));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - start) / 1000;
  await pool.close();
  const { p50, p99, max } = summary(latencies);
  return { rps: latencies.length / elapsed, p50, p99, max, errors };
}
